"""RQ jobs of the closed loop: the deadline scan (预警 yellow/red, 催办, automatic 督办, 挂账 review).

`scan_deadlines_job` is what the scheduler calls every SCAN_INTERVAL_SECONDS. It touches only the
cases that need a change (indexed on warning/warn_at and state/due_at), so a scan over half a million
open cases costs what the changes cost. Every warning is a unique row in case_warnings (case,
deadline, level): raised once, even when two workers scan at the same moment; each one writes a
notification event to the outbox in the same transaction.
"""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jiandu.cases.models import OPEN_STATES, Case, CaseEvent, CaseWarning, Recommendation
from jiandu.cases.deadlines import ESCALATE_AFTER_WORKDAYS
from jiandu.cases.moves import MOVES
from jiandu.extensions import db
from jiandu.notify.service import emit, emit_many
from jiandu.queue import run_alone
from jiandu.timeutil import LOCAL, iso_utc, utcnow
from jiandu.workdays import Calendar

SCAN_INTERVAL_SECONDS = 15 * 60
CHUNK = 2000
REMIND_AT_HOUR = 9
LOCK_NAME = "jiandu:cases:deadline-scan"


def _insert_for(dialect: str):
    """The INSERT that knows ON CONFLICT DO NOTHING on this database."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _insert_ignore(table, rows):
    if not rows:
        return
    insert = _insert_for(db.session.get_bind().dialect.name)
    db.session.execute(insert(table).on_conflict_do_nothing(), rows)


def _chunks(rows, size=CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _raise(level: str, rows, now: datetime, set_columns: dict | None = None, event_action: str | None = None):
    """rows: (id, deadline_seq, due_at, number, department_id, jurisdiction_id)."""
    count = 0
    for chunk in _chunks(rows):
        ids = [r[0] for r in chunk]
        _insert_ignore(CaseWarning.__table__, [
            {"case_id": r[0], "deadline_seq": r[1] or 0, "level": level, "due_at": r[2], "raised_at": now}
            for r in chunk])
        if set_columns:
            db.session.execute(update(Case).where(Case.id.in_(ids)).values(**set_columns)
                               .execution_options(synchronize_session=False))
        if event_action:
            _system_events(chunk, event_action, now, level)
        emit_many([(f"case.{level}", {"case_id": r[0], "number": r[3], "level": level, "due_at": iso_utc(r[2]),
                                      "department_id": r[4], "jurisdiction_id": r[5]}) for r in chunk])
        count += len(chunk)
    return count


def _system_events(chunk, action: str, now: datetime, level: str) -> None:
    """催办 / 督办 by the system: an event each, in the case's history (state unchanged)."""
    states = dict(db.session.execute(select(Case.id, Case.state).where(Case.id.in_([r[0] for r in chunk]))).all())
    chunk = [r for r in chunk if states[r[0]] in MOVES[action].sources]  # the department's deadlines only
    if not chunk:
        return
    ids = [r[0] for r in chunk]
    last = dict(db.session.execute(select(CaseEvent.case_id, func.max(CaseEvent.seq))
                                   .where(CaseEvent.case_id.in_(ids)).group_by(CaseEvent.case_id)).all())
    data = json.dumps({"auto": True, "level": 1} if action == "escalate" else {"auto": True})
    db.session.execute(db.insert(CaseEvent), [
        {"case_id": r[0], "seq": last.get(r[0], 0) + 1, "action": action, "from_state": states[r[0]],
         "to_state": states[r[0]], "actor_id": None, "actor_kind": "system", "data": data, "at": now,
         "note": None, "public_note": None} for r in chunk])


def _columns():
    return (Case.id, Case.deadline_seq, Case.due_at, Case.number, Case.department_id, Case.jurisdiction_id)


