"""The pull half of the sync protocol: what changed for a user since a cursor (an opaque string); no
cursor = everything the device needs to work offline (the user's visits, checklists and tasks, the
points and projects concerned, and their open cases)."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta

from sqlalchemy import or_

from jiandu.cases import ledger
from jiandu.cases.models import OPEN_STATES, Case
from jiandu.cases.service import visible_cases
from jiandu.errors import Invalid
from jiandu.extensions import db
from jiandu.fieldwork import service
from jiandu.fieldwork.models import ChecklistTask, ChecklistTemplate, Visit
from jiandu.fieldwork.views import task_view
from jiandu.org.models import Point, Project, User
from jiandu.org.scope import visible
from jiandu.timeutil import iso_utc, utcnow

PULL_OVERLAP = timedelta(seconds=5)  # a change committed while the previous pull ran is sent again
PULL_LIMIT = 2000


def encode_cursor(moment: datetime) -> str:
    return base64.urlsafe_b64encode(moment.isoformat().encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> datetime | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return datetime.fromisoformat(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise Invalid({"since": "无效的同步游标"}) from None


def _point_view(point: Point) -> dict:
    return {"id": point.id, "code": point.code, "type": point.type, "name": point.name, "number": point.number,
            "address": point.address, "jurisdiction_id": point.jurisdiction_id,
            "department_id": point.department_id, "project_id": point.project_id,
            "hall": point.hall.name if point.hall else None}


def _project_view(project: Project) -> dict:
    return {"id": project.id, "name": project.name, "code": project.project_code,
            "owner_enterprise": project.owner_enterprise, "location": project.location, "stage": project.stage,
            "jurisdiction_id": project.jurisdiction_id}


def _jsonable(view: dict) -> dict:
    return {k: (iso_utc(v) if isinstance(v, datetime) else v) for k, v in view.items()}


def pull(user: User, since: str | None = None) -> dict:
    now = utcnow()
    after = decode_cursor(since)
    after = after - PULL_OVERLAP if after else None

    visits_q = service.my_visits(user)
    if after:
        visits_q = visits_q.where(Visit.updated_at > after)
    else:
        visits_q = visits_q.where(or_(Visit.state == "planned", Visit.updated_at > now - timedelta(days=30)))
    visits = db.session.scalars(visits_q.order_by(Visit.id).limit(PULL_LIMIT)).all()

    tasks_q = visible(user, ChecklistTask)
    if after:
        tasks_q = tasks_q.where(ChecklistTask.updated_at > after)
    else:
        tasks_q = tasks_q.where(ChecklistTask.state != "spot_checked")
    tasks = db.session.scalars(tasks_q.order_by(ChecklistTask.due_at).limit(PULL_LIMIT)).all()

    template_ids = {v.template_id for v in visits if v.template_id} | {t.template_id for t in tasks}
    templates_q = service.templates_for(user).where(
        or_(ChecklistTemplate.id.in_(template_ids), ChecklistTemplate.current))
    if after:
        templates_q = templates_q.where(or_(ChecklistTemplate.updated_at > after,
                                            ChecklistTemplate.id.in_(template_ids)))
    templates = db.session.scalars(templates_q.order_by(ChecklistTemplate.id).limit(PULL_LIMIT)).all()

    point_ids = {v.point_id for v in visits if v.point_id} | {t.point_id for t in tasks if t.point_id}
    project_ids = {v.project_id for v in visits if v.project_id}
    points = db.session.scalars(visible(user, Point).where(Point.id.in_(point_ids))).all() if point_ids else []
    projects = (db.session.scalars(visible(user, Project).where(Project.id.in_(project_ids))).all()
                if project_ids else [])

    # Open cases of the points and projects concerned (and those since changed, to close them on the device).
    cases_q = visible_cases(user).where(or_(Case.point_id.in_(point_ids or {-1}),
                                            Case.project_id.in_(project_ids or {-1})))
    cases_q = cases_q.where(Case.updated_at > after) if after else cases_q.where(Case.state.in_(OPEN_STATES))
    cases = db.session.scalars(cases_q.order_by(Case.id).limit(PULL_LIMIT)).all()

    return {
        "cursor": encode_cursor(now),
        "full": after is None,
        "server_time": iso_utc(now),
        "visit_kinds": [{"code": k.code, "name": k.name, "name_en": k.name_en} for k in service.visit_kinds()],
        "visits": [_jsonable(service.visit_view(v)) for v in visits],
        "tasks": [_jsonable(task_view(t, now)) for t in tasks],
        "templates": [_jsonable(service.template_view(t)) for t in templates],
        "points": [_point_view(p) for p in points],
        "projects": [_project_view(p) for p in projects],
        "cases": [ledger.item(c, now) for c in cases],
    }
