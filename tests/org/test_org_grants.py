"""Grants: an admin gives only what lies inside its own scope, never changes its own role or scope,
and only the city's own admin makes or changes admins. Reading accounts: admins in scope, others
only their own."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, Unit, User
from jiandu.security import hash_password

from tests.conftest import https_client
from .conftest import PASSWORD, assert_error, has_chinese, jurisdiction_named, user_named


def _account(role: str, jurisdiction: str, unit: Unit | None = None, username: str | None = None) -> User:
    user = User(username=username or f"t-{uuid.uuid4().hex[:12]}", display_name="测试账号", role=role,
                jurisdiction_id=unit.jurisdiction_id if unit else jurisdiction_named(jurisdiction).id,
                unit_id=unit.id if unit else None, password_hash=hash_password(PASSWORD))
    db.session.add(user)
    db.session.flush()
    return user


@pytest.fixture
def market():
    """The city's 市场监督管理局 (the demo handler's department)."""
    return user_named("handler").unit


@pytest.fixture
def unit_admin(market):
    """An administrator bound to one department of the city: it manages that department's accounts."""
    return _account("admin", "包头市", unit=market)


def _fresh(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def _count_users() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(User.id)))


def _fields(response, status: int = 403, code: str = "forbidden") -> dict:
    error = assert_error(response, status, code)
    assert has_chinese(error["message"])
    assert all(has_chinese(text) for text in error["fields"].values()), error
    return error["fields"]


# --- H3: a unit-bound admin stays inside its unit --------------------------------------------

def test_a_unit_bound_admin_cannot_widen_its_own_scope(as_user, unit_admin, market):
    api = as_user(unit_admin.username)
    response = api.patch(f"/api/v1/users/{unit_admin.id}", json={"unit_id": None})
    assert "unit_id" in _fields(response)
    me = api.get("/api/v1/me").get_json()
    assert me["unit"]["id"] == market.id
    assert _fresh(unit_admin.id).unit_id == market.id
    # Still only its department: the city's admin account does not exist for it.
    assert_error(api.get(f"/api/v1/users/{user_named('admin').id}"), 404, "not_found")


def test_a_unit_bound_admin_cannot_create_jurisdiction_wide_accounts(as_user, unit_admin, market):
    api = as_user(unit_admin.username)
    before = _count_users()
    city = jurisdiction_named("包头市")
    response = api.post("/api/v1/users", json={"username": "wide-inspector", "display_name": "全市监督员",
                                               "role": "inspector", "jurisdiction_id": city.id,
                                               "password": "a-long-password-1"})
    assert "unit_id" in _fields(response)
    response = api.post("/api/v1/users", json={"username": "wide-admin", "display_name": "全市管理员",
                                               "role": "admin", "jurisdiction_id": city.id,
                                               "password": "a-long-password-1"})
    assert "role" in _fields(response)
    response = api.post("/api/v1/users", json={"username": "unit-admin-2", "display_name": "本单位管理员",
                                               "role": "admin", "unit_id": market.id,
                                               "password": "a-long-password-1"})
    assert "role" in _fields(response)
    assert _count_users() == before
    assert_error(https_client(api.http.application).login("wide-inspector", "a-long-password-1"), 401)
    # What is its own to give it still gives: a handler of its own department.
    response = api.post("/api/v1/users", json={"username": "market-handler-2", "display_name": "新经办人",
                                               "role": "handler", "unit_id": market.id,
                                               "password": "a-long-password-1"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["unit"]["id"] == market.id


def test_a_unit_bound_admin_cannot_move_an_account_out_of_its_unit(as_user, unit_admin, market):
    handler = user_named("handler")
    response = as_user(unit_admin.username).patch(f"/api/v1/users/{handler.id}", json={"unit_id": None,
                                                                                      "role": "inspector"})
    assert "unit_id" in _fields(response)
    fresh = _fresh(handler.id)
    assert (fresh.role, fresh.unit_id) == ("handler", market.id)


def test_a_unit_bound_admin_cannot_reshape_the_jurisdiction_its_unit_lies_in(as_user, unit_admin):
    api = as_user(unit_admin.username)
    city = jurisdiction_named("包头市")
    units = db.session.scalar(select(func.count(Unit.id)))
    jurisdictions = db.session.scalar(select(func.count(Jurisdiction.id)))
    response = api.post("/api/v1/units", json={"name": "越权部门", "kind": "department", "jurisdiction_id": city.id})
    assert "jurisdiction_id" in _fields(response)
    response = api.post("/api/v1/jurisdictions", json={"name": "越权新区", "parent_id": city.id})
    assert "parent_id" in _fields(response)
    response = api.patch(f"/api/v1/jurisdictions/{city.id}", json={"name": "改名的市"})
    assert "jurisdiction_id" in _fields(response)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Unit.id))) == units
    assert db.session.scalar(select(func.count(Jurisdiction.id))) == jurisdictions
    assert db.session.get(Jurisdiction, city.id).name == "包头市"


# --- only the city's admin makes and changes admins -------------------------------------------

