"""Rate limits of anonymous intake: per device, per point, and a looser one per address.

Device and point limits count only submissions that created something (a replay of an
idempotency key or a refused form costs nothing); the address limit counts every attempt, so
that nobody can make the server decode photos without end. The counters are shared by the
landing page's form and the API. Limits come from the configuration, so a deployment (or the
benchmark) can change them without code.

Flask-Limiter checks them; `in_one_round_trip` (the outermost decorator of a submission view) first
takes all their counters in one Redis pipeline, which Flask-Limiter's checks and deductions then
use: one round trip for a submission that is stored, instead of one or two per limit (see
`extensions.RedisBatchStorage`: device and point are reserved up front and given back, in a second
round trip, when the submission turns out not to count).
"""
from __future__ import annotations

import math
import re
import time
from functools import wraps

from flask import current_app, request
from limits.strategies import FixedWindowRateLimiter

from jiandu.extensions import RedisBatchStorage, limiter
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


SUBMISSION_LIMITS = (per_address, per_point, per_device)
_PARSED: dict = {}  # (limit group, its limit string) -> its parsed limits: the string comes from the config


def _runtime_limits(group) -> list:
    provider = group.limit_provider
    text = provider() if callable(provider) else provider
    found = _PARSED.get((id(group), text))
    if found is None:
        found = _PARSED[(id(group), text)] = list(group)
    return found


def _prefetch(groups) -> None:
    """The counters Flask-Limiter is about to check for this request, in one round trip: the keys are
    made as it makes them (a key made differently is simply not found, and asked for as usual)."""
    if not (limiter.enabled and limiter.initialized) or getattr(limiter, "_storage_dead", False):
        return
    storage = limiter.storage
    if not isinstance(storage, RedisBatchStorage) or not isinstance(limiter.limiter, FixedWindowRateLimiter):
        return
    endpoint, prefix = limiter.identify_request(), getattr(limiter, "_key_prefix", "")
    reservations, increments = [], []
    for group in groups:
        for lim in _runtime_limits(group):
            if lim.is_exempt or lim.method_exempt:
                continue
            args = [lim.key_func(), lim.scope_for(endpoint, request.method)]
            if not all(args):
                continue
            key = lim.limit.key_for(*([prefix, *args] if prefix else args))
            # A limit that counts only some requests is tested before the view and counted after it.
            (reservations if lim.deduct_when else increments).append(
                (key, lim.limit.get_expiry(), lim.deduction_amount))
    storage.prefetch(reservations, increments)


def _in_one_round_trip(*groups):
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            _prefetch(groups)
            return view(*args, **kwargs)
        return wrapper
    return decorate


# Outermost decorators of the views with these limits (above them): all their counters in one round
# trip, before Flask-Limiter looks at them.
in_one_round_trip = _in_one_round_trip(*SUBMISSION_LIMITS)
tracking_in_one_round_trip = _in_one_round_trip(tracking_limit)


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