def scan_deadlines(now: datetime | None = None, calendar: Calendar | None = None) -> dict:
    """One pass; the caller commits. Returns how many of each were raised."""
    now = now or utcnow()
    calendar = calendar or Calendar.load()
    open_ = Case.state.in_(OPEN_STATES)
    result = {}
    # Yellow: two thirds of the time used, not yet due.
    yellow = db.session.execute(select(*_columns()).where(
        Case.warning == "none", Case.warn_at <= now, Case.due_at > now, open_)).all()
    result["yellow"] = _raise("yellow", yellow, now, {"warning": "yellow"})
    # Red: overdue.
    red = db.session.execute(select(*_columns()).where(
        Case.warning.in_(("none", "yellow")), Case.due_at <= now, open_)).all()
    result["red"] = _raise("red", red, now, {"warning": "red"})
    # 催办: the day after the deadline, once per deadline.
    local_now = now.replace(tzinfo=timezone.utc).astimezone(LOCAL)
    local_today = local_now.date()
    # From REMIND_AT_HOUR in the morning of the day after the deadline's day.
    remind_day = (local_now - timedelta(hours=REMIND_AT_HOUR)).date()
    today_start = datetime.combine(remind_day, time.min, tzinfo=LOCAL).astimezone(timezone.utc).replace(tzinfo=None)
    remind = db.session.execute(select(*_columns()).where(
        Case.due_at < today_start, open_, Case.deadline_seq.is_not(None),
        or_(Case.reminded_seq.is_(None), Case.reminded_seq != Case.deadline_seq))).all()
    result["reminder"] = _raise("reminder", remind, now, {"reminded_seq": Case.deadline_seq}, "urge")
    # 督办: N working days overdue and not yet escalated. "N working days after the deadline's day"
    # is monotonic in that day, so it is one cut-off date, and the query stays in SQL.
    cutoff = local_today
    while calendar.workdays_between(cutoff, local_today) < ESCALATE_AFTER_WORKDAYS:
        cutoff -= timedelta(days=1)
    cutoff_end = datetime.combine(cutoff + timedelta(days=1), time.min, tzinfo=LOCAL).astimezone(
        timezone.utc).replace(tzinfo=None)
    escalate = db.session.execute(select(*_columns()).where(
        Case.due_at < cutoff_end, open_, Case.escalation_level == 0)).all()
    result["escalation"] = _raise("escalation", escalate, now, {"escalation_level": 1}, "escalate")
    result["park_review"] = _park_reviews(now)
    result["recommendation_overdue"] = _recommendations_overdue(now)
    db.session.flush()
    db.session.expire_all()  # bulk changes: objects in this session reload
    return result


PARK_REVIEW = "park_review"


def _park_reviews(now: datetime) -> int:
    """挂账 whose review date has come: one reminder per case and review date. The review date is
    set by the last 挂账 or 挂账复查 event, whose seq keys the warning row (case, seq, park_review);
    only a newly inserted row writes the outbox event, so two scans never tell twice."""
    set_by = (select(func.max(CaseEvent.seq))
              .where(CaseEvent.case_id == Case.id, CaseEvent.action.in_(("park", "review_parked")))
              .correlate(Case).scalar_subquery())
    already = exists().where(CaseWarning.case_id == Case.id, CaseWarning.level == PARK_REVIEW,
                             CaseWarning.deadline_seq == set_by)
    rows = db.session.execute(select(Case.id, set_by, Case.parked_review_at, Case.number, Case.department_id,
                                     Case.jurisdiction_id)
                              .where(Case.state == "parked", Case.parked_review_at <= now, ~already)).all()
    insert = _insert_for(db.session.get_bind().dialect.name)
    count = 0
    for case_id, seq, review_at, number, department_id, jurisdiction_id in rows:
        inserted = db.session.execute(insert(CaseWarning.__table__).values(
            case_id=case_id, deadline_seq=seq or 0, level=PARK_REVIEW, due_at=review_at, raised_at=now)
            .on_conflict_do_nothing().returning(CaseWarning.__table__.c.id)).first()
        if inserted is None:
            continue
        emit("case.park_review", {"case_id": case_id, "number": number, "level": PARK_REVIEW,
                                  "due_at": iso_utc(review_at), "department_id": department_id,
                                  "jurisdiction_id": jurisdiction_id})
        count += 1
    return count


def _recommendations_overdue(now: datetime) -> int:
    """A recommendation whose reply is overdue: one outbox event (kept once by a unique warning-like key)."""
    rows = db.session.scalars(select(Recommendation).where(
        Recommendation.state == "issued", Recommendation.reply_due_at <= now,
        Recommendation.reply_overdue_notified.is_(False))).all()
    for rec in rows:
        rec.reply_overdue_notified = True
        emit("recommendation.reply_overdue", {"recommendation_id": rec.id, "number": rec.number,
                                              "unit_id": rec.unit_id, "due_at": iso_utc(rec.reply_due_at)})
    return len(rows)


def scan_deadlines_job() -> dict:
    """The scheduled job: one scan at a time across all workers, then commit."""
    return run_alone(LOCK_NAME, SCAN_INTERVAL_SECONDS, scan_deadlines, "another scan is running")
