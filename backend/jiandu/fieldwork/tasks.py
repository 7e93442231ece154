"""Checklist tasks: a checklist issued to units or points (举一反三) with a deadline in working days."""
from __future__ import annotations

import secrets
from datetime import datetime

from jiandu import audit
from jiandu.errors import Invalid
from jiandu.extensions import db
from jiandu.fieldwork.checklists import get_template
from jiandu.fieldwork.common import STAFF, read_int, read_text, require_role
from jiandu.fieldwork.models import ChecklistTask
from jiandu.org.models import Point, Unit, User
from jiandu.org.scope import get_visible, visible
from jiandu.timeutil import utcnow
from jiandu.workdays import Calendar, deadline

DEFAULT_TASK_WORKDAYS = 10
MAX_TARGETS = 2000


def issue_tasks(actor: User, data: dict, now: datetime | None = None) -> list[ChecklistTask]:
    """One task per target: {template_id, unit_ids | unit_kind | point_ids | point_type, due_workdays}."""
    require_role(actor, *STAFF)
    template = get_template(actor, read_int(data.get("template_id"), "template_id", required=True))
    if not template.current:
        raise Invalid({"template_id": "该清单已有新版本，请下发最新版本"})
    workdays = read_int(data.get("due_workdays"), "due_workdays") or DEFAULT_TASK_WORKDAYS
    if not 1 <= workdays <= 250:
        raise Invalid({"due_workdays": "期限须为 1 到 250 个工作日"})
    targets: list[tuple[Unit | None, Point | None]] = []
    if data.get("unit_ids"):
        ids = data["unit_ids"]
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise Invalid({"unit_ids": "应为单位编号列表"})
        units = db.session.scalars(visible(actor, Unit).where(Unit.id.in_(ids), Unit.active)).all()
        if len(units) != len(set(ids)):
            raise Invalid({"unit_ids": "部分单位不存在或不在您的管辖范围内"})
        targets = [(u, None) for u in units]
    elif data.get("unit_kind"):
        if data["unit_kind"] not in ("department", "hall", "group"):
            raise Invalid({"unit_kind": "单位类型须为部门、大厅或派驻组"})
        targets = [(u, None) for u in db.session.scalars(
            visible(actor, Unit).where(Unit.kind == data["unit_kind"], Unit.active).order_by(Unit.id))]
    elif data.get("point_ids"):
        ids = data["point_ids"]
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise Invalid({"point_ids": "应为点位编号列表"})
        points = db.session.scalars(visible(actor, Point).where(Point.id.in_(ids), Point.active)).all()
        if len(points) != len(set(ids)):
            raise Invalid({"point_ids": "部分点位不存在或不在您的管辖范围内"})
        targets = [(None, p) for p in points]
    elif data.get("point_type"):
        targets = [(None, p) for p in db.session.scalars(
            visible(actor, Point).where(Point.type == data["point_type"], Point.active).order_by(Point.id))]
    else:
        raise Invalid({"targets": "请选择下发对象：单位、单位类型、点位或点位类型"})
    if not targets:
        raise Invalid({"targets": "没有符合条件的下发对象"})
    if len(targets) > MAX_TARGETS:
        raise Invalid({"targets": f"一次最多下发 {MAX_TARGETS} 个对象"})
    now = now or utcnow()
    due = deadline(now, workdays, "workday", Calendar.load())
    batch = secrets.token_hex(8)
    note = read_text(data.get("note"), "note")
    tasks = []
    for unit, point in targets:
        if unit is not None:
            task = ChecklistTask(unit_id=unit.id, jurisdiction_id=unit.jurisdiction_id, department_id=unit.id)
        else:
            task = ChecklistTask(point_id=point.id, jurisdiction_id=point.jurisdiction_id,
                                 department_id=point.department_id, project_id=point.project_id)
        task.batch, task.template_id, task.issued_by, task.issued_at = batch, template.id, actor.id, now
        task.due_at, task.warn_at, task.due_provisional, task.note = due.due_at, due.warn_at, due.provisional, note
        db.session.add(task)
        tasks.append(task)
    db.session.flush()
    audit.record(actor.id, "checklist_issue", template, batch=batch, tasks=len(tasks), workdays=workdays)
    return tasks


def task_warning(task: ChecklistTask, now: datetime | None = None) -> str:
    """The cases' rule: yellow once two thirds of the working time are used, red once overdue;
    a task that has been answered no longer warns."""
    if task.state != "issued":
        return "none"
    now = now or utcnow()
    if task.due_at and now >= task.due_at:
        return "red"
    if task.warn_at and now >= task.warn_at:
        return "yellow"
    return "none"


def get_task(user: User, task_id: int) -> ChecklistTask:
    return get_visible(user, ChecklistTask, task_id, "清单任务")
