"""Secrets, passwords, tokens, short codes and the encryption of reporters' contact details."""
import hashlib
import hmac
import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from jiandu.errors import ApiError

log = logging.getLogger("jiandu.security")

# No 0/O, 1/I/L: a code read off a sign and typed by hand must not be ambiguous.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 9  # 31**9 ≈ 2**44.6: comfortably over 40 bits of randomness


def new_code(rng=None) -> str:
    choice = rng.choice if rng is not None else secrets.choice
    return "".join(choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a person types: lower case, O for 0, I/L for 1, spaces and dashes."""
    cleaned = (text or "").strip().upper().replace("-", "").replace(" ", "")
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def new_token(prefix: str, nbytes: int = 32) -> str:
    return f"{prefix}_{secrets.token_urlsafe(nbytes)}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# --- passwords -------------------------------------------------------------

def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Spend the same time as a real check, so a missing user is not told apart by timing.
        _hasher().hash(password)
        return False
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# --- contact details, encrypted at rest ------------------------------------

class UndecryptableData(ApiError):
    """Stored data that none of CONTACT_KEYS opens: the keys are wrong (one was removed or replaced
    before `jiandu keys rotate` ran). Never answered as "nothing": that would silently drop data."""

    def __init__(self):
        super().__init__(500, "keys_mismatch",
                         "加密数据无法解密：当前配置的密钥（CONTACT_KEYS）不是加密时所用的密钥，请联系管理员检查密钥配置",
                         extra={"setting": "CONTACT_KEYS"})


def _contact_cipher() -> MultiFernet:
    return _cipher_for(current_app.config["CONTACT_KEYS"])


def _key_list(keys: str) -> list[str]:
    return [k.strip() for k in keys.split(",") if k.strip()]


@lru_cache(maxsize=8)
def _cipher_for(keys: str) -> MultiFernet:
    """The cipher of a CONTACT_KEYS value ("newest,older,…"), made once per value."""
    return MultiFernet([Fernet(k) for k in _key_list(keys)])


def check_contact_keys(keys: str) -> None:
    """At start-up: every key of CONTACT_KEYS is a Fernet key, else one line that says which is not."""
    found = _key_list(keys)
    if not found:
        raise MissingSecret("CONTACT_KEYS is empty; make a key with: jiandu keys new")
    for number, key in enumerate(found, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise MissingSecret(f"CONTACT_KEYS: key {number} of {len(found)} is not a Fernet key "
                                "(44 characters of url-safe base64); make one with: jiandu keys new") from None


@lru_cache(maxsize=8)
def _newest_for(keys: str) -> Fernet:
    return Fernet(_key_list(keys)[0])


def encrypt_contact(plain: str | None) -> str | None:
    if not plain:
        return None
    return _contact_cipher().encrypt(plain.encode()).decode()


def decrypt_contact(cipher_text: str | None) -> str | None:
    """The plain text; None only for no value. A value no key opens raises UndecryptableData (logged)."""
    if not cipher_text:
        return None
    try:
        return _contact_cipher().decrypt(cipher_text.encode()).decode()
    except InvalidToken:
        log.error("encrypted data cannot be decrypted with any of the %d CONTACT_KEYS: the keys are wrong "
                  "(an old key removed before `jiandu keys rotate`?)",
                  len(_key_list(current_app.config["CONTACT_KEYS"])))
        raise UndecryptableData() from None


def under_newest_key(cipher_text: str) -> bool:
    """Whether the newest key (the first of CONTACT_KEYS) opens this value: rotation skips it."""
    try:
        _newest_for(current_app.config["CONTACT_KEYS"]).decrypt(cipher_text.encode())
    except InvalidToken:
        return False
    return True


def rotate_contact(cipher_text: str | None) -> str | None:
    """Re-encrypt under the newest key (for `jiandu keys rotate`); UndecryptableData when no key opens it."""
    if not cipher_text:
        return None
    try:
        return _contact_cipher().rotate(cipher_text.encode()).decode()
    except InvalidToken:
        raise UndecryptableData() from None


# --- secrets kept beside the database when none is configured ---------------

class MissingSecret(RuntimeError):
    """A secret a production installation must be given; the message is the one line an operator reads."""


def instance_secret(instance_path: str, name: str, make) -> str:
    """A secret generated once per installation and kept in instance/, readable by its owner only.

    The file is written whole under a temporary name created with mode 600 (never readable by others,
    not even for a moment) and published with link(), which fails when the name exists: of processes
    starting at once one creates the file and every one reads that same secret."""
    path = Path(instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _publish(path, make())
    return _read_secret(path)


def _publish(path: Path, value: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(value)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
            log.warning("%s was not configured: generated one into %s (fine for development; "
                        "production sets it in the environment)", path.name, path)
        except FileExistsError:
            pass  # another process made it first: its secret is the one
    finally:
        temporary.unlink(missing_ok=True)


def _read_secret(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & 0o077:  # made by an older version, or by hand
        path.chmod(0o600)
        log.warning("%s was readable by others; now mode 600", path)
    value = path.read_text().strip()
    if not value:
        raise MissingSecret(f"{path} is empty: remove it to have a new one made, or restore it from the backup")
    return value


def new_fernet_key() -> str:
    return Fernet.generate_key().decode()


def new_secret_key() -> str:
    return secrets.token_urlsafe(48)
