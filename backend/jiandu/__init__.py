"""jiandu (监督): the business-environment supervision platform."""
from __future__ import annotations

from flask import Flask, request

from jiandu import sqlite  # noqa: F401  (its listeners set up every SQLite connection and transaction)
from jiandu.config import ROOT, Config

CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"))
    app.config.from_mapping(Config(**(config or {})).as_dict())
    _ensure_secrets(app)
    from jiandu.proxies import TrustedProxies

    app.wsgi_app = TrustedProxies(app.wsgi_app, app.config["TRUSTED_PROXY_HOPS"],
                                  app.config["TRUSTED_PROXY_ADDRESSES"])

    from jiandu.errors import JianduApi, register_error_handlers
    from jiandu.extensions import db, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)
    api = JianduApi(app)
    register_error_handlers(app)
    _register_capabilities(app, api)
    _register_request_hooks(app)
    from jiandu.cli import register_commands

    register_commands(app)
    return app


ENVIRONMENTS = ("development", "production")
# What each secret is, and the command that prints a good one.
SECRETS = (("SECRET_KEY", "secret_key", "jiandu keys new --secret-key"),
           ("CONTACT_KEYS", "contact_keys", "jiandu keys new"))


def _ensure_secrets(app: Flask) -> None:
    """Production is given its secrets; a local setup works with none: they are made once into instance/."""
    from jiandu.security import (MissingSecret, check_contact_keys, instance_secret, new_fernet_key,
                                 new_secret_key)

    environment = app.config.get("JIANDU_ENV") or "development"
    if environment not in ENVIRONMENTS:
        raise MissingSecret(f"JIANDU_ENV={environment!r} is not one of: {', '.join(ENVIRONMENTS)}")
    makers = {"SECRET_KEY": new_secret_key, "CONTACT_KEYS": new_fernet_key}
    for setting, file_name, command in SECRETS:
        if app.config.get(setting):
            continue
        if environment == "production":
            raise MissingSecret(f"{setting} is not set (JIANDU_ENV=production); make one with: {command}")
        app.config[setting] = instance_secret(app.instance_path, file_name, makers[setting])
    check_contact_keys(app.config["CONTACT_KEYS"])


def _register_capabilities(app: Flask, api) -> None:
    # Imported here, not at the top: the capabilities import the models and routes of the whole app,
    # which `import jiandu.timeutil` (a worker, a script) should not pay for.
    from jiandu import capabilities
    from jiandu.health import bp as health_bp
    from jiandu.web.views import bp as web_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(web_bp)
    for capability in capabilities.ALL:
        capability.setup(app, api)


def _register_request_hooks(app: Flask) -> None:
    from jiandu.org.auth import check_csrf, load_current_user

    @app.before_request
    def _who_is_asking():
        load_current_user()
        if request.path.startswith("/api/"):
            check_csrf()

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith("/api/") and not response.cache_control.public:
            # What the API answers is someone's data (a report's photo, a case file, an export): no browser or
            # proxy keeps a copy, whatever a route or send_file said. Only a route marking itself public is cached.
            response.headers["Cache-Control"] = "no-store"
        return response
