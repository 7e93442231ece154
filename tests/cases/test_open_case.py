"""受理: open_case writes its rows directly and hands the session objects "as loaded"; they must hold
exactly what a fresh read of the database gives."""
from sqlalchemy import select
from sqlalchemy.orm.attributes import instance_dict

from jiandu.cases.models import Case, CaseEvent
from jiandu.cases.service import open_case
from jiandu.extensions import db
from jiandu.org.models import Point


def _held(model, instance) -> dict:
    """The column values an instance holds now, without loading anything."""
    state = instance_dict(instance)
    return {prop.key: state.get(prop.key, "<not loaded>") for prop in model.__mapper__.column_attrs}


def test_an_opened_case_holds_what_the_database_holds(app):
    point = db.session.scalar(select(Point).where(Point.type == "window"))
    case = open_case(channel="window_code", summary="窗口人员态度生硬", jurisdiction_id=point.jurisdiction_id,
                     point_id=point.id, department_id=point.department_id, category="attitude",
                     case_type="work_style")
    held_case, held_events = _held(Case, case), [_held(CaseEvent, event) for event in case.events]
    assert held_case["number"].endswith(f"{case.id:07d}") and held_case["state"] == "received"
    db.session.commit()
    db.session.expunge_all()
    fresh = db.session.scalar(select(Case).where(Case.id == held_case["id"]))
    assert _held(Case, fresh) == held_case
    assert [_held(CaseEvent, event) for event in fresh.events] == held_events
