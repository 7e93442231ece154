"""The scope matrix: for each demo account and each kind of record, records inside the account's
scope are listed and readable, records outside it do not exist (404 on read and on write, absent
from every page of the list), and only administrators may change what they can see.

Inside/outside is decided here from the demo data by the plain rules (a jurisdiction subtree
followed through parent_id, a department's own windows, a group's supervised departments, an
enterprise's project), not by calling the scope helper under test.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, Point, Project, Unit

from .conftest import all_items, assert_error, first, jurisdiction_named, subtree_ids, supervised_department_ids, \
    user_named, window_in_halls_of

# kdl-admin (an administrator of 昆都仑区 only) is in the demo too: the only writer with a partial scope.
ROLES = ("admin", "inspector", "county-inspector", "group-inspector", "handler", "enterprise", "kdl-admin")
ADMINS = ("admin", "kdl-admin")
RESOURCES = ("points", "units", "halls", "jurisdictions", "users", "projects")

ITEM_URL = {
    "points": "/api/v1/points/{}",
    "units": "/api/v1/units/{}",
    "halls": "/api/v1/units/{}",  # a hall is a unit; /halls is only a list
    "jurisdictions": "/api/v1/jurisdictions/{}",
    "users": "/api/v1/users/{}",
    "projects": "/api/v1/projects/{}",
}
RENAME = {  # a harmless change of each kind; projects have no write route in this capability
    "points": ("name", "改名测试点位"),
    "units": ("name", "改名测试单位"),
    "halls": ("name", "改名测试大厅"),
    "jurisdictions": ("name", "改名测试辖区"),
    "users": ("display_name", "改名测试用户"),
}


# --- picking records from the demo city -------------------------------------------------

def _unit(name: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.name == name))
    assert unit is not None, name
    return unit


def _hall_in(jurisdiction_ids) -> Unit:
    return first(select(Unit).where(Unit.kind == "hall", Unit.jurisdiction_id.in_(jurisdiction_ids)).order_by(Unit.id))


def _department_in(jurisdiction_ids) -> Unit:
    return first(select(Unit).where(Unit.kind == "department", Unit.jurisdiction_id.in_(jurisdiction_ids))
                 .order_by(Unit.id))


def _project_in(jurisdiction_ids) -> Project:
    return first(select(Project).where(Project.jurisdiction_id.in_(jurisdiction_ids)).order_by(Project.id))


def _window_of(department_ids, exclude=False) -> Point:
    condition = Point.department_id.not_in(department_ids) if exclude else Point.department_id.in_(department_ids)
    return first(select(Point).where(Point.type == "window", condition).order_by(Point.id))


def _halls_with_windows_of(department_ids) -> set[int]:
    return set(db.session.scalars(select(Point.hall_id).where(
        Point.type == "window", Point.department_id.in_(department_ids))))


def _hall_without_windows_of(department_ids) -> Unit:
    return first(select(Unit).where(Unit.kind == "hall", Unit.id.not_in(_halls_with_windows_of(department_ids)))
                 .order_by(Unit.id))


def _project_point(project: Project) -> Point:
    return first(select(Point).where(Point.type == "project", Point.project_id == project.id))


def scope_cases(role: str, foreign) -> dict[str, tuple[list, list]]:
    """{resource: (inside records, outside records)} for one demo account."""
    city = jurisdiction_named("包头市")
    kdl, guyang, jiuyuan = (jurisdiction_named(n) for n in ("昆都仑区", "固阳县", "九原区"))
    K, G = subtree_ids(kdl), subtree_ids(guyang)
    outside_everyone = {
        "points": [foreign.window, foreign.project_point], "units": [foreign.department],
        "halls": [foreign.hall], "jurisdictions": [foreign.city, foreign.county], "users": [foreign.user],
        "projects": [foreign.project],
    }
    if role in ("admin", "inspector"):  # the whole city
        cases = {
            "points": ([window_in_halls_of(G), window_in_halls_of({city.id})], []),
            "units": ([_department_in(G), _department_in({city.id})], []),
            "halls": ([_hall_in(G), _hall_in({city.id})], []),
            "jurisdictions": ([guyang, jurisdiction_named("金山镇")], []),
            "users": ([user_named("county-inspector"), user_named("handler")], []),
            "projects": ([_project_in(G)], []),
        }
    elif role in ("county-inspector", "kdl-admin"):  # 昆都仑区 and its streets
        town_point = first(select(Point).where(Point.jurisdiction_id.in_(K - {kdl.id})).order_by(Point.id))
        cases = {
            "points": ([window_in_halls_of({kdl.id}), town_point],
                       [window_in_halls_of(G), window_in_halls_of({city.id})]),
            "units": ([_department_in({kdl.id})], [_department_in(G), _department_in({city.id})]),
            "halls": ([_hall_in({kdl.id})], [_hall_in(G), _hall_in({city.id})]),
            "jurisdictions": ([kdl, jurisdiction_named("少先路街道")], [guyang, city]),
            "users": ([user_named(role), user_named("kdl-handler")], [user_named("admin"), user_named("inspector")]),
            "projects": ([_project_in(K)], [_project_in(G)]),
        }
    elif role == "group-inspector":  # the departments the dispatched group supervises
        group = user_named(role).unit
        supervised = supervised_department_ids(group)
        assert supervised, "the demo group supervises no departments"
        cases = {
            "points": ([_window_of(supervised)], [_window_of(supervised, exclude=True)]),
            "units": ([db.session.get(Unit, min(supervised)), group],
                      [_unit("包头市市场监督管理局"), _department_in(G)]),
            "halls": ([db.session.get(Unit, min(_halls_with_windows_of(supervised)))],
                      [_hall_without_windows_of(supervised)]),
            "jurisdictions": ([city], [guyang]),
            "users": ([user_named(role)], [user_named("admin"), user_named("handler")]),
            "projects": ([], [_project_in({jiuyuan.id})]),
        }
    elif role == "handler":  # the city's 市场监督管理局
        market = user_named(role).unit
        assert market is not None and market.name == "包头市市场监督管理局"
        enforcement = first(select(Point).where(Point.department_id == market.id, Point.type != "window"))
        kdl_market = _unit("昆都仑区市场监督管理局")
        cases = {
            "points": ([_window_of({market.id}), enforcement],
                       [_window_of({market.id, kdl_market.id}, exclude=True), _window_of({kdl_market.id})]),
            "units": ([market], [kdl_market, _unit("国家税务总局包头市税务局")]),
            "halls": ([db.session.get(Unit, min(_halls_with_windows_of({market.id})))],
                      [_hall_without_windows_of({market.id})]),
            "jurisdictions": ([city], [kdl]),
            "users": ([user_named(role)], [user_named("admin"), user_named("kdl-handler")]),
            "projects": ([], [_project_in({jiuyuan.id})]),
        }
    elif role == "enterprise":  # one project
        own = user_named(role).project
        assert own is not None
        other = first(select(Project).where(Project.id != own.id).order_by(Project.id))
        cases = {
            "points": ([_project_point(own)], [_project_point(other), window_in_halls_of({own.jurisdiction_id})]),
            "units": ([], [_department_in({own.jurisdiction_id}), _hall_in({own.jurisdiction_id})]),
            "halls": ([], [_hall_in({own.jurisdiction_id})]),
            "jurisdictions": ([own.jurisdiction], [kdl]),
            "users": ([user_named(role)], [user_named("admin"), user_named("enterprise2")]),
            "projects": ([own], [other]),
        }
    else:
        raise AssertionError(role)
    if role not in ADMINS:  # only admins read other people's accounts; everyone reads their own
        inside, outside = cases["users"]
        cases["users"] = ([user_named(role)], outside + [u for u in inside if u.username != role])
    result = {}
    for resource, (inside, outside) in cases.items():
        assert all(r is not None for r in inside + outside), (role, resource, inside, outside)
        result[resource] = (inside, outside + outside_everyone[resource])
    return result


def listed_ids(api, role: str, resource: str, record) -> set[int]:
    """Search the whole list for one record (filters narrow it; every page is read)."""
    if resource == "points":
        items = all_items(api, "/api/v1/points", q=record.code)
    elif resource in ("units", "halls"):
        items = all_items(api, f"/api/v1/{resource}", q=record.name)
    elif resource == "users":
        items = all_items(api, "/api/v1/users", q=record.username)
    else:
        items = all_items(api, f"/api/v1/{resource}")
    return {item["id"] for item in items}


def _name_in_db(resource: str, record):
    db.session.expire_all()
    field = RENAME[resource][0]
    return getattr(db.session.get(type(record), record.id), field)


MATRIX = [(role, resource) for role in ROLES for resource in RESOURCES]


@pytest.mark.parametrize("role,resource", MATRIX)
def test_records_outside_the_scope_do_not_exist(role, resource, as_user, foreign):
    _, outside = scope_cases(role, foreign)[resource]
    api = as_user(role)
    not_found = api.get(ITEM_URL[resource].format(987654321))
    assert_error(not_found, 404, "not_found")
    for record in outside:
        if resource == "users" and role not in ADMINS:
            assert_error(api.get("/api/v1/users", query_string={"q": record.username}), 403, "forbidden")
        else:
            assert record.id not in listed_ids(api, role, resource, record), record
        response = api.get(ITEM_URL[resource].format(record.id))
        assert_error(response, 404, "not_found")
        # Indistinguishable from a record that was never there: nothing about it leaks out.
        assert response.get_json() == not_found.get_json()
        if resource in RENAME:
            before = _name_in_db(resource, record)
            field, value = RENAME[resource]
            response = api.patch(ITEM_URL[resource].format(record.id), json={field: value})
            assert_error(response, 404, "not_found")
            assert _name_in_db(resource, record) == before


INSIDE = [(role, resource) for role, resource in MATRIX
          if not (role in ("group-inspector", "handler", "enterprise") and resource == "projects")
          and not (role == "enterprise" and resource in ("units", "halls"))]


@pytest.mark.parametrize("role,resource", INSIDE)
def test_records_inside_the_scope_are_listed_and_readable(role, resource, as_user, foreign):
    inside, _ = scope_cases(role, foreign)[resource]
    assert inside
    api = as_user(role)
    for record in inside:
        if resource == "users" and role not in ADMINS:
            assert_error(api.get("/api/v1/users", query_string={"q": record.username}), 403, "forbidden")
        else:
            assert record.id in listed_ids(api, role, resource, record), record
        response = api.get(ITEM_URL[resource].format(record.id))
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["id"] == record.id


WRITABLE = [(role, resource) for role, resource in INSIDE if resource in RENAME]


@pytest.mark.parametrize("role,resource", WRITABLE)
def test_only_administrators_change_records_inside_their_scope(role, resource, as_user, foreign):
    inside, _ = scope_cases(role, foreign)[resource]
    api = as_user(role)
    field, value = RENAME[resource]
    for record in inside:
        before = _name_in_db(resource, record)
        response = api.patch(ITEM_URL[resource].format(record.id), json={field: value})
        if role in ADMINS:
            assert response.status_code == 200, response.get_json()
            assert response.get_json()[field] == value
            assert api.get(ITEM_URL[resource].format(record.id)).get_json()[field] == value
            assert _name_in_db(resource, record) == value
        else:
            assert_error(response, 403, "forbidden")
            assert _name_in_db(resource, record) == before


@pytest.mark.parametrize("role", ROLES)
def test_me_shows_role_and_scope(role, as_user):
    me = as_user(role).get("/api/v1/me").get_json()
    user = user_named(role)
    assert me["username"] == role
    assert me["role"] == user.role
    assert me["jurisdiction"] == {"id": user.jurisdiction_id, "name": user.jurisdiction.name}
    assert (me["unit"] or {}).get("id") == user.unit_id
    assert (me["project"] or {}).get("id") == user.project_id
    assert me["csrf_token"]
    expected = {
        "admin": ("包头市", None, None), "inspector": ("包头市", None, None),
        "county-inspector": ("昆都仑区", None, None),
        "group-inspector": ("包头市", "group", None), "handler": ("包头市", "department", None),
        "enterprise": ("九原区", None, "稀土高性能钕铁硼永磁材料产业化项目"), "kdl-admin": ("昆都仑区", None, None),
    }[role]
    assert me["jurisdiction"]["name"] == expected[0]
    assert (me["unit"] or {}).get("kind") == expected[1]
    assert (me["project"] or {}).get("name") == expected[2]


# --- whole lists: nothing outside the scope on any page -----------------------------------

def test_county_inspector_lists_only_kunqu(as_user):
    api = as_user("county-inspector")
    K = subtree_ids(jurisdiction_named("昆都仑区"))
    points = all_items(api, "/api/v1/points")
    windows = [p for p in points if p["type"] == "window"]
    assert len(windows) == 162 + 42  # the district's two halls
    assert {p["jurisdiction"]["id"] for p in points} <= K
    halls = all_items(api, "/api/v1/halls")
    assert {h["name"] for h in halls} == {"昆都仑区政务服务中心", "昆都仑区不动产登记大厅"}
    assert {u["jurisdiction"]["id"] for u in all_items(api, "/api/v1/units")} <= K
    assert {j["id"] for j in all_items(api, "/api/v1/jurisdictions")} == K
    projects = all_items(api, "/api/v1/projects")
    assert projects and {p["jurisdiction"]["id"] for p in projects} <= K


def test_handler_lists_only_points_of_their_department(as_user):
    api = as_user("handler")
    market = user_named("handler").unit
    points = all_items(api, "/api/v1/points")
    expected = db.session.scalar(select(func.count()).select_from(Point).where(Point.department_id == market.id))
    assert len(points) == expected > 0
    assert {p["department"]["id"] for p in points} == {market.id}
    halls = all_items(api, "/api/v1/halls")
    assert {h["id"] for h in halls} == _halls_with_windows_of({market.id})
    assert all_items(api, "/api/v1/projects") == []


def test_group_inspector_lists_only_supervised_departments_points(as_user):
    api = as_user("group-inspector")
    supervised = supervised_department_ids(user_named("group-inspector").unit)
    points = all_items(api, "/api/v1/points")
    expected = db.session.scalar(select(func.count()).select_from(Point).where(
        Point.department_id.in_(supervised)))
    assert len(points) == expected > 0
    assert {p["department"]["id"] for p in points} <= supervised
    units = all_items(api, "/api/v1/units", kind="department")
    assert {u["id"] for u in units} == supervised


def test_enterprise_sees_only_its_project(as_user):
    api = as_user("enterprise")
    own = user_named("enterprise").project
    assert [p["id"] for p in all_items(api, "/api/v1/projects")] == [own.id]
    points = all_items(api, "/api/v1/points")
    assert points and {(p["project"] or {}).get("id") for p in points} == {own.id}
    assert all_items(api, "/api/v1/halls") == []


def test_county_admin_cannot_create_records_outside_the_district(as_user):
    """A county admin's writes that point outside the district are refused as if it did not exist."""
    api = as_user("kdl-admin")
    G = subtree_ids(jurisdiction_named("固阳县"))
    hall, department = _hall_in(G), _department_in(G)
    before = db.session.scalar(select(func.count()).select_from(Point))
    response = api.post("/api/v1/points", json={"type": "window", "name": "越权窗口", "number": "999",
                                                "hall_id": hall.id, "department_id": department.id})
    error = assert_error(response, 422, "invalid")
    assert {"hall_id", "department_id"} <= set(error["fields"])
    response = api.post("/api/v1/jurisdictions",
                        json={"name": "越权街道", "parent_id": jurisdiction_named("固阳县").id})
    assert "parent_id" in assert_error(response, 422, "invalid")["fields"]
    response = api.post("/api/v1/units", json={"name": "越权部门", "kind": "department",
                                               "jurisdiction_id": jurisdiction_named("包头市").id})
    assert "jurisdiction_id" in assert_error(response, 422, "invalid")["fields"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Point)) == before
    assert db.session.scalar(select(Jurisdiction.id).where(Jurisdiction.name == "越权街道")) is None
    assert db.session.scalar(select(Unit.id).where(Unit.name == "越权部门")) is None


