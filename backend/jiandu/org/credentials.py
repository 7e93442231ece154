"""What proves a user after the password: API tokens (with a lifetime) and signed-in devices, and
ending all of them at once when the password changes or is reset, or the account is switched off."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from jiandu import audit
from jiandu.errors import ApiError, Invalid
from jiandu.extensions import db
from jiandu.org import grants
from jiandu.org.models import ApiToken, User, UserSession
from jiandu.org.scope import get_visible
from jiandu.security import new_token, token_digest
from jiandu.timeutil import utcnow


def token_lifetime_days() -> int:
    return int(current_app.config["API_TOKEN_DAYS"])


def issue_token(user: User, name: str | None, days: int | None = None) -> tuple[ApiToken, str]:
    longest = token_lifetime_days()
    if days is not None and not 1 <= days <= longest:
        raise Invalid({"expires_in_days": f"有效期须为 1 到 {longest} 天"})
    plain = new_token("jd")
    now = utcnow()
    token = ApiToken(user_id=user.id, name=(name or "api").strip()[:64], digest=token_digest(plain),
                     created_at=now, expires_at=now + timedelta(days=days or longest))
    db.session.add(token)
    audit.record(user.id, "token_issue", user, name=token.name, expires_at=token.expires_at)
    return token, plain


def revoke_token(actor: User, token_id: int) -> ApiToken:
    token = get_visible(actor, ApiToken, token_id, "令牌")
    grants.require_manages_account(actor, token.user)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(actor.id, "token_revoke", token)
    return token


def live_token(plain: str) -> ApiToken:
    """The live token behind a bearer header, or a 401 that says why."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.digest == token_digest(plain)))
    if row is None or row.revoked_at is not None or not row.user.active:
        raise ApiError(401, "invalid_token", "访问令牌无效或已被撤销")
    if row.expires_at <= utcnow():
        raise ApiError(401, "token_expired", "访问令牌已过期，请重新申请")
    return row


def end_all(user: User) -> None:
    """Every token and every signed-in device of this user stops working (the caller commits).
    A device that should stay signed in (the one changing its own password) signs in anew."""
    now = utcnow()
    user.session_epoch += 1
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                          ApiToken.revoked_at.is_(None))):
        token.revoked_at = now
    for row in db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                            UserSession.revoked_at.is_(None))):
        row.revoked_at = now
