"""What holds for the whole city (the holiday calendar, report and blocker categories, project
settings) is changed by the city's own admin only; a county admin keeps what is its own (the deadline
rules of its district); and a lead category never becomes one handed to the department it accuses."""
from __future__ import annotations

import uuid

import pytest

from jiandu.extensions import db
from jiandu.org.models import User
from jiandu.security import hash_password

from .conftest import PASSWORD, assert_error, has_chinese, jurisdiction_named, user_named


@pytest.fixture
def unit_admin():
    """An administrator bound to the city's 市场监督管理局."""
    market = user_named("handler").unit
    user = User(username=f"t-{uuid.uuid4().hex[:12]}", display_name="单位管理员", role="admin",
                jurisdiction_id=market.jurisdiction_id, unit_id=market.id, password_hash=hash_password(PASSWORD))
    db.session.add(user)
    db.session.flush()
    return user.username


def _calendar(api):
    return api.get("/api/v1/calendar/adjustments").get_json()["items"]


def _report_categories(api):
    return api.get("/api/v1/report-categories/all").get_json()


def _project_settings(api):
    return api.get("/api/v1/projects/settings").get_json()["settings"]


def _blocker_categories(api):
    return api.get("/api/v1/blocker-categories").get_json()["items"]


# (what, method, url, body, how the city's admin reads what it changes)
GLOBAL_WRITES = [
    ("holiday calendar", "put", "/api/v1/calendar/adjustments",
     {"items": [{"day": "2030-10-09", "is_workday": True, "note": "越权调休"}]}, _calendar),
    ("new report category", "post", "/api/v1/report-categories", {"code": "t_overreach", "name": "越权类型"},
     _report_categories),
    ("switch off 吃拿卡要 reports", "patch", "/api/v1/report-categories/extortion", {"active": False},
     _report_categories),
    ("project settings", "put", "/api/v1/projects/settings", {"payment_warn_days": 7}, _project_settings),
    ("switch off 吃拿卡要 blockers", "put", "/api/v1/blocker-categories/extortion", {"active": False},
     _blocker_categories),
]


@pytest.mark.parametrize("actor", ["kdl-admin", "tyq-admin", "unit-admin"])
@pytest.mark.parametrize("what,method,url,body,read", GLOBAL_WRITES, ids=[w[0] for w in GLOBAL_WRITES])
def test_only_the_city_admin_changes_city_wide_configuration(as_user, unit_admin, actor, what, method, url, body,
                                                             read):
    city_admin = as_user("admin")
    before = read(city_admin)
    api = as_user(unit_admin if actor == "unit-admin" else actor)
    error = assert_error(getattr(api, method)(url, json=body), 403, "forbidden")
    assert has_chinese(error["message"])
    assert read(city_admin) == before


@pytest.mark.parametrize("what,method,url,body,read", GLOBAL_WRITES, ids=[w[0] for w in GLOBAL_WRITES])
def test_the_city_admin_still_changes_city_wide_configuration(as_user, what, method, url, body, read):
    city_admin = as_user("admin")
    before = read(city_admin)
    response = getattr(city_admin, method)(url, json=body)
    assert response.status_code in (200, 201), response.get_json()
    assert read(city_admin) != before


def _rule(api, jurisdiction_id: int, kind: str = "service_request") -> dict:
    items = api.get("/api/v1/deadline-rules", query_string={"jurisdiction": jurisdiction_id}).get_json()["items"]
    return next(r for r in items if r["kind"] == kind)


RULE = {"kind": "service_request", "amount": 4, "unit": "workday", "basis": "receipt"}


def test_a_county_admin_keeps_the_deadline_rules_of_its_own_district(as_user):
    kdl = jurisdiction_named("昆都仑区")
    response = as_user("kdl-admin").put("/api/v1/deadline-rules", json={**RULE, "jurisdiction_id": kdl.id})
    assert response.status_code == 200, response.get_json()
    assert _rule(as_user("admin"), kdl.id)["amount"] == 4


def test_a_unit_bound_admin_cannot_set_the_deadline_rules_of_the_jurisdiction_its_unit_lies_in(as_user,
                                                                                              unit_admin):
    city = jurisdiction_named("包头市")
    admin = as_user("admin")
    before = _rule(admin, city.id)
    response = as_user(unit_admin).put("/api/v1/deadline-rules", json={**RULE, "jurisdiction_id": city.id})
    assert "jurisdiction_id" in assert_error(response, 403, "forbidden")["fields"]
    response = as_user(unit_admin).put("/api/v1/deadline-rules", json=RULE)  # its own jurisdiction by default
    assert_error(response, 403, "forbidden")
    assert _rule(admin, city.id) == before


# --- a lead stays a lead --------------------------------------------------------------------------

@pytest.mark.parametrize("case_type", ["service_request", "work_style"])
def test_a_lead_blocker_category_cannot_be_turned_into_one_routed_to_the_department(as_user, case_type):
    admin = as_user("admin")
    before = {c["code"]: c for c in _blocker_categories(admin)}["extortion"]
    assert before["case_type"] == "lead"
    response = admin.put("/api/v1/blocker-categories/extortion", json={"case_type": case_type, "name": "改名"})
    error = assert_error(response, 422, "invalid")
    assert "case_type" in error["fields"] and has_chinese(error["fields"]["case_type"])
    assert {c["code"]: c for c in _blocker_categories(admin)}["extortion"] == before


@pytest.mark.parametrize("case_type", ["service_request", "work_style"])
def test_a_lead_report_category_cannot_be_turned_into_one_routed_to_the_department(as_user, case_type):
    admin = as_user("admin")
    before = {c["code"]: c for c in _report_categories(admin)}["extortion"]
    assert before["case_type"] == "lead"
    response = admin.patch("/api/v1/report-categories/extortion", json={"case_type": case_type, "name": "改名"})
    error = assert_error(response, 422, "invalid")
    assert "case_type" in error["fields"] and has_chinese(error["fields"]["case_type"])
    assert {c["code"]: c for c in _report_categories(admin)}["extortion"] == before


def test_a_category_may_still_become_a_lead(as_user):
    admin = as_user("admin")
    response = admin.put("/api/v1/blocker-categories/other", json={"case_type": "lead"})
    assert response.status_code == 200 and response.get_json()["case_type"] == "lead"
