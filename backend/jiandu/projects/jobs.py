"""The timeout scan of approvals and payments (预警 yellow/red, and a lead 线索 when overdue).

`scan_timeouts_job` is what the scheduler calls (every SCAN_INTERVAL_SECONDS). The colour days of
every item were worked out when it was written (`yellow_on`, `due_on`), so one scan is a few
indexed UPDATE … RETURNING statements that *claim* the items changing level (only one scanner can
claim an item), then bulk inserts of what follows: one warning row per item and level (unique),
for red a lead case (`case_type="lead"`, `channel="project_app"`) with its first event, and one
outbox event each — all in the scan's transaction.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from jiandu.cases.service import open_cases
from jiandu.extensions import db
from jiandu.notify.service import emit_many
from jiandu.org.models import Point, Project
from jiandu.projects import rules
from jiandu.projects.models import ApprovalItem, Payment, ProjectWarning
from jiandu.projects.settings import settings
from jiandu.queue import run_alone
from jiandu.timeutil import utcnow
from jiandu.workdays import Calendar

SCAN_INTERVAL_SECONDS = 15 * 60
LOCK_NAME = "jiandu:projects:timeout-scan"
CHUNK = 5000


def _insert_ignore(table, rows) -> None:
    if not rows:
        return
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(table).on_conflict_do_nothing(), rows)


def refresh_provisional(calendar: Calendar, percent: int) -> int:
    """Open items whose days were worked out on an unknown calendar year: work them out again."""
    rows = db.session.execute(select(ApprovalItem.id, ApprovalItem.submitted_on, ApprovalItem.promised_days)
                              .where(ApprovalItem.provisional.is_(True), ApprovalItem.done_on.is_(None))).all()
    changes = []
    for item_id, submitted_on, promised in rows:
        d = rules.approval_dates(submitted_on, promised, calendar, percent)
        changes.append({"b_id": item_id, "b_yellow": d.yellow_on, "b_due": d.due_on, "b_prov": d.provisional})
    if changes:
        table = ApprovalItem.__table__
        db.session.execute(table.update().where(table.c.id == bindparam("b_id")).values(
            yellow_on=bindparam("b_yellow"), due_on=bindparam("b_due"), provisional=bindparam("b_prov")), changes)
    return len(changes)


def _claim(model, level: str, condition, columns):
    """Set `warning = level` on the items meeting `condition`; return the claimed rows."""
    statement = (update(model).where(condition).values(warning=level).returning(*columns)
                 .execution_options(synchronize_session=False))
    return db.session.execute(statement).all()


def _points(project_ids) -> dict[int, int]:
    found: dict[int, int] = {}
    ids = list(project_ids)
    for start in range(0, len(ids), CHUNK):
        for point_id, project_id in db.session.execute(
                select(Point.id, Point.project_id).where(Point.project_id.in_(ids[start:start + CHUNK]),
                                                         Point.type == "project").order_by(Point.id.desc())):
            found[project_id] = point_id
    return found


def _project_names(project_ids) -> dict[int, str]:
    names: dict[int, str] = {}
    ids = list(project_ids)
    for start in range(0, len(ids), CHUNK):
        names.update(db.session.execute(select(Project.id, Project.name)
                                        .where(Project.id.in_(ids[start:start + CHUNK]))).all())
    return names


def open_leads(leads: list[dict], now: datetime) -> list[int]:
    """Open many lead cases at once through cases' one way into the loop, for the scan. leads: dicts
    with summary, jurisdiction_id, point_id, category, source. Returns the new case ids in the same order."""
    return open_cases([{**lead, "channel": "project_app", "case_type": "lead"} for lead in leads], now)


def _raise(kind: str, level: str, rows, today: date, now: datetime, names: dict, points: dict) -> int:
    """rows: (id, project_id, jurisdiction_id, due_on, title). Warning rows, leads for red, outbox."""
    total = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        case_ids = [None] * len(chunk)
        if level == "red":
            what = "审批事项超过承诺时限" if kind == "approval" else "应付账款逾期未付"
            case_ids = open_leads([{
                "summary": f"{what}｜{names.get(r[1], '')}：{r[4]}（应于 {r[3]:%Y-%m-%d} 前）",
                "jurisdiction_id": r[2], "point_id": points.get(r[1]),
                "category": "approval_timeout" if kind == "approval" else "payment_overdue",
                "source": f"{kind}:{r[0]}"} for r in chunk], now)
            model = ApprovalItem if kind == "approval" else Payment
            table = model.__table__
            db.session.execute(table.update().where(table.c.id == bindparam("b_id")).values(
                lead_case_id=bindparam("b_case")), [{"b_id": r[0], "b_case": c} for r, c in zip(chunk, case_ids)])
        _insert_ignore(ProjectWarning.__table__, [
            {"item_kind": kind, "item_id": r[0], "level": level, "project_id": r[1], "jurisdiction_id": r[2],
             "due_on": r[3], "case_id": c, "raised_at": now} for r, c in zip(chunk, case_ids)])
        emit_many([(f"project.{kind}.{level}", {
            "item_id": r[0], "project_id": r[1], "jurisdiction_id": r[2], "due_on": r[3].isoformat(),
            "title": r[4], "level": level, "case_id": c}) for r, c in zip(chunk, case_ids)])
        total += len(chunk)
    return total


def scan_timeouts(now: datetime | None = None, calendar: Calendar | None = None) -> dict:
    """One pass; the caller commits. Returns how many of each were raised."""
    now = now or utcnow()
    today = rules.local_today(now)
    s = settings()
    calendar = calendar or Calendar.load()
    result = {"refreshed": refresh_provisional(calendar, s["approval_yellow_percent"])}
    a, p = ApprovalItem, Payment
    a_cols = (a.id, a.project_id, a.jurisdiction_id, a.due_on, a.name)
    p_cols = (p.id, p.project_id, p.jurisdiction_id, p.due_on, p.contract_name)
    claimed = {
        ("approval", "red"): _claim(a, "red", (a.warning.in_(("none", "yellow"))) & a.done_on.is_(None)
                                    & (a.due_on < today), a_cols),
        ("approval", "yellow"): _claim(a, "yellow", (a.warning == "none") & a.done_on.is_(None)
                                       & (a.yellow_on <= today) & (a.due_on >= today), a_cols),
        ("payment", "red"): _claim(p, "red", (p.warning.in_(("none", "yellow"))) & p.paid_on.is_(None)
                                   & (p.due_on < today), p_cols),
        ("payment", "yellow"): _claim(p, "yellow", (p.warning == "none") & p.paid_on.is_(None)
                                      & (p.due_on <= today + timedelta(days=s["payment_warn_days"]))
                                      & (p.due_on >= today), p_cols),
    }
    red_projects = {r[1] for key, rows in claimed.items() if key[1] == "red" for r in rows}
    names, points = _project_names(red_projects), _points(red_projects)
    for (kind, level), rows in claimed.items():
        result[f"{kind}_{level}"] = _raise(kind, level, rows, today, now, names, points)
    db.session.flush()
    db.session.expire_all()
    return result


def scan_timeouts_job() -> dict:
    """The scheduled job: one scan at a time across all workers, then commit."""
    return run_alone(LOCK_NAME, SCAN_INTERVAL_SECONDS, scan_timeouts, "another scan is running")
