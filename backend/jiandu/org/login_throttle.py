"""Brute-force protection for password sign-in that an attacker cannot turn against the real user.

OWASP's device-cookie design ("Slow Down Online Guessing Attacks with Device Cookies"):
- a client that has signed in to an account carries a signed cookie naming that account: it is a
  trusted device for it (a new cookie, with a new nonce, on every successful sign-in);
- failures from a trusted device count against that device only: LOGIN_ATTEMPTS_PER_15_MIN of them
  lock out that device for that account, nobody else;
- failures from anywhere else count against the account together, whatever the address: as many
  lock out untrusted clients for that account, while its trusted devices still get in.
Someone guessing from elsewhere gets the same few tries per account as before, and can no longer
lock the real user out of a browser or client they have signed in from. Session sign-in and token
issue share these budgets: they check the same password.
"""
from __future__ import annotations

import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from jiandu.extensions import limiter

DEVICE_COOKIE = "jiandu_login_device"
DEVICE_COOKIE_DAYS = 180
COOKIE_PATH = "/api/v1/auth"  # sent only where a password is checked
LOCKED_OUT = "登录失败次数过多，请 15 分钟后再试"


def _username() -> str:
    body = request.get_json(silent=True) or {}
    return str(body.get("username", ""))[:64].strip().lower()


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="jiandu.login-device")


def trusted_device() -> str | None:
    """The nonce of this client's device cookie, when the cookie is for the account being signed in to."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        username, nonce = _signer().loads(raw)
    except (BadSignature, ValueError, TypeError):
        return None
    return nonce if isinstance(nonce, str) and nonce and username == _username() else None


def _login_key() -> str:
    nonce = trusted_device()
    return f"login-device:{nonce}" if nonce else f"login:{_username()}"


def _login_limit() -> str:
    return f"{current_app.config['LOGIN_ATTEMPTS_PER_15_MIN']} per 15 minutes"


def _failed(response) -> bool:
    return response.status_code == 401


def remember_device(response, username: str):
    """after_this_request of a successful sign-in: this client becomes a trusted device for the account."""
    value = _signer().dumps([username.strip().lower(), secrets.token_urlsafe(16)])
    response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_COOKIE_DAYS * 86400, path=COOKIE_PATH,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Strict")
    return response


account_throttle = limiter.shared_limit(_login_limit, scope="login", key_func=_login_key, deduct_when=_failed,
                                        error_message=LOCKED_OUT)
# One address trying many accounts (password spraying); a trusted device has its own budget above.
address_throttle = limiter.shared_limit("100 per 15 minutes", scope="login-address", deduct_when=_failed,
                                        exempt_when=lambda: trusted_device() is not None,
                                        error_message=LOCKED_OUT)
