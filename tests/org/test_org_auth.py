"""Signing in: session cookies with CSRF, throttling, password change, bearer tokens."""
from __future__ import annotations

import hashlib
import uuid

import pytest
from sqlalchemy import func, select, text

from jiandu.extensions import db
from jiandu.org.models import ApiToken, Point, User
from jiandu.security import hash_password

from tests.conftest import https_client
from .conftest import PASSWORD, assert_error, has_chinese, jurisdiction_named, window_in_halls_of


def _a_window() -> Point:
    return window_in_halls_of({jurisdiction_named("固阳县").id})


def _point_name(point_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Point, point_id).name


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("jiandu_session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def _new_user(username: str | None = None, password: str = PASSWORD, role: str = "inspector") -> User:
    user = User(username=username or f"t-{uuid.uuid4().hex[:12]}", display_name="测试账号", role=role,
                jurisdiction_id=jurisdiction_named("昆都仑区").id, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user


# --- sessions ------------------------------------------------------------------------------

def test_login_sets_a_secure_httponly_samesite_lax_session_cookie(client):
    response = client.login("admin")
    assert response.status_code == 200, response.get_json()
    attributes = [part.strip().lower() for part in _session_cookie(response).split(";")]
    assert "secure" in attributes
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert response.get_json()["username"] == "admin"
    assert response.get_json()["csrf_token"]


def test_me_returns_the_user_with_role_scope_and_csrf_token(client):
    login = client.login("county-inspector").get_json()
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    me = response.get_json()
    assert me["username"] == "county-inspector"
    assert me["role"] == "inspector"
    assert me["jurisdiction"]["name"] == "昆都仑区"
    assert me["csrf_token"] and me["csrf_token"] == login["csrf_token"]


def test_me_without_signing_in_is_401(client):
    assert_error(client.get("/api/v1/me"), 401, "unauthenticated")


@pytest.mark.parametrize("header", [None, "wrong-token"])
def test_a_cookie_write_without_the_csrf_header_is_refused_and_changes_nothing(client, header):
    client.login("admin")
    point = _a_window()
    before = _point_name(point.id)
    headers = {"X-CSRF-Token": header} if header else {}
    # client.http is the bare test client: the session cookie goes, the CSRF header only if given.
    response = client.http.patch(f"/api/v1/points/{point.id}", json={"name": "未经确认的修改"}, headers=headers)
    assert_error(response, 403, "csrf")
    assert _point_name(point.id) == before
    count = db.session.scalar(select(func.count(Point.id)))
    response = client.http.post("/api/v1/points", json={"type": "website", "name": "未经确认的网站",
                                                        "jurisdiction_id": point.jurisdiction_id}, headers=headers)
    assert_error(response, 403, "csrf")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Point.id))) == count
    # The same write with the token goes through: the refusal above was the CSRF check.
    response = client.patch(f"/api/v1/points/{point.id}", json={"name": "确认后的修改"})
    assert response.status_code == 200, response.get_json()
    assert _point_name(point.id) == "确认后的修改"


def test_logout_ends_the_session(client):
    client.login("inspector")
    assert client.get("/api/v1/me").status_code == 200
    response = client.post("/api/v1/auth/logout")
    assert response.status_code == 204
    assert_error(client.get("/api/v1/me"), 401, "unauthenticated")


def test_a_session_cookie_copied_before_logout_no_longer_works(client, app):
    """Logout must end the session on the server, not only ask this browser to forget its cookie:
    a copy of the cookie (another tab's, a stolen one) must stop working too."""
    client.login("inspector")
    copied = client.http.get_cookie("jiandu_session").value
    assert client.post("/api/v1/auth/logout").status_code == 204
    replay = https_client(app)
    replay.http.set_cookie("jiandu_session", copied)
    assert_error(replay.get("/api/v1/me"), 401, "unauthenticated")


@pytest.mark.parametrize("username", ["admin", "no-such-user"])
def test_wrong_password_is_401_with_a_chinese_message(client, username):
    response = client.login(username, "not-the-password")
    error = assert_error(response, 401, "bad_credentials")
    assert has_chinese(error["message"])
    assert_error(client.get("/api/v1/me"), 401)


