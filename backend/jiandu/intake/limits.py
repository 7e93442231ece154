"""Rate limits of anonymous intake: per device, per point, and a looser one per address.

Device and point limits count only submissions that created something (a replay of an
idempotency key or a refused form costs nothing); the address limit counts every attempt, so
that nobody can make the server decode photos without end. The counters are shared by the
landing page's form and the API. Limits come from the configuration, so a deployment (or the
benchmark) can change them without code.
"""
from __future__ import annotations

import math
import re
import time

from flask import current_app, request

from jiandu.extensions import limiter
from jiandu.ratelimit import client_key, device_key
from jiandu.security import normalise_code

# Each item of a limit costs Redis round trips on every submission (two for the counted-on-success
# ones: a test before, a hit after), so there are few items. Addresses are loose: mobile carriers put
# many phones behind one address.
DEFAULTS = {
    "INTAKE_DEVICE_LIMIT": "10 per minute",
    "INTAKE_POINT_LIMIT": "60 per minute",
    "INTAKE_ADDRESS_LIMIT": "120 per minute",
    "INTAKE_TRACK_LIMIT": "60 per minute",
}
DEVICE_HEADER = "X-Jiandu-Device"
DEVICE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
REPLAY_HEADER = "Idempotent-Replayed"


def _config(name: str):
    return lambda: current_app.config.get(name, DEFAULTS[name])


def intake_device_key() -> str:
    """The landing script sends its device id in a header (it talks to the API without cookies)."""
    sent = request.headers.get(DEVICE_HEADER, "")
    if DEVICE_RE.match(sent):
        return f"dev:{sent}"
    return f"dev:{device_key()}"


def intake_point_key() -> str:
    code = (request.view_args or {}).get("code")
    if code is None:
        body = request.get_json(silent=True) if request.is_json else None
        code = body.get("point_code") if isinstance(body, dict) else request.form.get("point_code")
    return f"point:{normalise_code(str(code or ''))[:16] or '-'}"


def intake_address_key() -> str:
    return f"addr:{client_key()}"


def _created(response) -> bool:
    """Count a submission when it made something new (a PRG redirect or a 201), not a replay."""
    if response.headers.get(REPLAY_HEADER):
        return False
    return response.status_code in (201, 303)


def _is_read() -> bool:
    return request.method in ("GET", "HEAD", "OPTIONS")


per_device = limiter.shared_limit(_config("INTAKE_DEVICE_LIMIT"), scope="intake-device",
                                  key_func=intake_device_key, deduct_when=_created, exempt_when=_is_read)
per_point = limiter.shared_limit(_config("INTAKE_POINT_LIMIT"), scope="intake-point",
                                 key_func=intake_point_key, deduct_when=_created, exempt_when=_is_read)
per_address = limiter.shared_limit(_config("INTAKE_ADDRESS_LIMIT"), scope="intake-address",
                                   key_func=intake_address_key, exempt_when=_is_read)
tracking_limit = limiter.shared_limit(_config("INTAKE_TRACK_LIMIT"), scope="intake-track",
                                      key_func=intake_address_key)


def retry_after_seconds() -> int:
    """Seconds until the limit that refused this request lets it through again."""
    try:
        current = limiter.current_limit
        if current is not None:
            return max(1, int(current.reset_at - time.time()))
    except Exception:  # the limiter's storage may be gone; a minute is a fair guess
        pass
    return 60


def wait_text(seconds: int, lang: str = "zh") -> str:
    if seconds >= 90:
        minutes = math.ceil(seconds / 60)
        return f"{minutes} 分钟" if lang == "zh" else f"{minutes} min"
    return f"{seconds} 秒" if lang == "zh" else f"{seconds} s"
