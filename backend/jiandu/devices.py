"""A citizen's device as the server knows it: an id the server issued and signed, never one made up.

The landing page gives each browser a device (the `jd_device` cookie, and the same value in the page
for its script, which talks to the API without cookies and sends it as `X-Jiandu-Device`). A value
the server did not sign is no device: the request is then counted by its address. The device is
what the per-device limits count, what idempotency keys are bound to and what a rating token names.
"""
from __future__ import annotations

import re
import secrets

from flask import request

from jiandu import keyed

COOKIE = "jd_device"
HEADER = "X-Jiandu-Device"
PURPOSE = "device"
SIGNED_RE = re.compile(r"^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$")
ID_RE = re.compile(r"^[A-Za-z0-9_-]{22}$")


def issue() -> str:
    """A new device, as the client keeps it: `<id>.<signature>`."""
    device_id = secrets.token_urlsafe(16)
    return f"{device_id}.{keyed.sign(PURPOSE, device_id)}"


def verified(signed: str | None) -> str | None:
    """The device id of a value the server issued, else None."""
    match = SIGNED_RE.match(signed or "")
    if match is None or not keyed.signed_by_us(PURPOSE, match.group(1), match.group(2)):
        return None
    return match.group(1)


def signed_form(device_id: str) -> str:
    return f"{device_id}.{keyed.sign(PURPOSE, device_id)}"


def current() -> str | None:
    """This request's device id: the script's header, else the cookie; only when the server issued it."""
    environ = request.environ  # per request (`g` may outlive one: it belongs to the app context)
    if "jiandu.intake.device" not in environ:
        environ["jiandu.intake.device"] = (verified(request.headers.get(HEADER))
                                           or verified(request.cookies.get(COOKIE)))
    return environ["jiandu.intake.device"]


def kept_cookie() -> str | None:
    """The signed device of the cookie, when it is one of ours (the landing page keeps it)."""
    value = request.cookies.get(COOKIE)
    return value if verified(value) else None
