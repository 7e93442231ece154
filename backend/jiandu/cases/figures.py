"""Case figures for a period and a scope. The definitions below are the definitions (see FIGURES.md).

The period is [from, to] in Asia/Shanghai calendar days; the scope is the cases the user may see
(optionally one jurisdiction's subtree). Every figure counts *events* that happened in the period,
so a figure for March does not change when a case moves in April. A rate whose denominator is 0 is
null (not 0, not 100%).

- on_time_sign_rate   = sign-fors (签收) in the period made by the sign-for deadline
                        ÷ sign-fors in the period.
- on_time_close_rate  = closures (办结) in the period whose department answer (反馈) came by the
                        handling deadline in force (extensions included)
                        ÷ closures in the period.
- overdue_count       = distinct cases whose deadline passed unmet in the period (a red warning
                        raised in the period); `overdue_open_now` = open cases past their deadline now.
- resolution_rate     = return visits (回访) in the period answered "resolved" ÷ return visits.
- satisfaction_rate   = return visits in the period rated 非常满意 or 满意 (and 基本满意 when
                        CASES_SATISFACTION_COUNTS_BASIC is set) ÷ return visits.
- return_visit_rate   = closures in the period preceded by a return visit ÷ closures in the period.
- reopen_rate         = reopenings (重办) in the period ÷ return visits in the period.
- return_rate         = returns as misrouted (退回) in the period ÷ assignments (转办, incl. re-routing)
                        in the period.
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from jiandu.cases.ledger import _local_day_start
from jiandu.cases.models import OPEN_STATES, Case, CaseEvent, CaseWarning
from jiandu.cases.moves import SATISFIED_LEVELS
from jiandu.cases.visibility import visible_cases
from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, User
from jiandu.org.scope import get_visible
from jiandu.timeutil import utcnow

ACTIONS = ("sign", "close", "return_visit", "reopen", "return", "assign")


def _rate(numerator: int, denominator: int):
    return None if denominator == 0 else round(numerator / denominator, 4)


def figures(user: User, start: date, end: date, jurisdiction_id: int | None = None) -> dict:
    lo, hi = _local_day_start(start), _local_day_start(end + timedelta(days=1))
    cases = visible_cases(user, select(Case.id))
    if jurisdiction_id:
        place = get_visible(user, Jurisdiction, jurisdiction_id, "辖区")
        subtree = select(Jurisdiction.id).where(Jurisdiction.path.startswith(place.path))
        cases = cases.where(Case.jurisdiction_id.in_(subtree))
    rows = db.session.execute(
        select(CaseEvent.case_id, CaseEvent.action, CaseEvent.data)
        .where(CaseEvent.case_id.in_(cases), CaseEvent.action.in_(ACTIONS), CaseEvent.at >= lo, CaseEvent.at < hi)
    ).all()
    count = Counter(action for _, action, _ in rows)
    data = [(case_id, action, json.loads(raw) if raw else {}) for case_id, action, raw in rows]
    signs_on_time = sum(1 for _, a, d in data if a == "sign" and d.get("on_time"))
    closes_on_time = sum(1 for _, a, d in data if a == "close" and d.get("on_time"))
    visits = [d for _, a, d in data if a == "return_visit"]
    satisfied = set(SATISFIED_LEVELS) | ({3} if current_app.config.get("CASES_SATISFACTION_COUNTS_BASIC") else set())
    closes_without_visit = sum(1 for _, a, d in data if a == "close" and d.get("without_visit"))
    overdue = db.session.scalar(select(func.count(func.distinct(CaseWarning.case_id))).where(
        CaseWarning.level == "red", CaseWarning.raised_at >= lo, CaseWarning.raised_at < hi,
        CaseWarning.case_id.in_(cases)))
    overdue_now = db.session.scalar(select(func.count()).select_from(
        cases.where(Case.state.in_(OPEN_STATES), Case.due_at < utcnow()).subquery()))
    return {
        "from": start.isoformat(), "to": end.isoformat(),
        "counts": {
            "signed": count["sign"], "signed_on_time": signs_on_time, "closed": count["close"],
            "closed_on_time": closes_on_time, "return_visits": len(visits),
            "resolved": sum(1 for d in visits if d.get("resolved")),
            "satisfied": sum(1 for d in visits if d.get("satisfaction") in satisfied),
            "reopened": count["reopen"], "returned": count["return"], "assigned": count["assign"],
        },
        "on_time_sign_rate": _rate(signs_on_time, count["sign"]),
        "on_time_close_rate": _rate(closes_on_time, count["close"]),
        "overdue_count": overdue or 0,
        "overdue_open_now": overdue_now or 0,
        "resolution_rate": _rate(sum(1 for d in visits if d.get("resolved")), len(visits)),
        "satisfaction_rate": _rate(sum(1 for d in visits if d.get("satisfaction") in satisfied), len(visits)),
        "return_visit_rate": _rate(count["close"] - closes_without_visit, count["close"]),
        "reopen_rate": _rate(count["reopen"], len(visits)),
        "return_rate": _rate(count["return"], count["assign"]),
        "satisfaction_counts_basic": 3 in satisfied,
    }
