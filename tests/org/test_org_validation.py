"""Every write with bad fields answers 422 {"error": {"code": "invalid", "message", "fields"}} naming
the fields, and changes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.org.models import ApiToken, Jurisdiction, Point, Unit, User

from .conftest import assert_error, has_chinese, jurisdiction_named, user_named, window_in_halls_of


def _ids():
    return {
        "point": window_in_halls_of({jurisdiction_named("固阳县").id}).id,
        "unit": db.session.scalar(select(Unit.id).where(Unit.name == "包头市公安局")),
        "user": user_named("inspector").id,
        "jurisdiction": jurisdiction_named("固阳县").id,
        "county": jurisdiction_named("固阳县").id,
    }


# (method, url template, body, fields that must be named)
CASES = [
    ("post", "/api/v1/points", {"type": "spaceship", "name": "火箭"}, {"type"}),
    ("post", "/api/v1/points", {}, {"type", "name"}),
    ("post", "/api/v1/points", {"type": "window", "name": "", "number": "1" * 40}, {"name", "number"}),
    ("post", "/api/v1/points", {"type": "website", "name": "某网站", "hall_id": "not-a-number"}, {"hall_id"}),
    ("post", "/api/v1/points", {"type": "project", "name": "无项目的项目码", "jurisdiction_id": "{county}"},
     {"project_id"}),
    ("patch", "/api/v1/points/{point}", {"type": "teleporter"}, {"type"}),
    ("patch", "/api/v1/points/{point}", {"name": "", "version": "v2"}, {"name", "version"}),
    ("patch", "/api/v1/points/{point}", {"hall_id": None}, {"hall_id"}),  # a window must stay in a hall
    ("post", "/api/v1/units", {"name": "某单位", "kind": "club", "jurisdiction_id": "{county}"}, {"kind"}),
    ("post", "/api/v1/units", {}, {"name", "kind", "jurisdiction_id"}),
    ("patch", "/api/v1/units/{unit}", {"name": "", "active": "maybe"}, {"name", "active"}),
    ("post", "/api/v1/jurisdictions", {"name": "", "parent_id": "{county}"}, {"name"}),
    ("post", "/api/v1/jurisdictions", {"name": "某镇", "parent_id": "{county}", "division_code": "12AB"},
     {"division_code"}),
    ("patch", "/api/v1/jurisdictions/{jurisdiction}", {"division_code": "abc"}, {"division_code"}),
    ("post", "/api/v1/users", {}, {"username", "display_name", "role", "password"}),
    ("post", "/api/v1/users", {"username": "Bad Name!", "display_name": "某人", "role": "king",
                               "password": "a-long-password-1"}, {"username", "role"}),
    ("patch", "/api/v1/users/{user}", {"role": "king", "locale": "fr"}, {"role", "locale"}),
    ("post", "/api/v1/auth/password", {}, {"old_password", "new_password"}),
]


def _fill(value, ids):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value


def _snapshot():
    db.session.expire_all()
    counts = tuple(db.session.scalar(select(func.count(m.id))) for m in (Point, Unit, User, Jurisdiction, ApiToken))
    versions = tuple(db.session.scalar(select(func.sum(m.version))) for m in (Point, Unit))
    names = (tuple(db.session.scalars(select(Point.name).order_by(Point.id))),
             tuple(db.session.scalars(select(User.role).order_by(User.id))),
             tuple(db.session.scalars(select(Jurisdiction.division_code).order_by(Jurisdiction.id))))
    return counts, versions, names


@pytest.mark.parametrize("method,url,body,fields", CASES,
                         ids=[f"{m} {u} {sorted(f)}" for m, u, _, f in CASES])
def test_bad_fields_answer_422_naming_them(as_user, method, url, body, fields):
    api = as_user("admin")
    ids = _ids()
    before = _snapshot()
    response = getattr(api, method)(url.format(**ids), json={k: _fill(v, ids) for k, v in body.items()})
    error = assert_error(response, 422, "invalid")
    assert fields <= set(error["fields"]), error
    assert has_chinese(error["message"])
    assert _snapshot() == before


@pytest.mark.parametrize("url", ["/api/v1/auth/login", "/api/v1/auth/token"])
def test_sign_in_without_fields_is_422(client, url):
    error = assert_error(client.post(url, json={}), 422, "invalid")
    assert {"username", "password"} <= set(error["fields"])


def test_unknown_point_type_is_named_in_fields(as_user):
    response = as_user("admin").post("/api/v1/points", json={"type": "spaceship", "name": "火箭"})
    error = assert_error(response, 422, "invalid")
    assert "type" in error["fields"]
    assert "name" not in error["fields"]


def test_a_body_that_is_not_json_is_refused(as_user):
    api = as_user("admin")
    response = api.post("/api/v1/points", data="type=window", content_type="application/x-www-form-urlencoded")
    assert response.status_code in (415, 422), response.status_code
    assert_error(response, response.status_code)
