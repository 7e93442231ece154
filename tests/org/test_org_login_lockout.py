"""The login throttle keeps guessing slow without letting an attacker lock the real user out
(OWASP's device cookies): a client that has signed in to an account before has a budget of its own
for that account; everyone else shares the account's budget."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.org.login_throttle import DEVICE_COOKIE
from jiandu.org.models import ApiToken, User
from jiandu.security import hash_password

from tests.conftest import https_client
from .conftest import PASSWORD, assert_error, jurisdiction_named


def _user() -> User:
    user = User(username=f"t-{uuid.uuid4().hex[:12]}", display_name="测试账号", role="inspector",
                jurisdiction_id=jurisdiction_named("昆都仑区").id, password_hash=hash_password(PASSWORD))
    db.session.add(user)
    db.session.flush()
    return user


def _exhaust(app, username: str, client=None) -> None:
    """An attacker's LOGIN_ATTEMPTS_PER_15_MIN wrong guesses, each from an address of its own."""
    for attempt in range(app.config["LOGIN_ATTEMPTS_PER_15_MIN"]):
        api = client or https_client(app)
        api.http.environ_base["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{attempt + 1}"
        assert api.login(username, f"wrong-{attempt}").status_code == 401


def _device_of(app, username: str):
    """The real user's browser, which has signed in to the account before (and signed out since)."""
    device = https_client(app)
    assert device.login(username).status_code == 200
    assert device.post("/api/v1/auth/logout").status_code == 204
    return device


def test_an_attacker_elsewhere_cannot_lock_the_real_user_out(app):
    user = _user()
    device = _device_of(app, user.username)
    _exhaust(app, user.username)
    assert_error(https_client(app).login(user.username, PASSWORD), 429)  # untrusted clients: locked for now
    response = device.login(user.username)
    assert response.status_code == 200, response.get_json()
    assert device.get("/api/v1/me").get_json()["username"] == user.username
    # The same device gets a token too: both doors share the budgets.
    response = device.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()


def test_guessing_from_a_trusted_device_locks_out_only_that_device(app):
    user = _user()
    stolen = _device_of(app, user.username)
    _exhaust(app, user.username, client=stolen)
    assert_error(stolen.login(user.username), 429)
    assert https_client(app).login(user.username).status_code == 200  # the account's budget is untouched


def test_a_device_cookie_helps_only_the_account_it_was_issued_for(app):
    mine, theirs = _user(), _user()
    device = _device_of(app, mine.username)
    _exhaust(app, theirs.username)
    assert_error(device.login(theirs.username), 429)
    count = db.session.scalar(select(func.count(ApiToken.id)))
    response = device.post("/api/v1/auth/token", json={"username": theirs.username, "password": PASSWORD})
    assert_error(response, 429)
    assert db.session.scalar(select(func.count(ApiToken.id))) == count


def test_a_forged_device_cookie_is_an_untrusted_client(app):
    user = _user()
    _exhaust(app, user.username)
    forger = https_client(app)
    forger.http.set_cookie(DEVICE_COOKIE, f'["{user.username}","made-up"].forged', path="/api/v1/auth")
    assert_error(forger.login(user.username), 429)
