"""Benchmark: the ledger (台账) and the deadline scan over 500,000 cases.

Run alone: `.venv/bin/python bench/ledger.py` (also run by `make bench`). It builds its own
databases (SQLite in a temp dir; PostgreSQL from BENCH_POSTGRES_URL, BENCH_DATABASE_URL or the
local test cluster if one is reachable) and prints:

  bench ledger_ratio_sqlite: X (goal <= 3)
  bench ledger_ratio_postgres: X (goal <= 3)      (or a skip line)
  bench deadline_scan_fraction: X (goal <= 0.1)

ledger_ratio = time of a ledger page with three filters (county, category, 90 days) and its per-state
counts ÷ time of a plain primary-key page of the same table with its total, in the same run (medians).
deadline_scan_fraction = time of one scan over 500,000 open cases (steady state: the previous scan ran
one interval earlier) ÷ the scan's scheduling interval.
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))
sys.path.insert(0, str(ROOT / "bench" / "apps"))

from bench_city import city_skeleton, make_app  # noqa: E402

N_CASES = int(os.environ.get("BENCH_CASES", "500000"))
REPEAT = 15
DEFAULT_PG = "postgresql+psycopg://jiandu:jiandu@127.0.0.1:55432/jiandu_test"


def build(app, now: datetime, interval: int) -> dict:
    """The org skeleton and N open cases, with warnings as the previous scan (one interval ago) left them."""
    from sqlalchemy import insert

    from jiandu.cases.models import Case
    from jiandu.extensions import db
    from jiandu.org.models import User
    from jiandu.timeutil import LOCAL
    from jiandu.workdays import Calendar

    rng = random.Random(4)
    city, counties, departments = city_skeleton(counties=9, departments=60, city_departments=True)
    inspector = User(username="inspector", display_name="bench", role="inspector", jurisdiction_id=city.id)
    db.session.add(inspector)
    db.session.commit()

    calendar = Calendar()
    previous = now - timedelta(seconds=interval)
    local_prev = (previous.replace(tzinfo=__import__("datetime").timezone.utc).astimezone(LOCAL)).date()
    categories = ["办事效率", "服务态度", "政策落实", "吃拿卡要", "中介服务", "bad_rating", "审批超时", "涉企检查",
                  "拖欠账款", "其他"]
    states = ["assigned", "signed", "signed", "signed", "answered", "verified", "registered"]
    rows = []
    table = Case.__table__
    for i in range(1, N_CASES + 1):
        created = now - timedelta(days=rng.uniform(0, 365))
        span = timedelta(days=rng.uniform(1, 21))
        due = now + timedelta(days=rng.uniform(-15, 20))
        warn = due - span / 3
        warning = "red" if due <= previous else ("yellow" if warn <= previous else "none")
        overdue_days = calendar.workdays_between(
            due.replace(tzinfo=__import__("datetime").timezone.utc).astimezone(LOCAL).date(), local_prev) \
            if due <= previous else 0
        department = departments[i % len(departments)]
        rows.append({
            "id": i, "number": f"JD{i:010d}", "state": states[i % len(states)], "channel": "window_code",
            "case_type": "service_request", "category": categories[rng.randrange(len(categories))],
            "severity": "normal", "summary": "窗口办事推诿", "jurisdiction_id": department.jurisdiction_id,
            "department_id": department.id, "restricted": False, "due_at": due, "warning": warning,
            "returns_count": 0, "reopen_count": 0, "version": 1, "created_at": created, "updated_at": created,
            "deadline_kind": "service_request", "warn_at": warn, "due_provisional": False, "deadline_seq": 1,
            "escalation_level": 1 if overdue_days >= 3 else 0,
            "reminded_seq": 1 if due <= previous - timedelta(days=1) else None,
        })
        if len(rows) == 20000:
            db.session.execute(insert(table), rows)
            rows = []
    if rows:
        db.session.execute(insert(table), rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("ANALYZE"))
    else:
        db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    return {"inspector_id": inspector.id, "county_id": counties[3].id}


def timed(fn, repeat=REPEAT) -> float:
    fn()  # warm
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def ledger_ratio(app, ids: dict, now: datetime) -> float:
    from sqlalchemy import select

    from jiandu.cases import ledger
    from jiandu.cases.models import Case
    from jiandu.extensions import db
    from jiandu.org.models import User
    from jiandu.pagination import paginate

    with app.test_request_context():
        args = {"jurisdiction": ids["county_id"], "category": "办事效率",
                "date_from": (now - timedelta(days=90)).date(), "date_to": now.date(),
                "page": 2, "per_page": 50, "sort": "-created_at"}

        def filtered_page():
            user = db.session.get(User, ids["inspector_id"])  # as every request does
            result = ledger.page(user, args)
            assert result["items"] and result["counts"]
            db.session.expunge_all()

        def pk_page():
            db.session.get(User, ids["inspector_id"])
            result = paginate(select(Case).order_by(Case.id), 2, 50)
            assert result["items"]
            db.session.expunge_all()

        baseline = timed(pk_page)
        ledger_time = timed(filtered_page)
        print(f"  ledger page {ledger_time * 1000:.1f} ms, primary-key page {baseline * 1000:.1f} ms")
        return ledger_time / baseline


def scan_fraction(app, now: datetime) -> float:
    from jiandu.cases import jobs
    from jiandu.extensions import db

    with app.app_context():
        start = time.perf_counter()
        result = jobs.scan_deadlines(now=now)
        db.session.commit()
        elapsed = time.perf_counter() - start
        print(f"  scan {elapsed:.2f} s for {N_CASES} open cases: {result}")
        return elapsed / jobs.SCAN_INTERVAL_SECONDS


def run(url: str, tmp: Path, label: str, with_scan: bool):
    from jiandu.cases.jobs import SCAN_INTERVAL_SECONDS
    from jiandu.timeutil import utcnow

    app = make_app(url, tmp)
    now = utcnow()
    with app.app_context():
        t0 = time.perf_counter()
        ids = build(app, now, SCAN_INTERVAL_SECONDS)
        print(f"  [{label}] built {N_CASES} cases in {time.perf_counter() - t0:.0f} s")
    ratio = ledger_ratio(app, ids, now)
    print(f"bench ledger_ratio_{label}: {ratio:.2f} (goal <= 3)")
    if with_scan:
        fraction = scan_fraction(app, now)
        print(f"bench deadline_scan_fraction: {fraction:.4f} (goal <= 0.1)")
    with app.app_context():
        from jiandu.extensions import db

        db.session.remove()
        db.engine.dispose()


def postgres_url() -> str | None:
    candidates = [os.environ.get("BENCH_POSTGRES_URL"), os.environ.get("BENCH_DATABASE_URL"), DEFAULT_PG]
    for url in candidates:
        if not url or not url.startswith("postgresql"):
            continue
        url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
        try:
            from sqlalchemy import create_engine, text

            engine = create_engine(url, connect_args={"connect_timeout": 2})
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
            return url
        except Exception:
            continue
    return None


def main():
    with tempfile.TemporaryDirectory(prefix="jiandu-bench-ledger-") as tmp:
        tmp = Path(tmp)
        run(f"sqlite:///{tmp / 'ledger.sqlite3'}", tmp, "sqlite", with_scan=True)
        url = postgres_url()
        if url is None:
            print("bench ledger_ratio_postgres: skipped (no PostgreSQL reachable; set BENCH_POSTGRES_URL)")
        else:
            run(url, tmp, "postgres", with_scan=False)


if __name__ == "__main__":
    main()
