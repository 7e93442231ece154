"""Values as a citizen's form sends them, JSON or form-encoded alike, made plain before they are checked.

Not jiandu.contract's fields: one submission arrives as JSON, multipart or urlencoded, and its plain
values are also what the idempotency hash is taken over (a resend must hash the same whatever its
encoding), so these never refuse; `submission.validate` says what is wrong, all at once.
"""
from __future__ import annotations

import re
import unicodedata


def plain_text(value, limit: int = 5000) -> str:
    """A string from whatever came (JSON or form): stripped, newlines unified, control chars out."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    text = str(value)[: limit * 2 + 16].replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")
    return unicodedata.normalize("NFC", text).strip()


def yes_no(value, default: bool) -> bool | None:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on", "anonymous"):
        return True
    if text in ("0", "false", "no", "off", "real_name"):
        return False
    return None


def code_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v for v in (p.strip() for p in value.split(",")) if v]
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value)]


def phone_digits(value) -> str:
    digits = re.sub(r"[\s\-()]", "", plain_text(value, 40))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            digits = digits[len(prefix):]
    return digits
