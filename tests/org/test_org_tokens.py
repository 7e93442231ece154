"""API tokens expire, and end with the password that got them: a change, an admin's reset, or the
account switched off ends every token and every other signed-in device."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.org.models import ApiToken, User
from jiandu.security import hash_password

from tests.conftest import https_client
from .conftest import PASSWORD, assert_error, has_chinese, jurisdiction_named

NEW_PASSWORD = "another-password-42"


def _user() -> User:
    user = User(username=f"t-{uuid.uuid4().hex[:12]}", display_name="测试账号", role="inspector",
                jurisdiction_id=jurisdiction_named("昆都仑区").id, password_hash=hash_password(PASSWORD))
    db.session.add(user)
    db.session.flush()
    return user


def _issue(app, username: str, password: str = PASSWORD, **extra):
    return https_client(app).post("/api/v1/auth/token",
                                  json={"username": username, "password": password, "name": "同步脚本", **extra})


def _me(app, token: str):
    return app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_password_change_ends_every_api_token(app, as_user):
    user = _user()
    token = _issue(app, user.username).get_json()["token"]
    assert _me(app, token).status_code == 200
    here = as_user(user.username)
    response = here.post("/api/v1/auth/password", json={"old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 204, response.get_json()
    assert_error(_me(app, token), 401, "invalid_token")
    assert here.get("/api/v1/me").status_code == 200  # the device that changed it stays signed in
    assert _me(app, _issue(app, user.username, NEW_PASSWORD).get_json()["token"]).status_code == 200


def test_an_admin_password_reset_ends_the_users_sessions_and_tokens(app, as_user):
    user = _user()
    device = as_user(user.username)
    token = _issue(app, user.username).get_json()["token"]
    response = as_user("admin").patch(f"/api/v1/users/{user.id}", json={"password": NEW_PASSWORD})
    assert response.status_code == 200, response.get_json()
    assert_error(device.get("/api/v1/me"), 401, "unauthenticated")
    assert_error(_me(app, token), 401, "invalid_token")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(ApiToken.id)).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))) == 0
    assert_error(https_client(app).login(user.username, PASSWORD), 401, "bad_credentials")
    assert https_client(app).login(user.username, NEW_PASSWORD).status_code == 200


def test_an_api_token_lasts_the_configured_lifetime_and_says_until_when(app, as_user):
    user = _user()
    response = _issue(app, user.username)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    days = app.config["API_TOKEN_DAYS"]
    assert days == 90
    assert _moment(body["expires_at"]) - _moment(body["created_at"]) == timedelta(days=days)
    listed = {t["id"]: t for t in as_user(user.username).get("/api/v1/auth/tokens").get_json()["items"]}
    assert listed[body["id"]]["expires_at"] == body["expires_at"]


def test_an_api_token_is_refused_once_it_has_expired(app):
    user = _user()
    body = _issue(app, user.username, expires_in_days=1).get_json()
    assert _moment(body["expires_at"]) - _moment(body["created_at"]) == timedelta(days=1)
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(hours=23), tick=False):
        assert _me(app, body["token"]).status_code == 200
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=1, minutes=1), tick=False):
        error = assert_error(_me(app, body["token"]), 401, "token_expired")
        assert has_chinese(error["message"])
        point_listing = app.test_client().get("/api/v1/points", headers={"Authorization": f"Bearer {body['token']}"})
        assert_error(point_listing, 401, "token_expired")


def test_a_token_cannot_be_asked_to_outlive_the_configured_lifetime(app):
    user = _user()
    before = db.session.scalar(select(func.count(ApiToken.id)))
    error = assert_error(_issue(app, user.username, expires_in_days=app.config["API_TOKEN_DAYS"] + 1), 422, "invalid")
    assert "expires_in_days" in error["fields"] and has_chinese(error["fields"]["expires_in_days"])
    assert "expires_in_days" in assert_error(_issue(app, user.username, expires_in_days=0), 422)["fields"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(ApiToken.id))) == before
