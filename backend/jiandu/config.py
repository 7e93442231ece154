"""Configuration from environment variables, with defaults that give a working local setup."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _sqlite_default() -> str:
    instance = Path(_env("JIANDU_INSTANCE", str(ROOT / "instance")))
    instance.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance / 'jiandu.sqlite3'}"


INTAKE_SETTINGS = (
    "INTAKE_DEVICE_LIMIT", "INTAKE_POINT_LIMIT", "INTAKE_ADDRESS_LIMIT", "INTAKE_TRACK_LIMIT",
    "INTAKE_RATING_DEVICE_LIMIT", "INTAKE_RATING_ADDRESS_POINT_LIMIT", "INTAKE_RATING_POINT_LIMIT",
    "INTAKE_RATING_ADDRESS_LIMIT", "INTAKE_RATING_LATE_LIMIT", "INTAKE_RATING_TOKEN_LIMIT",
    "RATING_TOKEN_SECONDS", "RATING_TOKEN_GRACE_SECONDS",
    "RATING_BURST_PER_HOUR", "RATING_FEW_DEVICES_MIN", "RATING_PER_DEVICE_MAX",
)


class Config:
    """Read once at app creation; tests pass overrides to create_app."""

    def __init__(self, **overrides):
        # "production" refuses to start without SECRET_KEY and CONTACT_KEYS; "development" (the default,
        # `make run`, the tests) generates them once into instance/, with a warning in the log.
        self.JIANDU_ENV = _env("JIANDU_ENV", "development")
        self.SECRET_KEY = _env("SECRET_KEY")
        self.SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL") or _sqlite_default()
        self.REDIS_URL = _env("REDIS_URL", "redis://127.0.0.1:6379/0")
        self.PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
        # Comma-separated Fernet keys, newest first; older keys still decrypt (rotation).
        self.CONTACT_KEYS = _env("CONTACT_KEYS")
        self.VAPID_PUBLIC_KEY = _env("VAPID_PUBLIC_KEY")
        self.VAPID_PRIVATE_KEY = _env("VAPID_PRIVATE_KEY")
        self.VAPID_SUBJECT = _env("VAPID_SUBJECT", "mailto:admin@example.invalid")
        # host:port pairs of push services exempt from the public-address and port-443 rules (notify/endpoints.py).
        self.PUSH_TRUSTED_HOSTS = _env("PUSH_TRUSTED_HOSTS", "")
        self.COMMISSION_HOTLINE = _env("COMMISSION_HOTLINE", "0472-12388")
        self.SESSION_COOKIE_SECURE = _env("SESSION_COOKIE_SECURE", "1") == "1"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # Forwarded headers are believed only from a proxy of ours (see jiandu/proxies.py): how many
        # proxies stand in front of the app (0: none, every header is the client's own word) and
        # the addresses the app sees them connect from.
        self.TRUSTED_PROXY_HOPS = int(_env("TRUSTED_PROXY_HOPS", "0"))
        self.TRUSTED_PROXY_ADDRESSES = _env("TRUSTED_PROXY_ADDRESSES", "127.0.0.1/8,::1")
        # Citizens' limits, rating tokens and the ratings figures' flags: set only when the environment
        # says (their defaults live with their rules: jiandu/intake/limits.py, rating_tokens.py, figures.py).
        for name in INTAKE_SETTINGS:
            if _env(name) is not None:
                setattr(self, name, _env(name))
        self.SESSION_COOKIE_NAME = "jiandu_session"
        self.PERMANENT_SESSION_LIFETIME = 12 * 3600
        self.MAX_CONTENT_LENGTH = 25 * 1024 * 1024
        self.JSON_AS_ASCII = False
        self.LOGIN_ATTEMPTS_PER_15_MIN = int(_env("LOGIN_ATTEMPTS_PER_15_MIN", "10"))
        self.API_TOKEN_DAYS = int(_env("API_TOKEN_DAYS", "90"))  # the longest an API token lives
        # argon2 cost; tests lower it so thousands of logins stay fast.
        self.ARGON2_TIME_COST = int(_env("ARGON2_TIME_COST", "3"))
        self.ARGON2_MEMORY_COST = int(_env("ARGON2_MEMORY_COST", str(64 * 1024)))
        self.RATELIMIT_ENABLED = _env("RATELIMIT_ENABLED", "1") == "1"
        # Resumable photo uploads, per role "role=open uploads/MB they add up to"; a role left out may not
        # upload. Unfinished (or never used) uploads go after UPLOAD_ABANDONED_DAYS (jiandu/files/upload_quota.py).
        self.UPLOAD_QUOTAS = _env("UPLOAD_QUOTAS", "admin=40/200,inspector=40/200,handler=20/100,enterprise=6/48")
        self.UPLOAD_ABANDONED_DAYS = int(_env("UPLOAD_ABANDONED_DAYS", "7"))
        self.CASE_ATTACHMENTS_MAX = int(_env("CASE_ATTACHMENTS_MAX", "30"))  # files on one case
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        # flask-smorest / OpenAPI
        self.API_TITLE = "jiandu 监督 API"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api"
        self.OPENAPI_JSON_PATH = "openapi.json"
        for key, value in overrides.items():
            setattr(self, key, value)

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}
