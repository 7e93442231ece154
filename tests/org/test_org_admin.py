"""What an administrator does to the organisation: jurisdictions, units, points, users."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, Point, Unit, User

from tests.conftest import https_client
from .conftest import assert_error, has_chinese, jurisdiction_named, user_named, window_in_halls_of

CODE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{9}$")


@pytest.fixture
def admin(as_user):
    return as_user("admin")


def _unit(name: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.name == name))


def _fresh(model, record_id):
    db.session.expire_all()
    return db.session.get(model, record_id)


def _count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)).where(*where))


# --- jurisdictions --------------------------------------------------------------------------

def test_admin_creates_a_town_under_a_county(admin):
    county = jurisdiction_named("固阳县")
    response = admin.post("/api/v1/jurisdictions", json={"name": "兴顺西镇", "parent_id": county.id})
    assert response.status_code == 201, response.get_json()
    town = response.get_json()
    assert town["level"] == "town" and town["name"] == "兴顺西镇"
    assert admin.get(f"/api/v1/jurisdictions/{town['id']}").get_json()["name"] == "兴顺西镇"
    children = admin.get("/api/v1/jurisdictions", query_string={"parent": county.id}).get_json()["items"]
    assert town["id"] in [j["id"] for j in children]
    assert _fresh(Jurisdiction, town["id"]).parent_id == county.id


def test_a_second_city_cannot_be_made(admin):
    for parent in (None, "x"):
        response = admin.post("/api/v1/jurisdictions", json={"name": "另一个市", "parent_id": parent})
        assert response.status_code == 422 and "parent_id" in response.get_json()["error"]["fields"]


def test_admin_creates_a_county_under_the_city(admin):
    city = jurisdiction_named("包头市")
    response = admin.post("/api/v1/jurisdictions", json={"name": "测试新区", "parent_id": city.id})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["level"] == "county"


def test_nothing_can_be_created_under_a_town(admin):
    town = jurisdiction_named("金山镇")
    before = _count(Jurisdiction)
    response = admin.post("/api/v1/jurisdictions", json={"name": "某村", "parent_id": town.id})
    error = assert_error(response, 422, "invalid")
    assert "parent_id" in error["fields"] and has_chinese(error["fields"]["parent_id"])
    assert _count(Jurisdiction) == before


# --- units ------------------------------------------------------------------------------------

def test_admin_creates_a_dispatched_group_with_supervised_departments(admin):
    city = jurisdiction_named("包头市")
    tax, police = _unit("国家税务总局包头市税务局"), _unit("包头市公安局")
    response = admin.post("/api/v1/units", json={"name": "派驻第八纪检监察组", "kind": "group",
                                                 "jurisdiction_id": city.id,
                                                 "supervised_department_ids": [police.id, tax.id]})
    assert response.status_code == 201, response.get_json()
    group = response.get_json()
    assert group["kind"] == "group" and group["active"] is True
    assert sorted(d["id"] for d in group["supervised_departments"]) == sorted([tax.id, police.id])
    again = admin.get(f"/api/v1/units/{group['id']}").get_json()
    assert sorted(d["id"] for d in again["supervised_departments"]) == sorted([tax.id, police.id])


def test_only_departments_can_be_supervised(admin):
    city = jurisdiction_named("包头市")
    hall = _unit("包头市政务服务中心")
    before = _count(Unit)
    response = admin.post("/api/v1/units", json={"name": "派驻第九纪检监察组", "kind": "group",
                                                 "jurisdiction_id": city.id, "supervised_department_ids": [hall.id]})
    assert "supervised_department_ids" in assert_error(response, 422, "invalid")["fields"]
    response = admin.post("/api/v1/units", json={"name": "某部门", "kind": "department", "jurisdiction_id": city.id,
                                                 "supervised_department_ids": [_unit("包头市公安局").id]})
    assert "supervised_department_ids" in assert_error(response, 422, "invalid")["fields"]
    assert _count(Unit) == before


def test_a_new_hall_gets_its_own_hall_code(admin):
    county = jurisdiction_named("固阳县")
    response = admin.post("/api/v1/units", json={"name": "固阳县金山镇便民大厅", "kind": "hall",
                                                 "jurisdiction_id": county.id})
    assert response.status_code == 201, response.get_json()
    hall_id = response.get_json()["id"]
    points = admin.get("/api/v1/points", query_string={"hall": hall_id, "type": "hall"}).get_json()
    assert points["total"] == 1 and CODE.match(points["items"][0]["code"])


def test_deactivating_a_unit_with_active_points_and_users_is_refused(admin):
    market = user_named("handler").unit  # staffs windows and has the handler's account
    version = market.version
    response = admin.patch(f"/api/v1/units/{market.id}", json={"active": False})
    error = assert_error(response, 409)
    assert has_chinese(error["message"])
    assert "点位" in error["message"] and "账号" in error["message"]
    unit = _fresh(Unit, market.id)
    assert unit.active is True and unit.version == version
    assert admin.get(f"/api/v1/units/{market.id}").get_json()["active"] is True
    assert https_client(admin.http.application).login("handler").status_code == 200


def test_deactivating_a_unit_with_only_users_is_refused(admin):
    city = jurisdiction_named("包头市")
    unit_id = admin.post("/api/v1/units", json={"name": "测试部门甲", "kind": "department",
                                                "jurisdiction_id": city.id}).get_json()["id"]
    response = admin.post("/api/v1/users", json={"username": "dept-a-handler", "display_name": "经办人甲",
                                                 "role": "handler", "unit_id": unit_id,
                                                 "password": "a-long-password-1"})
    assert response.status_code == 201, response.get_json()
    error = assert_error(admin.patch(f"/api/v1/units/{unit_id}", json={"active": False}), 409)
    assert "账号" in error["message"]
    assert _fresh(Unit, unit_id).active is True


def test_a_unit_without_open_work_can_be_deactivated(admin):
    city = jurisdiction_named("包头市")
    unit_id = admin.post("/api/v1/units", json={"name": "测试部门乙", "kind": "department",
                                                "jurisdiction_id": city.id}).get_json()["id"]
    response = admin.patch(f"/api/v1/units/{unit_id}", json={"active": False})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["active"] is False
    assert _fresh(Unit, unit_id).active is False


def test_unit_version_conflict(admin):
    unit = _unit("包头市公安局")
    version = unit.version
    first = admin.patch(f"/api/v1/units/{unit.id}", json={"name": "包头市公安局（新）", "version": version})
    assert first.status_code == 200 and first.get_json()["version"] == version + 1
    stale = admin.patch(f"/api/v1/units/{unit.id}", json={"name": "过期的修改", "version": version})
    assert_error(stale, 409)
    assert _fresh(Unit, unit.id).name == "包头市公安局（新）"


# --- points -----------------------------------------------------------------------------------

def _hall_and_department():
    hall = _unit("固阳县政务服务中心")
    department = _unit("固阳县市场监督管理局")
    return hall, department


def test_admin_creates_a_window_with_a_code_and_url(admin, app):
    hall, department = _hall_and_department()
    response = admin.post("/api/v1/points", json={"type": "window", "name": "测试窗口", "number": "A01",
                                                  "hall_id": hall.id, "department_id": department.id})
    assert response.status_code == 201, response.get_json()
    point = response.get_json()
    assert CODE.match(point["code"]), point["code"]
    assert point["url"] == f"{app.config['PUBLIC_BASE_URL']}/q/{point['code']}" == f"https://jiandu.test/q/{point['code']}"
    assert point["hall"]["id"] == hall.id and point["department"]["id"] == department.id
    assert point["jurisdiction"]["id"] == hall.jurisdiction_id  # taken from the hall
    assert point["active"] is True
    stored = admin.get(f"/api/v1/points/{point['id']}").get_json()
    assert stored["code"] == point["code"] and stored["number"] == "A01"


def test_a_window_lies_in_its_halls_jurisdiction(admin, as_user):
    """A window in 固阳县's hall belongs to 固阳县: naming another jurisdiction must not move it into
    昆都仑区's scope (where its inspectors would see a hall that is not theirs) nor out of 固阳县's."""
    hall, department = _hall_and_department()
    response = admin.post("/api/v1/points", json={"type": "window", "name": "错辖区窗口", "number": "J1",
                                                  "hall_id": hall.id, "department_id": department.id,
                                                  "jurisdiction_id": jurisdiction_named("昆都仑区").id})
    if response.status_code == 422:
        assert "jurisdiction_id" in assert_error(response, 422, "invalid")["fields"]
    else:
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["jurisdiction"]["id"] == hall.jurisdiction_id
        assert as_user("county-inspector").get(f"/api/v1/points/{response.get_json()['id']}").status_code == 404


def test_moving_a_window_to_another_hall_moves_its_jurisdiction(admin):
    hall, _ = _hall_and_department()
    window = db.session.scalar(select(Point).where(Point.hall_id == hall.id, Point.type == "window").limit(1))
    other = _unit("达尔罕茂明安联合旗政务服务中心")
    response = admin.patch(f"/api/v1/points/{window.id}", json={"hall_id": other.id, "number": "M1"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["hall"]["id"] == other.id
    assert response.get_json()["jurisdiction"]["id"] == other.jurisdiction_id


def test_codes_are_unique_and_from_the_unambiguous_alphabet(admin):
    codes = set(db.session.scalars(select(Point.code)))
    assert len(codes) == _count(Point)
    assert all(CODE.match(code) for code in codes), [c for c in codes if not CODE.match(c)][:5]


def test_a_window_without_a_hall_is_refused(admin):
    _, department = _hall_and_department()
    before = _count(Point)
    response = admin.post("/api/v1/points", json={"type": "window", "name": "无厅窗口", "number": "1",
                                                  "department_id": department.id,
                                                  "jurisdiction_id": department.jurisdiction_id})
    error = assert_error(response, 422, "invalid")
    assert "hall_id" in error["fields"] and has_chinese(error["fields"]["hall_id"])
    assert _count(Point) == before


def test_a_duplicate_window_number_in_a_hall_is_refused(admin):
    hall, department = _hall_and_department()
    taken = db.session.scalar(select(Point.number).where(Point.hall_id == hall.id, Point.type == "window"))
    before = _count(Point)
    response = admin.post("/api/v1/points", json={"type": "window", "name": "重号窗口", "number": taken,
                                                  "hall_id": hall.id, "department_id": department.id})
    error = assert_error(response, 422, "invalid")
    assert "number" in error["fields"] and has_chinese(error["fields"]["number"])
    assert _count(Point) == before
    # The same number in another hall is fine.
    other = _unit("达尔罕茂明安联合旗政务服务中心")
    response = admin.post("/api/v1/points", json={"type": "window", "name": "别厅同号窗口", "number": "X" + taken,
                                                  "hall_id": other.id, "department_id": department.id})
    assert response.status_code == 201, response.get_json()


def test_renumbering_a_window_onto_a_taken_number_is_refused(admin):
    hall, _ = _hall_and_department()
    one, two = db.session.scalars(select(Point).where(Point.hall_id == hall.id, Point.type == "window")
                                  .order_by(Point.id).limit(2)).all()
    response = admin.patch(f"/api/v1/points/{two.id}", json={"number": one.number})
    assert "number" in assert_error(response, 422, "invalid")["fields"]


def test_deactivating_a_point_keeps_it(admin):
    point = window_in_halls_of({jurisdiction_named("固阳县").id})
    response = admin.patch(f"/api/v1/points/{point.id}", json={"active": False})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["active"] is False
    shown = admin.get(f"/api/v1/points/{point.id}")
    assert shown.status_code == 200 and shown.get_json()["active"] is False
    inactive = admin.get("/api/v1/points", query_string={"q": point.code, "active": "false"}).get_json()
    assert [p["id"] for p in inactive["items"]] == [point.id]
    assert _fresh(Point, point.id) is not None


def test_points_cannot_be_deleted(admin):
    point = window_in_halls_of({jurisdiction_named("固阳县").id})
    assert_error(admin.delete(f"/api/v1/points/{point.id}"), 405)
    assert _fresh(Point, point.id) is not None and _fresh(Point, point.id).active is True


def test_point_version_conflict(admin):
    point = window_in_halls_of({jurisdiction_named("固阳县").id})
    version = point.version
    first = admin.patch(f"/api/v1/points/{point.id}", json={"name": "第一次修改", "version": version})
    assert first.status_code == 200 and first.get_json()["version"] == version + 1
    stale = admin.patch(f"/api/v1/points/{point.id}", json={"name": "过期的修改", "version": version})
    error = assert_error(stale, 409)
    assert has_chinese(error["message"])
    assert _fresh(Point, point.id).name == "第一次修改"
    assert admin.get(f"/api/v1/points/{point.id}").get_json()["name"] == "第一次修改"


# --- users ------------------------------------------------------------------------------------

def test_admin_creates_a_handler_who_can_sign_in(admin, app):
    market = user_named("handler").unit
    response = admin.post("/api/v1/users", json={"username": "new-handler", "display_name": "新经办人",
                                                 "role": "handler", "unit_id": market.id,
                                                 "password": "a-long-password-1"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert "password" not in body and "password_hash" not in body
    assert body["unit"]["id"] == market.id and body["jurisdiction"]["id"] == market.jurisdiction_id
    assert https_client(app).login("new-handler", "a-long-password-1").status_code == 200


def test_a_short_password_is_refused(admin):
    before = _count(User)
    response = admin.post("/api/v1/users", json={"username": "short-pw", "display_name": "短密码",
                                                 "role": "inspector", "password": "short",
                                                 "jurisdiction_id": jurisdiction_named("固阳县").id})
    error = assert_error(response, 422, "invalid")
    assert "password" in error["fields"] and has_chinese(error["fields"]["password"])
    assert _count(User) == before


def test_a_duplicate_username_is_refused(admin):
    before = _count(User)
    response = admin.post("/api/v1/users", json={"username": "inspector", "display_name": "重名",
                                                 "role": "inspector", "password": "a-long-password-1",
                                                 "jurisdiction_id": jurisdiction_named("固阳县").id})
    error = assert_error(response, 422, "invalid")
    assert "username" in error["fields"] and has_chinese(error["fields"]["username"])
    assert _count(User) == before
    assert user_named("inspector").display_name == "赵建国"


def test_a_handler_must_belong_to_a_department(admin):
    response = admin.post("/api/v1/users", json={"username": "hall-person", "display_name": "大厅人员",
                                                 "role": "handler", "unit_id": _unit("包头市政务服务中心").id,
                                                 "password": "a-long-password-1"})
    assert "unit_id" in assert_error(response, 422, "invalid")["fields"]


def test_an_admin_cannot_deactivate_themselves(admin):
    me = user_named("admin")
    response = admin.patch(f"/api/v1/users/{me.id}", json={"active": False})
    assert "active" in assert_error(response, 403, "forbidden")["fields"]  # not allowed, whatever the value
    assert _fresh(User, me.id).active is True
    assert admin.get("/api/v1/me").status_code == 200