def test_a_county_admin_cannot_create_admins(as_user):
    before = _count_users()
    response = as_user("kdl-admin").post("/api/v1/users", json={
        "username": "kdl-admin-2", "display_name": "第二个区管理员", "role": "admin",
        "jurisdiction_id": jurisdiction_named("昆都仑区").id, "password": "a-long-password-1"})
    assert "role" in _fields(response)
    assert _count_users() == before


def test_a_county_admin_cannot_promote_an_account_to_admin(as_user):
    handler = user_named("kdl-handler")
    response = as_user("kdl-admin").patch(f"/api/v1/users/{handler.id}", json={"role": "admin", "unit_id": None})
    assert "role" in _fields(response)
    fresh = _fresh(handler.id)
    assert (fresh.role, fresh.unit_id) == ("handler", handler.unit_id)


def test_a_county_admin_cannot_take_over_another_admin(as_user, app):
    peer = _account("admin", "昆都仑区")
    api = as_user("kdl-admin")
    assert_error(api.patch(f"/api/v1/users/{peer.id}", json={"password": "taken-over-123"}), 403, "forbidden")
    assert_error(api.patch(f"/api/v1/users/{peer.id}", json={"active": False}), 403, "forbidden")
    assert _fresh(peer.id).active is True
    assert https_client(app).login(peer.username, PASSWORD).status_code == 200
    assert_error(https_client(app).login(peer.username, "taken-over-123"), 401)


def test_the_city_admin_creates_a_county_admin_who_manages_only_the_county(as_user, app):
    county = jurisdiction_named("固阳县")
    response = as_user("admin").post("/api/v1/users", json={
        "username": "gy-admin", "display_name": "固阳县管理员", "role": "admin", "jurisdiction_id": county.id,
        "password": "a-long-password-1"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["jurisdiction"]["id"] == county.id
    api = as_user("gy-admin", "a-long-password-1")
    response = api.post("/api/v1/users", json={"username": "gy-inspector", "display_name": "固阳县监督员",
                                               "role": "inspector", "jurisdiction_id": county.id,
                                               "password": "a-long-password-1"})
    assert response.status_code == 201, response.get_json()
    response = api.post("/api/v1/users", json={"username": "gy-wide", "display_name": "越权监督员",
                                               "role": "inspector",
                                               "jurisdiction_id": jurisdiction_named("包头市").id,
                                               "password": "a-long-password-1"})
    assert "jurisdiction_id" in assert_error(response, 422, "invalid")["fields"]


# --- nobody changes their own role or scope ---------------------------------------------------

@pytest.mark.parametrize("username", ["admin", "kdl-admin"])
@pytest.mark.parametrize("change", [
    {"role": "inspector"},
    {"jurisdiction_id": "<other>"},
    {"unit_id": "<unit>"},
    {"active": False},
    {"password": "a-new-password-123"},
])
def test_no_admin_changes_its_own_role_or_scope(as_user, app, username, change, market):
    me = user_named(username)
    other = jurisdiction_named("少先路街道" if username == "kdl-admin" else "固阳县")
    kdl_market = db.session.scalar(select(Unit).where(Unit.name == "昆都仑区市场监督管理局"))
    values = {"<other>": other.id, "<unit>": (kdl_market if username == "kdl-admin" else market).id}
    body = {key: values.get(value, value) if isinstance(value, str) else value for key, value in change.items()}
    before = (me.role, me.jurisdiction_id, me.unit_id, me.active, me.password_hash)
    api = as_user(username)
    response = api.patch(f"/api/v1/users/{me.id}", json=body)
    assert set(body) <= set(_fields(response))
    fresh = _fresh(me.id)
    assert (fresh.role, fresh.jurisdiction_id, fresh.unit_id, fresh.active, fresh.password_hash) == before
    assert api.get("/api/v1/me").status_code == 200


def test_an_admin_still_renames_itself(as_user):
    me = user_named("kdl-admin")
    response = as_user("kdl-admin").patch(f"/api/v1/users/{me.id}", json={"display_name": "吴磊（区）",
                                                                        "role": "admin"})
    assert response.status_code == 200, response.get_json()
    assert _fresh(me.id).display_name == "吴磊（区）"


# --- Low: who reads account records -----------------------------------------------------------

@pytest.mark.parametrize("reader,account", [
    ("inspector", "handler"), ("inspector", "county-inspector"), ("county-inspector", "kdl-handler"),
    ("group-inspector", "handler"), ("handler", "tax-handler"),
])
def test_only_admins_read_other_peoples_accounts(as_user, reader, account):
    api = as_user(reader)
    assert_error(api.get(f"/api/v1/users/{user_named(account).id}"), 404, "not_found")
    own = api.get(f"/api/v1/users/{user_named(reader).id}")
    assert own.status_code == 200 and own.get_json()["username"] == reader
    shown = as_user("admin").get(f"/api/v1/users/{user_named(account).id}")
    assert shown.status_code == 200 and shown.get_json()["username"] == account
