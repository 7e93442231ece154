import pytest
from sqlalchemy import select

from jiandu.cases.service import open_case
from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, Point, User


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture
def users(app):
    names = ("admin", "inspector", "county-inspector", "group-inspector", "group2-inspector", "handler",
             "tax-handler", "kdl-handler", "enterprise", "kdl-admin")
    return {name: user(name) for name in names}


@pytest.fixture
def market(users):
    """The city market-regulation department (the demo handler's)."""
    return users["handler"].unit


@pytest.fixture
def make_case(app, market):
    """A fresh case in state received, at a window of the handler's department, committed (savepoint)."""

    def make(summary="窗口办事推诿，材料反复退回", **kw):
        point = db.session.scalar(select(Point).where(Point.department_id == market.id, Point.type == "window"))
        kw.setdefault("jurisdiction_id", point.jurisdiction_id)
        kw.setdefault("point_id", point.id)
        case = open_case(channel=kw.pop("channel", "window_code"), summary=summary, **kw)
        db.session.commit()
        return case

    return make


def city_id():
    return db.session.scalar(select(Jurisdiction.id).where(Jurisdiction.parent_id.is_(None)))


def _tables_depending_on(name: str) -> set[str]:
    found, frontier = {name}, {name}
    while frontier:
        frontier = {t.name for t in db.metadata.sorted_tables
                    if t.name not in found and any(fk.column.table.name in frontier for fk in t.foreign_keys)}
        found |= frontier
    return found


@pytest.fixture
def no_demo_cases(app):
    """Tests that count every case in a scope start from a city without the demo's cases
    (deleted inside the test's transaction, so the next test has them back)."""
    doomed = _tables_depending_on("cases") | {"outbox_events"}
    for table in reversed(db.metadata.sorted_tables):
        if table.name in doomed:
            db.session.execute(table.delete())
    db.session.commit()