def test_unknown_user_and_wrong_password_get_the_same_answer(client):
    """No way to learn which usernames exist."""
    a = client.login("admin", "not-the-password")
    b = client.login("no-such-user", "not-the-password")
    assert (a.status_code, a.get_json()) == (b.status_code, b.get_json())


def test_login_is_throttled_per_username_after_ten_failures(client, app, as_user):
    user = _new_user()
    limit = app.config["LOGIN_ATTEMPTS_PER_15_MIN"]
    assert limit == 10
    for attempt in range(limit):
        response = client.login(user.username, f"wrong-{attempt}")
        assert response.status_code == 401, (attempt, response.get_json())
    response = client.login(user.username, PASSWORD)  # the right password, too late
    error = assert_error(response, 429)
    assert has_chinese(error["message"])
    assert_error(client.get("/api/v1/me"), 401)
    # Other people signing in from the same address are not locked out.
    assert as_user("inspector").get("/api/v1/me").status_code == 200


def test_the_token_endpoint_is_no_way_around_a_login_lockout(client, app):
    """Ten wrong passwords lock the username out of signing in, whichever door is tried next:
    /auth/token checks the same password and hands out a credential that lasts longer."""
    user = _new_user()
    for attempt in range(app.config["LOGIN_ATTEMPTS_PER_15_MIN"]):
        assert client.login(user.username, f"wrong-{attempt}").status_code == 401
    count = db.session.scalar(select(func.count(ApiToken.id)))
    response = https_client(app).post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
    assert_error(response, 429)
    assert db.session.scalar(select(func.count(ApiToken.id))) == count


def test_login_failures_count_for_the_username_whatever_the_address(app):
    """Guessing one account's password from many addresses is still guessing that account's password."""
    user = _new_user()
    limit = app.config["LOGIN_ATTEMPTS_PER_15_MIN"]
    for attempt in range(limit + 1):
        api = https_client(app)
        api.http.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{attempt + 1}"
        response = api.login(user.username, PASSWORD if attempt == limit else f"wrong-{attempt}")
        if attempt < limit:
            assert response.status_code == 401, (attempt, response.get_json())
    assert_error(response, 429)


def test_successful_logins_do_not_count_towards_the_throttle(app):
    user = _new_user()
    for _ in range(app.config["LOGIN_ATTEMPTS_PER_15_MIN"] + 2):
        assert https_client(app).login(user.username, PASSWORD).status_code == 200


# --- password change ------------------------------------------------------------------------

def test_password_change_with_a_wrong_old_password_is_422_on_old_password(as_user):
    api = as_user("inspector")
    response = api.post("/api/v1/auth/password", json={"old_password": "not-it", "new_password": "new-password-123"})
    error = assert_error(response, 422, "invalid")
    assert "old_password" in error["fields"]
    assert https_client(api.http.application).login("inspector", PASSWORD).status_code == 200


def test_password_change_signs_out_other_sessions_and_the_new_password_works(as_user, app):
    here, elsewhere = as_user("inspector"), as_user("inspector")
    response = here.post("/api/v1/auth/password", json={"old_password": PASSWORD, "new_password": "new-password-123"})
    assert response.status_code == 204, response.get_json()
    assert_error(elsewhere.get("/api/v1/me"), 401, "unauthenticated")
    me = here.get("/api/v1/me")  # the device that made the change stays signed in
    assert me.status_code == 200 and me.get_json()["csrf_token"]
    assert_error(https_client(app).login("inspector", PASSWORD), 401, "bad_credentials")
    fresh = https_client(app)
    assert fresh.login("inspector", "new-password-123").status_code == 200
    assert fresh.get("/api/v1/me").get_json()["username"] == "inspector"


def test_new_password_too_short_is_refused(as_user):
    api = as_user("inspector")
    response = api.post("/api/v1/auth/password", json={"old_password": PASSWORD, "new_password": "short"})
    assert "new_password" in assert_error(response, 422, "invalid")["fields"]


# --- bearer tokens --------------------------------------------------------------------------