def test_new_group_inspector_sees_exactly_the_departments_given_to_the_group(as_user, app):
    """An admin makes a dispatched group supervising two departments and an inspector in it;
    that inspector then sees those departments' windows and no others."""
    admin = as_user("admin")
    city = jurisdiction_named("包头市")
    tax, police = _unit("国家税务总局包头市税务局"), _unit("包头市公安局")
    response = admin.post("/api/v1/units", json={"name": "测试派驻组", "kind": "group", "jurisdiction_id": city.id,
                                                 "supervised_department_ids": [tax.id, police.id]})
    assert response.status_code == 201, response.get_json()
    group_id = response.get_json()["id"]
    response = admin.post("/api/v1/users", json={"username": "new-group-inspector", "display_name": "测试组员",
                                                 "role": "inspector", "unit_id": group_id,
                                                 "password": "a-long-password-1"})
    assert response.status_code == 201, response.get_json()
    api = as_user("new-group-inspector", "a-long-password-1")
    points = all_items(api, "/api/v1/points", type="window")
    expected = db.session.scalar(select(func.count()).select_from(Point).where(
        Point.type == "window", Point.department_id.in_([tax.id, police.id])))
    assert len(points) == expected > 0
    assert {p["department"]["id"] for p in points} == {tax.id, police.id}
    assert api.get(f"/api/v1/points/{_window_of({tax.id, police.id}, exclude=True).id}").status_code == 404
