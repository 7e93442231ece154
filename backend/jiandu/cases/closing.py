"""The moves after the answer, and the supervision moves: 核查, 核查退回, 催办, 督办, 挂账, 挂账复查,
解除挂账, 回访, 办结销号, 重办.

A plan `(user, case, fields, now)` validates the move's fields and returns the function that applies it."""
from __future__ import annotations

from datetime import timedelta

from jiandu.cases.deadlines import (apply_rule, handling_deadline, handling_kind, set_deadline,
                                    start_department_clock)
from jiandu.cases.events import record
from jiandu.cases.move_fields import text
from jiandu.cases.moves import SATISFACTION_LABELS
from jiandu.errors import Conflict, Invalid
from jiandu.workdays import Calendar


def _do_verify(user, case, fields, now):
    def apply():
        return record(case, "verify", "verified", user, fields, now)
    return apply


def _do_send_back(user, case, fields, now):
    reason = text(fields, "reason", 500)

    def apply():
        event = record(case, "send_back", "signed", user, fields, now, data={"reason": reason})
        handling_deadline(case, event.seq, Calendar.load(), now)
        return event
    return apply


def _do_urge(user, case, fields, now):
    def apply():
        return record(case, "urge", case.state, user, fields, now, data={"due_at": case.due_at})
    return apply


def _do_escalate(user, case, fields, now):
    try:
        level = int(fields["level"])
    except (TypeError, ValueError):
        raise Invalid({"level": "督办级别应为 1–3"})
    if not 1 <= level <= 3:
        raise Invalid({"level": "督办级别应为 1–3"})
    if level <= (case.escalation_level or 0):
        raise Conflict(f"本案已是 {case.escalation_level} 级督办", code="already_escalated",
                       extra={"state": case.state, "version": case.version})

    def apply():
        case.escalation_level = level
        return record(case, "escalate", case.state, user, fields, now, data={"level": level})
    return apply


def _do_park(user, case, fields, now):
    reason = text(fields, "reason", 500)
    try:
        review_days = int(fields.get("review_days") or 30)
    except (TypeError, ValueError):
        raise Invalid({"review_days": "应为天数"})
    if not 1 <= review_days <= 366:
        raise Invalid({"review_days": "复查周期须为 1 到 366 天"})

    def apply():
        case.parked_review_at = now + timedelta(days=review_days)
        set_deadline(case, None)
        return record(case, "park", "parked", user, fields, now, data={"reason": reason, "review_days": review_days})
    return apply


def _do_review_parked(user, case, fields, now):
    review_days = int(fields.get("review_days") or 30)

    def apply():
        case.parked_review_at = now + timedelta(days=max(1, min(review_days, 366)))
        return record(case, "review_parked", "parked", user, fields, now, data={"review_days": review_days})
    return apply


def _do_unpark(user, case, fields, now):
    def apply():
        case.parked_review_at = None
        event = record(case, "unpark", "signed", user, fields, now)
        calendar = Calendar.load()
        apply_rule(case, handling_kind(case), now, calendar, event.seq)  # a fresh handling period
        case.handle_due_at = case.due_at
        return event
    return apply


def visit_fields(fields):
    resolved, satisfaction = fields["resolved"], fields["satisfaction"]
    errors = {}
    if not isinstance(resolved, bool):
        errors["resolved"] = "应为是否解决"
    if not isinstance(satisfaction, int) or isinstance(satisfaction, bool) or satisfaction not in SATISFACTION_LABELS:
        errors["satisfaction"] = "满意度应为 1–5（5 = 非常满意）"
    method = fields.get("method") or "phone"
    if method not in ("phone", "online", "visit"):
        errors["method"] = "回访方式须为电话、线上或上门"
    if errors:
        raise Invalid(errors)
    return resolved, satisfaction, method


def _do_return_visit(user, case, fields, now):
    resolved, satisfaction, method = visit_fields(fields)

    def apply():
        event = record(case, "return_visit", "revisited", user, fields, now,
                       data={"resolved": resolved, "satisfaction": satisfaction, "method": method,
                             "on_time": case.due_at is None or now <= case.due_at})
        case.resolved, case.satisfaction = resolved, satisfaction
        set_deadline(case, None)
        return event
    return apply


def _do_close(user, case, fields, now):
    if case.state == "verified" and not text(fields, "note"):
        raise Invalid({"note": "未经回访办结，须说明原因（如匿名无法回访）"})

    def apply():
        case.closed_at = now
        set_deadline(case, None)
        return record(case, "close", "closed", user, fields, now,
                      data={"on_time": case.answered_on_time, "without_visit": case.state == "verified"},
                      public_note="您的诉求已办结")
    return apply


def _do_reopen(user, case, fields, now):
    reason = text(fields, "reason", 500)
    if case.department_id is None:
        raise Conflict("本案没有承办单位，无法重办", code="no_department",
                       extra={"state": case.state, "version": case.version})

    def apply():
        case.reopen_count = (case.reopen_count or 0) + 1
        case.resolved = case.satisfaction = None
        case.answered_at = case.answered_on_time = None
        case.assigned_at = now
        event = record(case, "reopen", "assigned", user, fields, now,
                       data={"reason": reason, "department_id": case.department_id},
                       public_note="根据您的回访意见，已要求承办单位重新办理")
        start_department_clock(case, now, Calendar.load(), event.seq)
        return event
    return apply



PLANS = {
    "verify": _do_verify,
    "send_back": _do_send_back,
    "urge": _do_urge,
    "escalate": _do_escalate,
    "park": _do_park,
    "review_parked": _do_review_parked,
    "unpark": _do_unpark,
    "return_visit": _do_return_visit,
    "close": _do_close,
    "reopen": _do_reopen,
}
