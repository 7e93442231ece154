"""The scheduler of the Procfile: what it runs, one enqueue per slot however many schedulers run,
a restart that neither skips nor repeats the current slot, a Redis outage survived; the jobs it
schedules run in the real worker; `jiandu push keys`; the Procfile entries."""
from __future__ import annotations

import time
import uuid
from datetime import timedelta
from pathlib import Path

from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, FinishedJobRegistry
from sqlalchemy import func, select

from jiandu.config import ROOT
from jiandu.extensions import db
from jiandu.scheduler import GuardedCronScheduler, build, cleanup_idempotency_keys_job, schedule
from jiandu.timeutil import utcnow
from tests.notify.conftest import free_port, run_worker
from tests.notify.helpers import assert_same_slots_not_repeated


def noop():
    return "ok"


def _wait_for_slot_start(interval: int) -> None:
    """Start right after a slot boundary, so a test's ticks stay inside one slot."""
    remaining = interval - (time.time() % interval)
    if remaining < interval - 0.3:
        time.sleep(remaining + 0.02)


def test_the_schedule_has_the_deadline_scan_the_sweep_and_the_cleanups(app):
    items = {s.name: s for s in schedule(app.config)}
    assert items["deadline-scan"].func == "jiandu.cases.jobs.scan_deadlines_job"
    assert items["deadline-scan"].interval == 900
    assert items["notify-sweep"].queue == "push" and items["notify-sweep"].interval <= 10
    assert items["idempotency-cleanup"].func == "jiandu.scheduler.cleanup_idempotency_keys_job"
    assert "notify-prune" in items
    assert items["project-timeout-scan"].func == "jiandu.projects.jobs.scan_timeouts_job"


def test_two_schedulers_enqueue_each_slot_once_and_a_restart_does_not_repeat_it(private_redis):
    connection = Redis.from_url(private_redis.url)
    connection.flushdb()
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    queue = Queue("default", connection=connection)

    def scheduler():
        s = GuardedCronScheduler(connection, prefix=prefix)
        s.register(noop, "default", interval=2, name="noop")
        return s

    _wait_for_slot_start(2)
    a, b = scheduler(), scheduler()
    assert [j.name for j in a.tick()] == ["noop"]
    assert b.tick() == []                # the other scheduler, same slot
    assert a.tick() == [] and b.tick() == []
    restarted = scheduler()              # a new process during the same slot
    assert restarted.tick() == []
    assert queue.count == 1
    time.sleep(2.1)                      # the next slot: exactly one of the three takes it
    taken = [len(s.tick()) for s in (a, b, restarted)]
    assert sum(taken) == 1 and queue.count == 2
    # Each scheduler now sleeps until the start of the next slot.
    assert 0 < a.calculate_sleep_interval() <= 2


def test_the_scheduler_outlives_a_redis_outage():
    dead = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.2)
    s = GuardedCronScheduler(dead, prefix="test-dead")
    s.register(noop, "default", interval=1, name="noop")
    started = time.monotonic()
    s.start(max_ticks=2)  # logs, waits, tries again; never raises
    assert time.monotonic() - started < 5


def test_scheduled_jobs_run_in_the_worker_and_never_twice_at_once(live_ctx):
    live = live_ctx
    connection = Redis.from_url(live.redis.url)
    first_tick_at = time.time()
    enqueued = build(live.app).tick()
    assert {j.name for j in enqueued} == {"deadline-scan", "project-timeout-scan", "notify-sweep",
                                          "idempotency-cleanup", "notify-prune", "upload-cleanup", "signs-watch"}
    # A second scheduler process finds every slot taken (unless a slot ended in between).
    again = build(live.app).tick()
    assert_same_slots_not_repeated(live.app, first_tick_at, again)
    run_worker(live.app)
    finished = set(FinishedJobRegistry("default", connection=connection).get_job_ids()) | set(
        FinishedJobRegistry("push", connection=connection).get_job_ids())
    scheduled = {s.func for s in schedule(live.app.config)}
    # The scans' own follow-up jobs (deliveries of the events they raised) may finish too; count only
    # the scheduled functions.
    ran = [job.func_name for job in Job.fetch_many(list(finished), connection=connection)
           if job is not None and job.func_name in scheduled]
    assert len(ran) == len(scheduled) + len(again)
    assert FailedJobRegistry("default", connection=connection).count == 0
    assert FailedJobRegistry("push", connection=connection).count == 0
    # A long job holds a lock: the deadline scan enqueued twice by hand runs once at a time.
    from jiandu.cases.jobs import LOCK_NAME, scan_deadlines_job

    lock = connection.lock(LOCK_NAME, timeout=30)
    assert lock.acquire(blocking=False)
    try:
        assert scan_deadlines_job() == {"skipped": "another scan is running"}
    finally:
        lock.release()
    from jiandu.notify.jobs import SWEEP_LOCK, sweep_job

    lock = connection.lock(SWEEP_LOCK, timeout=30)
    assert lock.acquire(blocking=False)
    try:
        assert sweep_job() == {"skipped": "another sweep is running"}
    finally:
        lock.release()


def test_idempotency_keys_are_kept_at_least_thirty_days(app, monkeypatch):
    from jiandu.fieldwork.models import SyncReceipt
    from jiandu.intake.models import IdempotencyKey
    from jiandu.org.models import User

    monkeypatch.setitem(app.config, "IDEMPOTENCY_KEY_DAYS", 3)  # too short: 30 days are kept anyway
    now = utcnow()
    inspector = db.session.scalar(select(User.id).where(User.username == "inspector"))
    for key, age in (("k-old-key-1", 100), ("k-recent-1", 20), ("k-today-01", 0)):
        db.session.add(IdempotencyKey(key=key, body_hash="0" * 64, status=201, response_enc="x",
                                      created_at=now - timedelta(days=age)))
        db.session.add(SyncReceipt(key=key, user_id=inspector, op="visit.record", body_hash="0" * 64, result="{}",
                                   created_at=now - timedelta(days=age)))  # the offline sync's receipts too
    db.session.commit()
    assert cleanup_idempotency_keys_job() == {"intake_idempotency_keys": 1, "sync_receipts": 1}
    left = set(db.session.scalars(select(IdempotencyKey.key).where(IdempotencyKey.key.like("k-%"))))
    assert left == {"k-recent-1", "k-today-01"}
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)
                             .where(IdempotencyKey.key == "k-old-key-1")) == 0


def test_push_keys_prints_a_working_pair(app):
    from py_vapid import Vapid02

    from jiandu.notify.webpush import public_key_of

    result = app.test_cli_runner().invoke(args=["push", "keys"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split("=", 1) for line in result.output.splitlines() if line.startswith("VAPID_"))
    assert public_key_of(lines["VAPID_PRIVATE_KEY"]) == lines["VAPID_PUBLIC_KEY"]
    assert "environment" in result.output
    signed = Vapid02.from_raw(lines["VAPID_PRIVATE_KEY"].encode()).sign(
        {"aud": "https://push.example.com", "sub": "mailto:ops@example.com"})
    assert Vapid02.verify(signed["Authorization"])


def test_the_procfiles_run_a_scheduler_beside_the_worker():
    for name in ("Procfile", "Procfile.dev"):
        entries = {line.split(":", 1)[0] for line in Path(ROOT / name).read_text().splitlines()
                   if line and not line.startswith("#")}
        assert {"worker", "scheduler"} <= entries
    assert "jiandu scheduler" in (ROOT / "Procfile").read_text()
