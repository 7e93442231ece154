"""`jiandu scheduler`: the app's scheduled jobs, from the Procfile's own `scheduler` process (no cron).

Built on RQ's CronScheduler (rq.cron, RQ ≥ 2.4), which enqueues jobs for the `worker` process to
run. RQ keeps no guard against two schedulers, so this one adds two things:

- **one run per time slot**: time is cut into slots of each job's interval (aligned to the epoch, so
  the 15-minute deadline scan runs at :00, :15, :30, :45 local time); before enqueueing, a scheduler
  claims "(job, slot)" with Redis `SET NX EX`. Two schedulers (a second machine, an overlap during a
  deploy) enqueue each slot once; a restarted scheduler picks up the current slot unless it already ran.
- **no stop on a Redis outage**: the loop logs, waits and carries on; the slots missed while Redis was
  away are not made up (each job catches up by itself: the sweep finds everything still waiting).

Long jobs also hold a Redis lock while they run (the deadline scan, the sweep), so even a job
enqueued twice by hand never runs twice at the same moment.
"""
from __future__ import annotations

import importlib
import logging
import signal
import time
from datetime import datetime, timedelta, timezone

import click
from flask import current_app
from flask.cli import with_appcontext
from redis.exceptions import RedisError
from rq.cron import CronJob, CronScheduler
from rq.exceptions import StopRequested
from rq.utils import now as rq_now
from sqlalchemy import delete

from jiandu import capabilities
from jiandu.extensions import db
from jiandu.queue import redis_connection
from jiandu.scheduling import IDEMPOTENCY_TABLES, Scheduled
from jiandu.timeutil import utcnow

log = logging.getLogger("jiandu.scheduler")

CLAIM_PREFIX = "jiandu:cron"
IDEMPOTENCY_MIN_DAYS = 30




def schedule(config) -> list[Scheduled]:
    """What runs when: the core's jobs and each capability's (`schedule(config)` of its module).
    Intervals come from configuration where someone may want to change them."""
    core = [Scheduled("idempotency-cleanup", "jiandu.scheduler.cleanup_idempotency_keys_job", "default",
                      6 * 3600, 600)]
    return core + [item for capability in capabilities.ALL for item in capability.schedule(config)]


def _resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


class GuardedCronScheduler(CronScheduler):
    """CronScheduler with one enqueue per (job, slot) across every scheduler, and a loop that outlives Redis outages."""

    def __init__(self, connection, *, prefix: str = CLAIM_PREFIX, **kwargs):
        super().__init__(connection, **kwargs)
        self.prefix = prefix
        self._stop = False

    def claim(self, job: CronJob, slot: int) -> bool:
        key = f"{self.prefix}:{job.name}:{slot}"
        return bool(self.connection.set(key, self.name, nx=True, ex=max(60, 2 * int(job.interval))))

    @staticmethod
    def slot_of(job: CronJob, moment: datetime) -> int:
        return int(moment.timestamp() // job.interval)

    def enqueue_jobs(self) -> list[CronJob]:
        moment = rq_now()
        enqueued = []
        for job in self._cron_jobs:
            if not job.should_run():
                continue
            slot = self.slot_of(job, moment)
            if self.claim(job, slot):
                job.enqueue(self.connection)
                enqueued.append(job)
            else:
                log.debug("scheduler: %s slot %s already taken", job.name, slot)
            job.latest_enqueue_time = moment
            job.next_enqueue_time = datetime.fromtimestamp((slot + 1) * job.interval, timezone.utc)
        return enqueued

    def tick(self) -> list[CronJob]:
        """One pass: enqueue what is due, tell the registry we are alive."""
        enqueued = self.enqueue_jobs()
        if enqueued:
            self.save()
        self.heartbeat()
        return enqueued

    def request_stop(self, *_args):
        self._stop = True

    def start(self, max_ticks: int | None = None):
        previous = {sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        registered, ticks, backoff = False, 0, 1.0
        log.info("scheduler %s: starting with %s", self.name, ", ".join(j.name for j in self._cron_jobs))
        try:
            while not self._stop:
                try:
                    if not registered:
                        self.register_birth()
                        registered = True
                    self.tick()
                    backoff = 1.0
                    pause = self.calculate_sleep_interval()
                except RedisError as error:
                    log.warning("scheduler %s: Redis unavailable (%s); retrying in %.0fs", self.name, error, backoff)
                    pause, backoff = backoff, min(backoff * 2, 30.0)
                ticks += 1
                if max_ticks is not None and ticks >= max_ticks:
                    break
                deadline = time.monotonic() + pause
                while not self._stop and time.monotonic() < deadline:
                    time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
        except (KeyboardInterrupt, StopRequested):
            pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            try:
                self.register_death()
            except RedisError:
                pass
            log.info("scheduler %s: stopped", self.name)


def build(app, connection=None) -> GuardedCronScheduler:
    with app.app_context():
        connection = connection or redis_connection()
        scheduler = GuardedCronScheduler(connection, prefix=app.config.get("SCHEDULER_CLAIM_PREFIX", CLAIM_PREFIX))
        for item in schedule(app.config):
            scheduler.register(_resolve(item.func), item.queue, interval=item.interval, job_timeout=item.timeout,
                               result_ttl=max(60, 2 * item.interval), ttl=max(60, 2 * item.interval),
                               failure_ttl=7 * 86400, name=item.name)
    return scheduler


def run(app) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    build(app).start()


# --- jobs that belong to no capability ------------------------------------------------------------------

def cleanup_idempotency_keys_job() -> dict:
    """Forget idempotency keys of offline writes after IDEMPOTENCY_KEY_DAYS (90; never fewer than 30:
    a phone may come back online weeks later and replay its outbox), in every table of them a
    capability named with `keep_idempotency_keys` (intake's keys, the sync's receipts)."""
    days = max(IDEMPOTENCY_MIN_DAYS, int(current_app.config.get("IDEMPOTENCY_KEY_DAYS", 90)))
    cutoff = utcnow() - timedelta(days=days)
    removed = {}
    for model, column in sorted(IDEMPOTENCY_TABLES.items(), key=lambda item: item[0].__tablename__):
        result = db.session.execute(delete(model).where(getattr(model, column) < cutoff)
                                    .execution_options(synchronize_session=False))
        removed[model.__tablename__] = result.rowcount or 0
    db.session.commit()
    return removed


@click.command("scheduler", help="Run the scheduled jobs (deadline scan, notification sweep, clean-ups).")
@click.option("--once", is_flag=True, help="Enqueue what is due now, then stop.")
@with_appcontext
def scheduler_command(once):
    app = current_app._get_current_object()
    if once:
        enqueued = build(app).tick()
        click.echo("scheduler: enqueued " + (", ".join(j.name for j in enqueued) or "nothing"))
        return
    run(app)
