"""Benchmark: the approvals/payments timeout scan over 20,000 projects, 400,000 approval items and
200,000 payments.

Run alone: `.venv/bin/python bench/projects.py` (also run by `make bench`). It builds its own SQLite
database in a temp dir and prints

  bench timeout_scan_ratio: X (goal <= 2)

timeout_scan_ratio = time of the scan ÷ time of one plain SQL pass over the same two tables (every
open item's colour worked out by a CASE over the whole table), in the same run (best of REPEAT each).
The scan timed is the first one after midnight, when a whole day's items change colour: the previous
scan ran the day before (that one is not timed). The timed scan raises every yellow and red warning of
the day, opens a lead for every newly overdue item and writes their outbox events; it is rolled back
after each repetition so every repetition does the same work.

Also printed, for information: the cold scan (an empty warnings table: every overdue item of the
whole data set gets its warning and lead at once) against the same plain pass.
"""
from __future__ import annotations

import bisect
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))
sys.path.insert(0, str(ROOT / "bench" / "apps"))

from bench_city import city_skeleton, make_app  # noqa: E402

N_PROJECTS = int(os.environ.get("BENCH_PROJECTS", "20000"))
N_APPROVALS = int(os.environ.get("BENCH_APPROVALS", "400000"))
N_PAYMENTS = int(os.environ.get("BENCH_PAYMENTS", "200000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
TODAY = date(2025, 6, 18)  # a Wednesday on the known calendar (no provisional days)
CHUNK = 50000


def moment(day: date, hour: int) -> datetime:
    from jiandu.timeutil import LOCAL

    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL).astimezone(timezone.utc).replace(tzinfo=None)


class Workdays:
    """The n-th working day after a date, by bisection over a precomputed list (for building data fast)."""

    def __init__(self, start: date, end: date):
        from jiandu.workdays import Calendar

        calendar = Calendar()
        self.days = [start + timedelta(days=i) for i in range((end - start).days)
                     if calendar.is_workday(start + timedelta(days=i))]

    def after(self, day: date, n: int) -> date:
        return self.days[bisect.bisect_right(self.days, day) + n - 1]


def build(app) -> None:
    from sqlalchemy import insert

    from jiandu.extensions import db
    from jiandu.org.models import Point, Project
    from jiandu.projects.models import ApprovalItem, Payment, project_departments
    from jiandu.projects.rules import payment_due, yellow_threshold

    rng = random.Random(8)
    _city, counties, departments = city_skeleton(counties=10, departments=40, city_departments=False)
    jids = [c.id for c in counties]
    dept_ids = [u.id for u in departments]
    now = datetime(2025, 1, 1)
    db.session.execute(insert(Project), [
        {"name": f"重大项目{i}", "project_code": f"2024-150200-00-00-{i:06d}", "owner_enterprise": f"企业{i}",
         "jurisdiction_id": jids[i % 10], "stage": "construction_permit", "active": True, "created_at": now,
         "version": 1} for i in range(N_PROJECTS)])
    project_ids = list(db.session.scalars(db.select(Project.id).order_by(Project.id)))
    db.session.execute(insert(Point), [
        {"code": f"B{i:08d}", "type": "project", "name": f"重大项目{i}", "project_id": pid,
         "jurisdiction_id": jids[i % 10], "active": True, "version": 1, "created_at": now, "updated_at": now}
        for i, pid in enumerate(project_ids)])
    db.session.execute(project_departments.insert(), [
        {"project_id": pid, "department_id": dept_ids[(i * 3 + k) % 40]} for i, pid in enumerate(project_ids)
        for k in range(2)])
    workdays = Workdays(TODAY - timedelta(days=800), TODAY + timedelta(days=400))
    rows = []
    for i in range(N_APPROVALS):
        pid = project_ids[i % N_PROJECTS]
        promised = rng.choice((3, 5, 7, 10, 15, 20))
        # 70 % done long ago; the open 30 % submitted over the last 45 days.
        done = rng.random() < 0.7
        submitted = TODAY - timedelta(days=rng.randint(60, 700) if done else rng.randint(0, 45))
        yellow_on = workdays.after(submitted, yellow_threshold(promised, 80))
        due_on = workdays.after(submitted, promised)
        done_on = workdays.after(submitted, max(1, promised + rng.randint(-2, 2))) if done else None
        rows.append({"project_id": pid, "jurisdiction_id": jids[(i % N_PROJECTS) % 10],
                     "department_id": dept_ids[((i % N_PROJECTS) * 3) % 40], "name": f"审批事项{i % 12}",
                     "submitted_on": submitted, "statutory_days": promised * 2, "promised_days": promised,
                     "done_on": done_on, "yellow_on": yellow_on, "due_on": due_on, "provisional": False,
                     "warning": "none", "version": 1, "created_at": now, "updated_at": now})
        if len(rows) == CHUNK:
            db.session.execute(insert(ApprovalItem), rows)
            rows = []
    if rows:
        db.session.execute(insert(ApprovalItem), rows)
    rows = []
    for i in range(N_PAYMENTS):
        pid = project_ids[i % N_PROJECTS]
        paid = rng.random() < 0.8
        delivered = TODAY - timedelta(days=rng.randint(60, 700) if paid else rng.randint(0, 90))
        due = payment_due(delivered, "government", None)
        rows.append({"project_id": pid, "jurisdiction_id": jids[(i % N_PROJECTS) % 10],
                     "contract_name": f"合同{i}", "payer": "某局", "payer_kind": "government",
                     "amount_fen": rng.randint(10**6, 10**10), "delivered_on": delivered, "due_on": due.due_on,
                     "due_rule": due.rule, "paid_on": delivered + timedelta(days=rng.randint(5, 40)) if paid else None,
                     "warning": "none", "version": 1, "created_at": now, "updated_at": now})
        if len(rows) == CHUNK:
            db.session.execute(insert(Payment), rows)
            rows = []
    if rows:
        db.session.execute(insert(Payment), rows)
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()


def plain_pass() -> int:
    """One plain SQL pass: every item's colour today, by CASE over the whole of both tables."""
    from jiandu.extensions import db

    t = TODAY.isoformat()
    warn = (TODAY + timedelta(days=5)).isoformat()
    approvals = db.session.execute(db.text(
        "SELECT id, project_id, due_on, CASE WHEN done_on IS NOT NULL THEN 'done' WHEN due_on < :t THEN 'red' "
        "WHEN yellow_on <= :t THEN 'yellow' ELSE 'green' END AS colour FROM approval_items"), {"t": t}).all()
    payments = db.session.execute(db.text(
        "SELECT id, project_id, due_on, CASE WHEN paid_on IS NOT NULL THEN 'paid' WHEN due_on < :t THEN 'red' "
        "WHEN due_on <= :w THEN 'yellow' ELSE 'green' END AS colour FROM project_payments"),
        {"t": t, "w": warn}).all()
    db.session.rollback()
    return sum(1 for r in [*approvals, *payments] if r[3] in ("red", "yellow"))


def timed(work, repeat: int, rollback: bool) -> tuple[float, object]:
    from jiandu.extensions import db

    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - start
        if rollback:
            db.session.rollback()
        best = min(best, elapsed)
    return best, result


def main() -> None:
    from jiandu.extensions import db
    from jiandu.projects import jobs
    from jiandu.workdays import Calendar

    tmp = Path(tempfile.mkdtemp(prefix="jiandu-bench-projects-"))
    app = make_app(f"sqlite:///{tmp / 'bench.sqlite3'}", tmp)
    with app.app_context():
        started = time.perf_counter()
        build(app)
        print(f"# built {N_PROJECTS} projects, {N_APPROVALS} approval items, {N_PAYMENTS} payments "
              f"in {time.perf_counter() - started:.1f}s", flush=True)
        calendar = Calendar.load()
        plain, non_green = timed(plain_pass, REPEAT, rollback=True)
        cold, cold_result = timed(lambda: jobs.scan_timeouts(now=moment(TODAY, 0) + timedelta(minutes=5),
                                                             calendar=calendar), REPEAT, rollback=True)
        # The day before: warnings as yesterday's last scan left them (committed, not timed).
        jobs.scan_timeouts(now=moment(TODAY - timedelta(days=1), 23), calendar=calendar)
        db.session.commit()
        daily, daily_result = timed(lambda: jobs.scan_timeouts(now=moment(TODAY, 0) + timedelta(minutes=5),
                                                               calendar=calendar), REPEAT, rollback=True)
        plain2, _ = timed(plain_pass, REPEAT, rollback=True)
        plain = min(plain, plain2)
    raised = {k: v for k, v in daily_result.items() if v}
    cold_raised = sum(v for k, v in cold_result.items() if k != "refreshed")
    print(f"# plain pass {plain * 1000:.0f} ms ({non_green} yellow/red items of {N_APPROVALS + N_PAYMENTS})")
    print(f"# daily scan {daily * 1000:.0f} ms, raised {raised}")
    print(f"# cold scan {cold * 1000:.0f} ms, raised {cold_raised} warnings at once "
          f"(ratio {cold / plain:.2f}, information only)")
    print(f"bench timeout_scan_ratio: {daily / plain:.2f} (goal <= 2)")


if __name__ == "__main__":
    main()
