"""Milestones (节点) of a project: planned and done days."""
from __future__ import annotations

from datetime import date

from jiandu.errors import Invalid
from jiandu.extensions import db
from jiandu.org.models import User
from jiandu.org.scope import get_visible
from jiandu.projects import rules
from jiandu.projects.common import STAFF, bump, check_version, require_role
from jiandu.projects.models import STAGE_LABELS, STAGES, Milestone
from jiandu.projects.parsing import read_date, read_text
from jiandu.projects.registry import get_project


def _milestone_fields(data: dict, milestone: Milestone | None, today: date) -> dict:
    errors: dict = {}
    clean: dict = {}
    if milestone is None or "name" in data:
        clean["name"] = read_text(data, "name", errors, required=True, label="节点名称")
    if "stage" in data and data["stage"] not in (None, ""):
        if data["stage"] not in STAGES:
            errors["stage"] = "阶段须为：" + " → ".join(STAGE_LABELS.values())
        clean["stage"] = data["stage"]
    if milestone is None or "planned_on" in data:
        clean["planned_on"] = read_date(data, "planned_on", errors, required=milestone is None, label="计划日期")
    if "done_on" in data:
        clean["done_on"] = read_date(data, "done_on", errors, label="完成日期", not_future=True, today=today)
    if "note" in data:
        clean["note"] = read_text(data, "note", errors, limit=2000, label="备注")
    if errors:
        raise Invalid(errors)
    return clean


def create_milestone(actor: User, project_id: int, data: dict) -> Milestone:
    project = get_project(actor, project_id)
    require_role(actor, *STAFF)
    milestone = Milestone(project_id=project.id, jurisdiction_id=project.jurisdiction_id,
                          **_milestone_fields(data, None, rules.local_today()))
    db.session.add(milestone)
    db.session.flush()
    return milestone


def update_milestone(actor: User, milestone_id: int, data: dict) -> Milestone:
    milestone = get_visible(actor, Milestone, milestone_id, "节点")
    require_role(actor, *STAFF)
    check_version(milestone, data.get("version"))
    for key, value in _milestone_fields(data, milestone, rules.local_today()).items():
        setattr(milestone, key, value)
    bump(milestone)
    return milestone


def milestone_view(m: Milestone, today: date) -> dict:
    late = m.planned_on is not None and (m.done_on or today) > m.planned_on
    return {"id": m.id, "project_id": m.project_id, "name": m.name, "stage": m.stage,
            "stage_label": STAGE_LABELS.get(m.stage), "planned_on": m.planned_on.isoformat() if m.planned_on else None,
            "done_on": m.done_on.isoformat() if m.done_on else None, "late": late, "note": m.note,
            "version": m.version}
