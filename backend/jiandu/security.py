"""Secrets, passwords, tokens, short codes and the encryption of reporters' contact details."""
import hashlib
import hmac
import secrets
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

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

def _contact_cipher() -> MultiFernet:
    return _cipher_for(current_app.config["CONTACT_KEYS"])


@lru_cache(maxsize=8)
def _cipher_for(keys: str) -> MultiFernet:
    """The cipher of a CONTACT_KEYS value ("newest,older,…"), made once per value."""
    return MultiFernet([Fernet(k.strip()) for k in keys.split(",") if k.strip()])


def encrypt_contact(plain: str | None) -> str | None:
    if not plain:
        return None
    return _contact_cipher().encrypt(plain.encode()).decode()


def decrypt_contact(cipher_text: str | None) -> str | None:
    if not cipher_text:
        return None
    try:
        return _contact_cipher().decrypt(cipher_text.encode()).decode()
    except InvalidToken:
        return None


def rotate_contact(cipher_text: str | None) -> str | None:
    """Re-encrypt under the newest key (for `jiandu keys rotate`)."""
    if not cipher_text:
        return None
    return _contact_cipher().rotate(cipher_text.encode()).decode()


# --- secrets kept beside the database when none is configured ---------------

def instance_secret(instance_path: str, name: str, make) -> str:
    """A secret generated once per installation and kept in instance/ with mode 600."""
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    return value


def new_fernet_key() -> str:
    return Fernet.generate_key().decode()


def new_secret_key() -> str:
    return secrets.token_urlsafe(48)