def _issue(app, username="admin", password=PASSWORD, name="测试机器"):
    response = https_client(app).post("/api/v1/auth/token",
                                      json={"username": username, "password": password, "name": name})
    return response


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_token_is_issued_and_only_its_sha256_is_stored(app):
    response = _issue(app)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    token = body["token"]
    assert len(token) >= 32
    rows = db.session.execute(text("SELECT * FROM api_tokens")).all()
    assert rows
    for row in rows:
        assert all(token not in str(value) for value in row), "the plain token is in the database"
    digest = db.session.scalar(select(ApiToken.digest).where(ApiToken.id == body["id"]))
    assert digest == hashlib.sha256(token.encode()).hexdigest()


def test_token_with_a_wrong_password_is_refused(app):
    count = db.session.scalar(select(func.count(ApiToken.id)))
    assert_error(_issue(app, password="not-the-password"), 401, "bad_credentials")
    assert db.session.scalar(select(func.count(ApiToken.id))) == count


def test_bearer_token_writes_without_csrf_and_lists_without_revealing_the_token(app):
    token = _issue(app).get_json()
    machine = app.test_client()  # no cookie at all
    me = machine.get("/api/v1/me", headers=_bearer(token["token"]))
    assert me.status_code == 200 and me.get_json()["username"] == "admin"
    point = _a_window()
    response = machine.patch(f"/api/v1/points/{point.id}", json={"name": "机器改名"}, headers=_bearer(token["token"]))
    assert response.status_code == 200, response.get_json()
    assert _point_name(point.id) == "机器改名"
    listing = machine.get("/api/v1/auth/tokens", headers=_bearer(token["token"]))
    assert listing.status_code == 200
    assert token["id"] in [t["id"] for t in listing.get_json()["items"]]
    assert token["token"] not in listing.get_data(as_text=True)
    assert all("token" not in item for item in listing.get_json()["items"])


def test_tokens_are_listed_for_a_cookie_session_too(app, as_user):
    token = _issue(app, name="同步脚本").get_json()
    listing = as_user("admin").get("/api/v1/auth/tokens")
    assert listing.status_code == 200
    names = {t["id"]: t["name"] for t in listing.get_json()["items"]}
    assert names.get(token["id"]) == "同步脚本"
    assert token["token"] not in listing.get_data(as_text=True)


def test_a_revoked_token_is_refused(app):
    token = _issue(app).get_json()
    machine = app.test_client()
    response = machine.delete(f"/api/v1/auth/tokens/{token['id']}", headers=_bearer(token["token"]))
    assert response.status_code == 204
    assert_error(machine.get("/api/v1/me", headers=_bearer(token["token"])), 401, "invalid_token")
    point = _a_window()
    before = _point_name(point.id)
    response = machine.patch(f"/api/v1/points/{point.id}", json={"name": "撤销后"}, headers=_bearer(token["token"]))
    assert_error(response, 401, "invalid_token")
    assert _point_name(point.id) == before
    db.session.expire_all()
    assert db.session.get(ApiToken, token["id"]).revoked_at is not None


def test_a_made_up_bearer_token_is_refused(app):
    assert_error(app.test_client().get("/api/v1/me", headers=_bearer("jd_made-up")), 401, "invalid_token")


def test_someone_elses_token_cannot_be_revoked_from_outside_their_scope(app, as_user):
    token = _issue(app).get_json()  # admin's, at city level
    response = as_user("county-inspector").delete(f"/api/v1/auth/tokens/{token['id']}")
    assert_error(response, 404, "not_found")
    assert app.test_client().get("/api/v1/me", headers=_bearer(token["token"])).status_code == 200


# --- deactivated accounts -----------------------------------------------------------------

def test_deactivating_a_user_ends_their_sessions_and_tokens(app, as_user):
    user = _new_user()
    session_client = as_user(user.username)
    token = _issue(app, user.username).get_json()["token"]
    machine = app.test_client()
    assert machine.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    response = as_user("admin").patch(f"/api/v1/users/{user.id}", json={"active": False})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["active"] is False
    assert_error(session_client.get("/api/v1/me"), 401)
    assert_error(machine.get("/api/v1/me", headers=_bearer(token)), 401, "invalid_token")
    assert_error(https_client(app).login(user.username), 401, "bad_credentials")
