"""Helpers for the organisation tests: records picked from the demo city, a second city that no
demo account may see, and ways to search a whole paginated list."""
from __future__ import annotations

import random
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, Point, Project, Unit, User, group_departments
from jiandu.security import hash_password

PASSWORD = "jiandu-demo"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ROLES = ("admin", "inspector", "county-inspector", "group-inspector", "handler", "enterprise")


def has_chinese(text) -> bool:
    return bool(text) and bool(CHINESE.search(str(text)))


def assert_error(response, status: int, code: str | None = None):
    """The project's error shape: {"error": {"code", "message", "fields"}}."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"], error
    assert isinstance(error.get("message"), str) and error["message"], error
    assert isinstance(error.get("fields"), dict), error
    if code is not None:
        assert error["code"] == code, error
    return error


def all_items(api, url: str, **params) -> list[dict]:
    """Every item of a paginated list (200 a page)."""
    items, page = [], 1
    while True:
        query = {**params, "page": page, "per_page": 200}
        response = api.get(url, query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        body = response.get_json()
        items.extend(body["items"])
        if not body["items"] or len(items) >= body["total"]:
            return items
        page += 1




# --- the demo city, read straight from the database ---------------------------------------

def user_named(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    assert user is not None, f"demo account {username!r} is missing"
    return user


def jurisdiction_named(name: str) -> Jurisdiction:
    found = db.session.scalars(select(Jurisdiction).where(Jurisdiction.name == name)).all()
    assert found, f"jurisdiction {name!r} is missing from the demo city"
    return found[0]


def subtree_ids(root: Jurisdiction) -> set[int]:
    """The root and everything below it, by following parent_id (not the path column)."""
    children: dict[int | None, list[int]] = {}
    for jid, parent in db.session.execute(select(Jurisdiction.id, Jurisdiction.parent_id)).all():
        children.setdefault(parent, []).append(jid)
    found, todo = set(), [root.id]
    while todo:
        jid = todo.pop()
        found.add(jid)
        todo.extend(children.get(jid, []))
    return found


def supervised_department_ids(group: Unit) -> set[int]:
    return set(db.session.scalars(
        select(group_departments.c.department_id).where(group_departments.c.group_id == group.id)))


def first(statement):
    return db.session.scalars(statement.limit(1)).first()


def window_in_halls_of(jurisdiction_ids) -> Point | None:
    hall_ids = select(Unit.id).where(Unit.kind == "hall", Unit.jurisdiction_id.in_(jurisdiction_ids))
    return first(select(Point).where(Point.type == "window", Point.hall_id.in_(hall_ids)).order_by(Point.id))


def new_code() -> str:
    while True:
        code = "".join(random.choice(ALPHABET) for _ in range(9))
        if db.session.scalar(select(Point.id).where(Point.code == code)) is None:
            return code


@pytest.fixture
def foreign(app):
    """A second city beside the demo one, with a hall, a department, a window, a project, its
    project code and an inspector. No demo account's scope reaches it."""
    city = Jurisdiction(name="外市（测试）", level="city", parent_id=None, path="")
    db.session.add(city)
    db.session.flush()
    city.path = f"/{city.id}/"
    county = Jurisdiction(name="外县（测试）", level="county", parent_id=city.id, path="")
    db.session.add(county)
    db.session.flush()
    county.path = f"{city.path}{county.id}/"
    hall = Unit(name="外县政务服务中心（测试）", kind="hall", jurisdiction_id=county.id)
    department = Unit(name="外县税务局（测试）", kind="department", jurisdiction_id=county.id)
    project = Project(name="外县化工园区项目（测试）", project_code=f"TEST-FOREIGN-{random.randrange(10**9)}",
                      owner_enterprise="外县某企业", jurisdiction_id=county.id)
    db.session.add_all([hall, department, project])
    db.session.flush()
    window = Point(code=new_code(), type="window", name="外县税务综合窗口（测试）", number="F1", hall_id=hall.id,
                   department_id=department.id, jurisdiction_id=county.id)
    project_point = Point(code=new_code(), type="project", name="外县化工园区项目码（测试）", project_id=project.id,
                          jurisdiction_id=county.id)
    inspector = User(username=f"foreign-{random.randrange(10**9)}", display_name="外县监督员（测试）",
                     role="inspector", jurisdiction_id=county.id, password_hash=hash_password(PASSWORD))
    db.session.add_all([window, project_point, inspector])
    db.session.flush()
    return SimpleNamespace(city=city, county=county, hall=hall, department=department, project=project,
                           window=window, project_point=project_point, user=inspector)
