"""The moves of a department's handling: 转办, 签收, 退回, 申请延期, 审批延期, 反馈.

A plan `(user, case, fields, now)` validates the move's fields and returns the function that applies it."""
from __future__ import annotations

from sqlalchemy import select

from jiandu.cases.deadlines import (MAX_EXTENSION_WORKDAYS, apply_rule, handling_deadline, set_deadline,
                                    start_department_clock)
from jiandu.cases.events import record
from jiandu.cases.models import CaseAttachment
from jiandu.cases.move_fields import text
from jiandu.errors import Conflict, Invalid
from jiandu.extensions import db
from jiandu.org.models import Unit, User
from jiandu.org.scope import visible
from jiandu.workdays import Calendar, deadline


def department_for(user: User, value, field: str = "department_id") -> Unit:
    try:
        unit_id = int(value)
    except (TypeError, ValueError):
        raise Invalid({field: "应为单位编号"})
    unit = db.session.scalar(visible(user, Unit).where(Unit.id == unit_id, Unit.kind == "department",
                                                      Unit.active.is_(True)))
    if unit is None:
        raise Invalid({field: "该部门不存在或不在您的管辖范围内"})
    return unit


def _do_assign(user, case, fields, now):
    if case.case_type == "lead":
        raise Conflict("问题线索不进入转办流程，请移交信访/监督检查部门", code="wrong_type",
                       extra={"state": case.state, "version": case.version})
    department = department_for(user, fields["department_id"])
    co = [department_for(user, v, "co_department_ids") for v in (fields.get("co_department_ids") or [])]
    co = list({u.id: u for u in co if u.id != department.id}.values())

    def apply():
        calendar = Calendar.load()
        case.department_id = department.id
        case.co_departments = co
        case.assigned_at = now
        event = record(case, "assign", "assigned", user, fields, now,
                       data={"department_id": department.id, "department": department.name,
                             "co_department_ids": [u.id for u in co]},
                       public_note=f"已转交{department.name}办理")
        start_department_clock(case, now, calendar, event.seq)
        return event
    return apply



def _do_sign(user, case, fields, now):
    def apply():
        on_time = case.sign_due_at is None or now <= case.sign_due_at
        first = case.signed_at is None
        event = record(case, "sign", "signed", user, fields, now, data={"on_time": on_time, "first": first},
                       public_note="承办单位已签收")
        case.signed_at = now
        handling_deadline(case, event.seq, Calendar.load(), now)
        return event
    return apply


def _do_return(user, case, fields, now):
    reason = text(fields, "reason", 500)

    def apply():
        department = case.department
        event = record(case, "return", "registered", user, fields, now,
                       data={"reason": reason, "department_id": case.department_id,
                             "department": department.name if department else None})
        case.returns_count = (case.returns_count or 0) + 1
        case.department_id = None
        case.co_departments = []
        case.extension_requested_days = None
        set_deadline(case, None)
        return event
    return apply


def _do_request_extension(user, case, fields, now):
    try:
        days = int(fields["days"])
    except (TypeError, ValueError):
        raise Invalid({"days": "应为工作日天数"})
    if not 1 <= days <= MAX_EXTENSION_WORKDAYS:
        raise Invalid({"days": f"延期须为 1 到 {MAX_EXTENSION_WORKDAYS} 个工作日"})
    if case.extension_requested_days:
        raise Conflict("已有一项延期申请等待审批", code="pending_extension",
                       extra={"state": case.state, "version": case.version})
    if case.handle_due_at is not None and now > case.handle_due_at:
        raise Conflict("已超过办理期限，不能再申请延期", code="past_deadline",
                       extra={"state": case.state, "version": case.version})
    reason = text(fields, "reason", 500)

    def apply():
        case.extension_requested_days = days
        return record(case, "request_extension", case.state, user, fields, now, data={"days": days, "reason": reason})
    return apply


def _do_decide_extension(user, case, fields, now):
    if not case.extension_requested_days:
        raise Conflict("没有待审批的延期申请", code="no_pending_extension",
                       extra={"state": case.state, "version": case.version})
    approve = fields["approve"]
    if not isinstance(approve, bool):
        raise Invalid({"approve": "应为是或否"})
    if not approve and not text(fields, "note"):
        raise Invalid({"note": "不同意延期须说明理由"})

    def apply():
        days = case.extension_requested_days
        case.extension_requested_days = None
        event = record(case, "decide_extension", case.state, user, fields, now,
                       data={"approve": approve, "days": days})
        if approve:
            calendar = Calendar.load()
            d = deadline(case.handle_due_at or now, days, "workday", calendar)
            case.handle_due_at = d.due_at
            handling_deadline(case, event.seq, calendar, now)
            case.due_provisional = case.due_provisional or d.provisional
        return event
    return apply


def _do_answer(user, case, fields, now):
    result = text(fields, "result", 4000)
    measures = text(fields, "measures", 4000)
    attachments = fields.get("attachments") or []
    if not isinstance(attachments, list) or not all(isinstance(a, int) for a in attachments):
        raise Invalid({"attachments": "附件应为已上传文件的编号列表"})
    if attachments:
        found = db.session.scalars(select(CaseAttachment.id).where(CaseAttachment.id.in_(attachments),
                                                                    CaseAttachment.case_id == case.id)).all()
        if len(set(found)) != len(set(attachments)):
            raise Invalid({"attachments": "部分附件不存在"})

    def apply():
        on_time = case.handle_due_at is None or now <= case.handle_due_at
        event = record(case, "answer", "answered", user, fields, now,
                       data={"result": result, "measures": measures, "attachments": attachments, "on_time": on_time},
                       public_note=f"办理结果：{result}")
        case.answered_at, case.answered_on_time = now, on_time
        case.extension_requested_days = None
        apply_rule(case, "return_visit", now, Calendar.load(), event.seq)
        return event
    return apply



PLANS = {
    "assign": _do_assign,
    "sign": _do_sign,
    "return": _do_return,
    "request_extension": _do_request_extension,
    "decide_extension": _do_decide_extension,
    "answer": _do_answer,
}
