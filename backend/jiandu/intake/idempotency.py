"""Idempotency keys of submissions: unguessable, bound to who sent them, their content hashed with a key.

A key is the client's own random value (the landing script makes one when a form opens). It must
carry at least 128 bits: 22 or more url-safe base64 characters, or 32 hex digits. It is stored bound
to its sender — the device the server issued, or for a rating the device its token names, or
without either the address — so that another client sending the same key (and even the same content)
makes its own submission instead of reading this one's answer and tracking code. The content hash
covers the reporter's name and phone, so it is an HMAC under a server key, not a bare SHA-256.
"""
from __future__ import annotations

import json
import re

from jiandu.errors import ApiError
from jiandu import keyed
from jiandu.intake import rating_tokens

KEY_RE = re.compile(r"^[A-Za-z0-9_-]{22,80}$")
HEX_DIGITS_RE = re.compile(r"[0-9A-Fa-f]")
MIN_HEX_DIGITS = 32
KEY_RULE = ("提交编号（Idempotency-Key）应为客户端随机生成、至少 128 位的值："
            "22–80 位字母、数字、“-”或“_”（只用十六进制数字时至少 32 位）")


def checked(key: str | None) -> str:
    """The key, when it can carry 128 random bits; else a 400 that says why, on the field."""
    key = (key or "").strip()
    only_hex = KEY_RE.match(key) and all(ch == "-" or HEX_DIGITS_RE.match(ch) for ch in key)
    if not KEY_RE.match(key) or (only_hex and len(HEX_DIGITS_RE.findall(key)) < MIN_HEX_DIGITS):
        message = "缺少提交编号（Idempotency-Key）" if not key else "提交编号（Idempotency-Key）太短或含有不允许的字符"
        raise ApiError(400, "bad_idempotency_key", message, {"idempotency_key": KEY_RULE})
    return key


def sender(kind: str, rating_token: str | None, device_id: str | None, address: str) -> str:
    """Whom a key belongs to: a rating's token device, else the request's device, else its address."""
    if kind == "rating":
        ticket = rating_tokens.signed(rating_token)
        if ticket is not None:
            return f"dev:{ticket.device_id}"
    return f"dev:{device_id}" if device_id else f"addr:{address}"


def bound(key: str, owner: str) -> str:
    """What is stored for a key: a keyed digest of it and its sender (64 hex characters)."""
    return keyed.digest("idempotency-key", f"{owner}\n{key}")


def body_hash(content: dict) -> str:
    return keyed.digest("idempotency-body", json.dumps(content, sort_keys=True, ensure_ascii=False))
