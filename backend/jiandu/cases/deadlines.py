"""Deadlines: the rules in force (a jurisdiction's own, an ancestor's, or the default), and the
clocks a move starts or stops on a case (sign-for after 转办, handling after 签收, return visit after 反馈)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from jiandu import audit
from jiandu.cases.models import Case, DeadlineRule
from jiandu.cases.visibility import require
from jiandu.errors import Invalid
from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, User
from jiandu.org.scope import get_visible
from jiandu.workdays import Calendar, _local, _warn_point, deadline


DEFAULT_RULES = {
    # kind: (amount, unit, basis)
    "sign_for": (1, "workday", "assignment"),
    "service_request": (5, "workday", "assignment"),
    "work_style": (15, "workday", "assignment"),
    "bad_rating": (15, "workday", "assignment"),
    "return_visit": (3, "workday", "answer"),
    "recommendation_reply": (30, "day", "issue"),
}
ESCALATE_AFTER_WORKDAYS = 3  # 督办 automatically after this many working days overdue
MAX_EXTENSION_WORKDAYS = 30


@dataclass(frozen=True)
class Rule:
    kind: str
    amount: int
    unit: str
    basis: str
    jurisdiction_id: int | None = None  # None: the built-in default


def rule_for(kind: str, jurisdiction_id: int | None) -> Rule:
    """The rule of the nearest jurisdiction up the tree that has one; else the default."""
    if jurisdiction_id is not None:
        path = db.session.scalar(select(Jurisdiction.path).where(Jurisdiction.id == jurisdiction_id)) or ""
        ids = [int(part) for part in path.strip("/").split("/") if part]
        if ids:
            rows = {r.jurisdiction_id: r for r in db.session.scalars(
                select(DeadlineRule).where(DeadlineRule.kind == kind, DeadlineRule.jurisdiction_id.in_(ids)))}
            for jid in reversed(ids):
                if jid in rows:
                    r = rows[jid]
                    return Rule(kind, r.amount, r.unit, r.basis, jid)
    amount, unit, basis = DEFAULT_RULES[kind]
    return Rule(kind, amount, unit, basis)


def rules_for(jurisdiction_id: int) -> list[Rule]:
    return [rule_for(kind, jurisdiction_id) for kind in DEFAULT_RULES]


def set_rule(actor: User, jurisdiction_id: int, kind: str, amount: int, unit: str, basis: str) -> DeadlineRule:
    require(actor.role == "admin", "只有管理员可以修改办理时限")
    get_visible(actor, Jurisdiction, jurisdiction_id, "辖区")
    errors = {}
    if kind not in DEFAULT_RULES:
        errors["kind"] = "未知的时限类型"
    if unit not in ("workday", "day", "hour"):
        errors["unit"] = "单位须为工作日、自然日或小时"
    if basis not in ("receipt", "assignment", "answer", "issue"):
        errors["basis"] = "起算点须为受理、转办、反馈或印发"
    if not isinstance(amount, int) or not 0 < amount <= 1000:
        errors["amount"] = "时限须为 1 到 1000 之间的整数"
    if errors:
        raise Invalid(errors)
    row = db.session.scalar(select(DeadlineRule).where(DeadlineRule.jurisdiction_id == jurisdiction_id,
                                                       DeadlineRule.kind == kind))
    if row is None:
        row = DeadlineRule(jurisdiction_id=jurisdiction_id, kind=kind)
        db.session.add(row)
    row.amount, row.unit, row.basis, row.updated_by = amount, unit, basis, actor.id
    audit.record(actor.id, "deadline_rule_set", row, kind=kind, amount=amount, unit=unit, basis=basis)
    return row


def handling_kind(case: Case) -> str:
    if case.category == "bad_rating":
        return "bad_rating"
    if case.case_type == "work_style":
        return "work_style"
    return "service_request"


def basis_time(case: Case, basis: str, now: datetime) -> datetime:
    if basis == "receipt":
        return case.created_at
    if basis == "answer":
        return case.answered_at or now
    return case.assigned_at or now


def set_deadline(case: Case, kind: str | None, due_at: datetime | None = None, warn_at=None,
                  provisional: bool = False, seq: int | None = None) -> None:
    case.deadline_kind, case.due_at, case.warn_at, case.due_provisional = kind, due_at, warn_at, provisional
    case.deadline_seq = seq
    case.warning = "none"


def apply_rule(case: Case, kind: str, now: datetime, calendar: Calendar, seq: int):
    rule = rule_for(kind, case.jurisdiction_id)
    d = deadline(basis_time(case, rule.basis, now), rule.amount, rule.unit, calendar)
    set_deadline(case, kind, d.due_at, d.warn_at, d.provisional, seq)
    return d



def start_department_clock(case: Case, now: datetime, calendar: Calendar, seq: int) -> None:
    """After assignment: the sign-for deadline now, the handling deadline kept for the sign-for."""
    rule = rule_for(handling_kind(case), case.jurisdiction_id)
    handling = deadline(basis_time(case, rule.basis, now), rule.amount, rule.unit, calendar)
    case.handle_due_at = handling.due_at
    d = apply_rule(case, "sign_for", now, calendar, seq)
    case.sign_due_at = d.due_at
    case.signed_at = None
    case.extension_requested_days = None


def handling_deadline(case: Case, seq: int, calendar: Calendar, now: datetime) -> None:
    due = case.handle_due_at
    if due is None:
        apply_rule(case, handling_kind(case), now, calendar, seq)
        case.handle_due_at = case.due_at
        return
    # The yellow moment: two thirds of the working time from assignment to the deadline.
    start = case.assigned_at or case.created_at
    rule = rule_for(handling_kind(case), case.jurisdiction_id)
    if rule.unit == "workday":
        days, day, end = [], _local(start).date(), _local(due).date()
        while day < end:
            day += timedelta(days=1)
            if calendar.is_workday(day):
                days.append(day)
        warn = _warn_point(start, _local(start).date(), days, due, calendar, 2 / 3)
        provisional = not all(calendar.knows(d) for d in (_local(start).date(), end))
    else:
        warn, provisional = start + (due - start) * 2 / 3, False
    set_deadline(case, handling_kind(case), due, warn, provisional, seq)

