"""Rating tokens: a rating is accepted only with a token the server handed out for that point.

The landing page puts one in its rating form, and `POST /api/v1/rating-tokens` gives another (limited
per address). A token names its point and device, when it was issued and a nonce; it is signed, so
it cannot be made up, and it is good for one rating (the nonce is kept with the rating, unique).

A token is fresh for RATING_TOKEN_SECONDS (a citizen rates while at the window). A rating saved in
the phone's outbox may reach the server much later: its token is then late, and still accepted up
to RATING_TOKEN_GRACE_SECONDS, but each late rating counts against its device's small daily budget
of late ratings (INTAKE_RATING_LATE_LIMIT), so that hoarded tokens cannot be spent in a burst.
Beyond the grace a token is refused with a reason; the landing script then asks for a fresh one
and sends the rating again, so nothing the citizen saved is lost.
"""
from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, select

from jiandu.extensions import db
from jiandu import keyed
from jiandu.intake.models import Report

PURPOSE = "rating-token"
VERSION = "r1"
TOKEN_RE = re.compile(r"^r1\.([0-9A-Z]{1,16})\.([A-Za-z0-9_-]{22})\.(\d{1,12})"
                      r"\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})$")
DEFAULT_FRESH_SECONDS = 15 * 60
DEFAULT_GRACE_SECONDS = 7 * 86400
MISSING = "请在监督码页面上评价（缺少评价凭证），请刷新页面后重新提交"
INVALID = "评价凭证无效或不属于该点位，请刷新页面后重新评价"
EXPIRED = "评价凭证已过期，请刷新页面后重新评价"
USED = "该评价凭证已使用过，请刷新页面后重新评价"


class TokenRefused(ValueError):
    """The reason, for the citizen (Chinese)."""


@dataclass(frozen=True)
class Ticket:
    point_code: str
    device_id: str
    issued_at: int
    nonce: str
    late: bool


def fresh_seconds() -> int:
    return int(current_app.config.get("RATING_TOKEN_SECONDS", DEFAULT_FRESH_SECONDS))


def grace_seconds() -> int:
    return int(current_app.config.get("RATING_TOKEN_GRACE_SECONDS", DEFAULT_GRACE_SECONDS))


def issue(point_code: str, device_id: str, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    body = f"{VERSION}.{point_code}.{device_id}.{issued}.{secrets.token_urlsafe(12)}"
    return f"{body}.{keyed.sign(PURPOSE, body)}"


def _parsed(token: str | None) -> tuple[str, str, int, str] | None:
    """(point code, device id, issued at, nonce) of a token the server signed, whatever its age."""
    match = TOKEN_RE.match(token or "")
    if match is None or not keyed.signed_by_us(PURPOSE, token.rsplit(".", 1)[0], match.group(5)):
        return None
    return match.group(1), match.group(2), int(match.group(3)), match.group(4)


def read(token: str | None, now: float | None = None) -> Ticket:
    """The ticket of a token the server signed and whose grace has not passed; TokenRefused otherwise."""
    if not token:
        raise TokenRefused(MISSING)
    parsed = _parsed(token)
    if parsed is None:
        raise TokenRefused(INVALID)
    code, device_id, issued, nonce = parsed
    age = (time.time() if now is None else now) - issued
    if age > grace_seconds() or age < -300:  # a clock five minutes fast is tolerated, not a future
        raise TokenRefused(EXPIRED)
    return Ticket(code, device_id, issued, nonce, late=age > fresh_seconds())


def signed(token: str | None) -> Ticket | None:
    """The ticket of a token the server signed, even past its grace (whose it is does not expire)."""
    parsed = _parsed(token)
    return None if parsed is None else Ticket(*parsed, late=True)


def for_point(token: str | None, point_code: str) -> Ticket:
    ticket = read(token)
    if ticket.point_code != point_code:
        raise TokenRefused(INVALID)
    return ticket


_NONCE_LOOKUP = select(Report.id).where(Report.rating_nonce == bindparam("nonce")).limit(1)


def unused_for_point(token: str | None, point_code: str) -> Ticket:
    """The ticket of a good token for this point that has not rated yet (the writing transaction reads)."""
    ticket = for_point(token, point_code)
    if db.session.connection().execute(_NONCE_LOOKUP, {"nonce": ticket.nonce}).first() is not None:
        raise TokenRefused(USED)
    return ticket


def trace(ticket: Ticket | None) -> dict:
    """What a rating keeps of its token: its device, keyed (for the figures), and its nonce (used up)."""
    if ticket is None:
        return {"device_digest": None, "rating_nonce": None}
    return {"device_digest": keyed.digest("device", ticket.device_id, 32), "rating_nonce": ticket.nonce}


def peek(token: str | None) -> Ticket | None:
    """The ticket when the token is good, else None (for the limits, which must not refuse by themselves)."""
    try:
        return read(token)
    except TokenRefused:
        return None
