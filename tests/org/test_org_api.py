"""API conventions (list shape, filters, page size, OpenAPI) and the demo city as an admin sees it."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, Point, Unit

from .conftest import all_items, assert_error, jurisdiction_named


@pytest.fixture
def admin(as_user):
    return as_user("admin")


LISTS = ["/api/v1/points", "/api/v1/units", "/api/v1/halls", "/api/v1/jurisdictions", "/api/v1/users",
         "/api/v1/projects"]


@pytest.mark.parametrize("url", LISTS)
def test_lists_have_items_total_page_per_page(admin, url):
    body = admin.get(url, query_string={"page": 2, "per_page": 3}).get_json()
    assert set(body) == {"items", "total", "page", "per_page"}
    assert body["page"] == 2 and body["per_page"] == 3
    assert isinstance(body["total"], int) and body["total"] > 3
    assert len(body["items"]) == 3
    first_page = admin.get(url, query_string={"page": 1, "per_page": 3}).get_json()
    assert not {i["id"] for i in first_page["items"]} & {i["id"] for i in body["items"]}


@pytest.mark.parametrize("url", LISTS)
def test_lists_refuse_more_than_200_a_page(admin, url):
    assert admin.get(url, query_string={"per_page": 200}).status_code == 200
    error = assert_error(admin.get(url, query_string={"per_page": 201}), 422, "invalid")
    assert "per_page" in error["fields"]
    assert "page" in assert_error(admin.get(url, query_string={"page": 0}), 422, "invalid")["fields"]


@pytest.mark.parametrize("url", LISTS)
def test_lists_need_a_signed_in_user(client, url):
    assert_error(client.get(url), 401, "unauthenticated")


def test_points_filter_by_type_hall_and_text(admin):
    hall = db.session.scalar(select(Unit).where(Unit.name == "固阳县政务服务中心"))
    windows = all_items(admin, "/api/v1/points", type="window", hall=hall.id)
    assert len(windows) == 76
    assert {(p["type"], p["hall"]["id"]) for p in windows} == {("window", hall.id)}
    # by window number
    body = admin.get("/api/v1/points", query_string={"type": "window", "hall": hall.id, "q": "12"}).get_json()
    assert body["total"] == 1 and body["items"][0]["number"] == "12"
    # by part of the name
    name = windows[0]["name"]
    part = name[:4]
    found = all_items(admin, "/api/v1/points", type="window", hall=hall.id, q=part)
    assert found and all(part in p["name"] for p in found)
    assert {p["id"] for p in found} == {p["id"] for p in windows if part in p["name"]}
    # by code, as typed in lower case
    code = windows[5]["code"]
    body = admin.get("/api/v1/points", query_string={"q": code.lower()}).get_json()
    assert [p["id"] for p in body["items"]] == [windows[5]["id"]]
    # by other types
    websites = all_items(admin, "/api/v1/points", type="website")
    assert websites and {p["type"] for p in websites} == {"website"}


def test_unknown_type_filter_is_422(admin):
    error = assert_error(admin.get("/api/v1/points", query_string={"type": "spaceship"}), 422, "invalid")
    assert "type" in error["fields"]


def test_openapi_document_lists_the_paths(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    for path in ("/api/v1/points", "/api/v1/points/{point_id}", "/api/v1/halls", "/api/v1/jurisdictions",
                 "/api/v1/me", "/api/v1/auth/token"):
        assert path in document["paths"], path
    assert "patch" in document["paths"]["/api/v1/points/{point_id}"]
    assert "delete" not in document["paths"]["/api/v1/points/{point_id}"]


# --- the demo city ------------------------------------------------------------------------------

def test_demo_city_has_exactly_1503_active_windows(admin):
    assert admin.get("/api/v1/points", query_string={"type": "window"}).get_json()["total"] == 1503
    assert admin.get("/api/v1/points", query_string={"type": "window", "active": "true"}).get_json()["total"] == 1503


def test_demo_city_has_17_halls(admin):
    halls = all_items(admin, "/api/v1/halls")
    assert len(halls) == 17
    assert sum(h["window_count"] for h in halls) == 1503
    assert all(h["window_count"] > 0 for h in halls)


def test_demo_city_has_9_counties(admin):
    city = jurisdiction_named("包头市")
    counties = all_items(admin, "/api/v1/jurisdictions", parent=city.id, level="county")
    assert len(counties) == 9
    assert "昆都仑区" in {c["name"] for c in counties} and "固阳县" in {c["name"] for c in counties}
    assert admin.get("/api/v1/jurisdictions", query_string={"level": "city"}).get_json()["total"] == 1


def test_every_window_has_hall_department_and_jurisdiction():
    windows = db.session.scalars(select(Point).where(Point.type == "window")).all()
    assert len(windows) == 1503
    for window in windows:
        assert window.hall is not None and window.hall.kind == "hall", window.id
        assert window.department is not None and window.department.kind == "department", window.id
        assert window.jurisdiction is not None, window.id
        assert window.jurisdiction_id == window.hall.jurisdiction_id, window.id
        assert window.number
    numbers = db.session.execute(select(Point.hall_id, Point.number, func.count()).where(Point.type == "window")
                                 .group_by(Point.hall_id, Point.number).having(func.count() > 1)).all()
    assert numbers == []


def test_every_window_is_shown_with_hall_department_and_jurisdiction(admin):
    page = admin.get("/api/v1/points", query_string={"type": "window", "per_page": 200}).get_json()
    for point in page["items"]:
        assert point["hall"]["id"] and point["hall"]["name"]
        assert point["department"]["id"] and point["department"]["name"]
        assert point["jurisdiction"]["id"] and point["jurisdiction"]["name"]


def test_demo_jurisdictions_form_one_tree():
    rows = db.session.scalars(select(Jurisdiction)).all()
    roots = [j for j in rows if j.parent_id is None]
    assert [r.name for r in roots] == ["包头市"]
    for j in rows:
        if j.parent is not None:
            assert j.path == f"{j.parent.path}{j.id}/"
            assert (j.parent.level, j.level) in {("city", "county"), ("county", "town")}
