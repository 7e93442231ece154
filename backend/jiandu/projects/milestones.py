"""Milestones (节点) of a project: planned and done days."""
from __future__ import annotations

from datetime import date

from jiandu.extensions import db
from jiandu.org.models import User
from jiandu.org.scope import get_visible
from jiandu.projects.common import STAFF, bump, check_version, require_role
from jiandu.projects.models import STAGE_LABELS, Milestone
from jiandu.projects.registry import get_project


MILESTONE_FIELDS = ("name", "stage", "planned_on", "done_on", "note")


def _milestone_fields(data: dict) -> dict:
    """The fields sent (loaded by bodies.MilestoneIn); a blank stage leaves the stage as it is."""
    return {k: data[k] for k in MILESTONE_FIELDS if k in data and not (k == "stage" and data[k] is None)}


def create_milestone(actor: User, project_id: int, data: dict) -> Milestone:
    project = get_project(actor, project_id)
    require_role(actor, *STAFF)
    milestone = Milestone(project_id=project.id, jurisdiction_id=project.jurisdiction_id,
                          **_milestone_fields(data))
    db.session.add(milestone)
    db.session.flush()
    return milestone


def get_milestone(user: User, milestone_id: int) -> Milestone:
    return get_visible(user, Milestone, milestone_id, "节点")


def update_milestone(actor: User, milestone_id: int, data: dict) -> Milestone:
    milestone = get_milestone(actor, milestone_id)
    require_role(actor, *STAFF)
    check_version(milestone, data.get("version"))
    for key, value in _milestone_fields(data).items():
        setattr(milestone, key, value)
    bump(milestone)
    return milestone


def milestone_view(m: Milestone, today: date) -> dict:
    late = m.planned_on is not None and (m.done_on or today) > m.planned_on
    return {"id": m.id, "project_id": m.project_id, "name": m.name, "stage": m.stage,
            "stage_label": STAGE_LABELS.get(m.stage), "planned_on": m.planned_on.isoformat() if m.planned_on else None,
            "done_on": m.done_on.isoformat() if m.done_on else None, "late": late, "note": m.note,
            "version": m.version}
