"""Approval items (审批事项) of a project: statutory and promised limits in working days, their
yellow and due days on the official calendar."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from jiandu import audit
from jiandu.errors import Invalid
from jiandu.extensions import db
from jiandu.org.models import Project, Unit, User
from jiandu.org.scope import get_visible
from jiandu.projects import rules
from jiandu.projects.common import STAFF, bump, check_version, require_role
from jiandu.projects.models import ApprovalItem
from jiandu.projects.registry import departments_of, get_project
from jiandu.projects.settings import settings
from jiandu.workdays import Calendar


APPROVAL_FIELDS = ("name", "department_id", "statutory_days", "promised_days", "submitted_on", "done_on", "note")


def _department_refusal(project: Project, department_id: int | None) -> str | None:
    """Why this department cannot be the approval's: none chosen, unknown, or not the project's."""
    if department_id is None:
        return "请选择审批部门"
    if department_id in {u.id for u in departments_of(project.id)}:
        return None
    known = db.session.scalar(select(Unit.id).where(Unit.id == department_id, Unit.kind == "department"))
    return "该部门不是本项目涉及的部门，请先在项目登记中添加" if known else "未知的部门"


def _approval_fields(project: Project, data: dict, item: ApprovalItem | None) -> dict:
    """The fields sent (loaded by bodies.ApprovalItemIn), checked against the project and each other."""
    clean = {k: data[k] for k in APPROVAL_FIELDS if k in data}
    errors: dict = {}
    if "department_id" in clean:
        reason = _department_refusal(project, clean["department_id"])
        if reason:
            errors["department_id"] = reason
    merged = {k: getattr(item, k) if item is not None else None
              for k in ("statutory_days", "promised_days", "submitted_on", "done_on")}
    merged.update({k: v for k, v in clean.items() if k in merged})
    if merged["statutory_days"] and merged["promised_days"] and merged["promised_days"] > merged["statutory_days"]:
        errors.setdefault("promised_days", "承诺时限不能长于法定时限")
    if merged["submitted_on"] and merged["done_on"] and merged["done_on"] < merged["submitted_on"]:
        errors.setdefault("done_on", "办结日期不能早于申报日期")
    if errors:
        raise Invalid(errors)
    return clean


def _apply_dates(item: ApprovalItem, calendar: Calendar, percent: int) -> None:
    d = rules.approval_dates(item.submitted_on, item.promised_days, calendar, percent)
    item.yellow_on, item.due_on, item.provisional = d.yellow_on, d.due_on, d.provisional


def create_approval(actor: User, project_id: int, data: dict) -> ApprovalItem:
    project = get_project(actor, project_id)
    require_role(actor, *STAFF)
    clean = _approval_fields(project, data, None)
    item = ApprovalItem(project_id=project.id, jurisdiction_id=project.jurisdiction_id, created_by=actor.id,
                        warning="none", **clean)
    _apply_dates(item, Calendar.load(), settings()["approval_yellow_percent"])
    db.session.add(item)
    db.session.flush()
    audit.record(actor.id, "approval_create", item, project_id=project.id)
    return item


def get_approval(user: User, item_id: int) -> ApprovalItem:
    return get_visible(user, ApprovalItem, item_id, "审批事项")


def update_approval(actor: User, item_id: int, data: dict) -> ApprovalItem:
    item = get_approval(actor, item_id)
    require_role(actor, *STAFF)
    check_version(item, data.get("version"))
    project = db.session.get(Project, item.project_id)
    clean = _approval_fields(project, data, item)
    for key, value in clean.items():
        setattr(item, key, value)
    if {"submitted_on", "promised_days"} & set(clean):
        _apply_dates(item, Calendar.load(), settings()["approval_yellow_percent"])
    bump(item)
    audit.record(actor.id, "approval_update", item, **{k: v for k, v in data.items() if k != "version"})
    return item


def approval_view(item: ApprovalItem, today: date, calendar: Calendar, percent: int) -> dict:
    elapsed = rules.elapsed_workdays(item.submitted_on, item.done_on or today, calendar)
    colour = rules.colour_on(item.yellow_on, item.due_on, item.done_on, today)
    return {
        "id": item.id, "project_id": item.project_id, "name": item.name, "department_id": item.department_id,
        "department": item.department.name if item.department else None,
        "submitted_on": item.submitted_on.isoformat(), "statutory_days": item.statutory_days,
        "promised_days": item.promised_days, "done_on": item.done_on.isoformat() if item.done_on else None,
        "due_on": item.due_on.isoformat(), "yellow_on": item.yellow_on.isoformat(),
        "elapsed_workdays": elapsed, "colour": colour, "done": item.done_on is not None,
        "over_statutory": elapsed > item.statutory_days, "provisional": item.provisional,
        "lead_case_id": item.lead_case_id, "note": item.note, "version": item.version,
    }
