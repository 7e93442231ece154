"""Keyed digests and signatures (devices, rating tokens, idempotency), each purpose with its own key
derived from SECRET_KEY.

A plain SHA-256 of a phone number is no secret (there are only 10¹⁰ of them); a digest keyed with a
server secret is. Signatures make what the server hands out (a device id, a rating token)
something a client can keep and show, but not make up.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from flask import current_app


@lru_cache(maxsize=32)
def _derived(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), f"jiandu.intake.{purpose}".encode(), hashlib.sha256).digest()


def _key(purpose: str) -> bytes:
    return _derived(current_app.config["SECRET_KEY"], purpose)


def digest(purpose: str, text: str, hex_chars: int = 64) -> str:
    """HMAC-SHA256 of `text` under the purpose's key, as hex (shortened to `hex_chars`)."""
    return hmac.new(_key(purpose), text.encode(), hashlib.sha256).hexdigest()[:hex_chars]


def sign(purpose: str, text: str) -> str:
    """A url-safe signature of `text` (22 characters: 132 bits of the HMAC)."""
    mac = hmac.new(_key(purpose), text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode()[:22]


def signed_by_us(purpose: str, text: str, signature: str) -> bool:
    return hmac.compare_digest(sign(purpose, text), signature)
