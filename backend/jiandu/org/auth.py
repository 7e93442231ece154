"""Who is asking: a session cookie (the PWA, with a CSRF token on writes) or a bearer token."""
import secrets
from datetime import timedelta
from functools import wraps

from flask import g, request, session
from sqlalchemy import select

from jiandu.errors import ApiError
from jiandu.extensions import db
from jiandu.org.credentials import live_token
from jiandu.org.models import User, UserSession
from jiandu.security import constant_time_equal, token_digest
from jiandu.timeutil import utcnow

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "X-CSRF-Token"


LAST_SEEN_GRANULARITY = timedelta(minutes=5)


def start_session(user: User) -> str:
    """Sign this device in (the caller commits)."""
    end_session()
    sid = secrets.token_urlsafe(32)
    db.session.add(UserSession(sid_digest=token_digest(sid), user_id=user.id,
                               user_agent=(request.user_agent.string or "")[:255]))
    session.permanent = True
    session["uid"] = user.id
    session["sid"] = sid
    session["epoch"] = user.session_epoch
    session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def end_session() -> None:
    """Sign this device out: its session row is revoked, so a copy of the cookie is worthless too."""
    sid = session.get("sid")
    if sid:
        row = db.session.scalar(select(UserSession).where(UserSession.sid_digest == token_digest(sid)))
        if row is not None and row.revoked_at is None:
            row.revoked_at = utcnow()
    session.clear()


def csrf_token() -> str | None:
    return session.get("csrf")


def _user_from_bearer(header: str) -> User | None:
    row = live_token(header.removeprefix("Bearer ").strip())
    row.last_used_at = utcnow()
    g.token_id = row.id
    return row.user


def _user_from_session() -> User | None:
    uid, sid = session.get("uid"), session.get("sid")
    if uid is None or sid is None:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.sid_digest == token_digest(sid)))
    user = db.session.get(User, uid)
    if (row is None or row.revoked_at is not None or row.user_id != uid or user is None or not user.active
            or user.session_epoch != session.get("epoch")):
        session.clear()
        return None
    if utcnow() - row.last_seen_at > LAST_SEEN_GRANULARITY:
        row.last_seen_at = utcnow()
        db.session.commit()
    return user


def load_current_user() -> None:
    """before_request: set g.user and g.auth ("bearer" | "session" | None)."""
    g.user, g.auth, g.token_id = None, None, None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.user, g.auth = _user_from_bearer(header), "bearer"
        return
    g.user = _user_from_session()
    g.auth = "session" if g.user else None


def check_csrf() -> None:
    """before_request for /api/: a cookie-authenticated write must carry the session's CSRF token."""
    if request.method in SAFE_METHODS or g.auth != "session":
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent or not constant_time_equal(sent, session.get("csrf", "")):
        raise ApiError(403, "csrf", "页面已过期，请刷新后重试（CSRF 校验失败）")


def current_user() -> User:
    if g.get("user") is None:
        raise ApiError(401, "unauthenticated", "请先登录")
    return g.user


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        current_user()
        return view(*args, **kwargs)

    return wrapper


def roles_required(*roles):
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if current_user().role not in roles:
                raise ApiError(403, "forbidden", "您的角色无权执行此操作")
            return view(*args, **kwargs)

        return wrapper

    return decorator
