"""The moves of the commission's intake desk: 建账, 不予受理, 并案, 移交问题线索, 报送上级.

A plan `(user, case, fields, now)` validates the move's fields and returns the function that applies it."""
from __future__ import annotations

from jiandu.cases.deadlines import set_deadline
from jiandu.cases.events import record
from jiandu.cases.models import CASE_TYPES, CHANNELS, FINAL_STATES, Case
from jiandu.cases.move_fields import text
from jiandu.cases.visibility import visible_cases
from jiandu.errors import Conflict, Invalid
from jiandu.extensions import db


def _do_register(user, case, fields, now):
    errors = {}
    if fields["case_type"] not in CASE_TYPES:
        errors["case_type"] = "类型须为服务诉求、作风效能或问题线索"
    if fields.get("channel") is not None and fields["channel"] not in CHANNELS:
        errors["channel"] = "未知的渠道"
    category = text(fields, "category", 32)
    severity = text(fields, "severity", 16)
    if errors:
        raise Invalid(errors)

    def apply():
        case.case_type, case.category = fields["case_type"], category
        case.severity = severity or case.severity or "normal"
        if fields.get("channel"):
            case.channel = fields["channel"]
        if text(fields, "summary", 200):
            case.summary = text(fields, "summary", 200)
        return record(case, "register", "registered", user, fields, now,
                      data={"case_type": case.case_type, "category": category, "severity": case.severity},
                      public_note="您的诉求已登记建账")
    return apply


def _do_not_accept(user, case, fields, now):
    reason = text(fields, "reason", 500)

    def apply():
        set_deadline(case, None)
        case.closed_at = now
        return record(case, "not_accept", "not_accepted", user, fields, now, data={"reason": reason},
                      public_note=f"不予受理：{reason}")
    return apply


def _do_merge(user, case, fields, now):
    try:
        into_id = int(fields["into_case_id"])
    except (TypeError, ValueError):
        raise Invalid({"into_case_id": "应为案件编号"})
    if into_id == case.id:
        raise Invalid({"into_case_id": "不能并入本案"})
    target = db.session.scalar(visible_cases(user).where(Case.id == into_id))
    if target is None:
        raise Invalid({"into_case_id": "找不到要并入的案件"})
    if target.state in FINAL_STATES:
        raise Invalid({"into_case_id": "不能并入已结束的案件"})

    def apply():
        case.merged_into_id = target.id
        set_deadline(case, None)
        case.closed_at = now
        return record(case, "merge", "merged", user, fields, now,
                      data={"into": target.id, "into_number": target.number},
                      public_note=f"您的诉求已与同类问题合并办理（{target.number}）")
    return apply


def _do_hand_over(user, case, fields, now):
    if case.case_type != "lead":
        raise Conflict("只有“问题线索”类案件可以移交信访/监督检查部门", code="wrong_type",
                       extra={"state": case.state, "version": case.version})
    office = text(fields, "office", 64)

    def apply():
        set_deadline(case, None)
        case.closed_at = now
        return record(case, "hand_over", "handed_over", user, fields, now, data={"office": office},
                      public_note="您反映的问题已移交有关部门依规依纪处理")
    return apply


def _do_send_up(user, case, fields, now):
    reason = text(fields, "reason", 500)

    def apply():
        case.restricted = True
        set_deadline(case, None)
        return record(case, "send_up", "sent_up", user, fields, now, data={"reason": reason},
                      public_note="您反映的问题已按规定报送上级处理")
    return apply



PLANS = {
    "register": _do_register,
    "not_accept": _do_not_accept,
    "merge": _do_merge,
    "hand_over": _do_hand_over,
    "send_up": _do_send_up,
}
