"""The print watch: a scheduled job that notices batches whose job died and runs them again once.

A batch's job keeps a heartbeat key alive in Redis while it runs (jiandu.signs.jobs). If the worker is
killed, the key lapses; a job lost from the queue is gone from RQ. Every SIGNS_WATCH_SECONDS the
scheduler's `signs-watch` runs `watch_batches_job`: a running batch without a heartbeat is queued
again (once; the second time it fails with its reason), a queued batch whose job failed or vanished
fails. Reading a batch (GET) never changes it.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select

from jiandu.extensions import db
from jiandu.queue import run_alone
from jiandu.signs.models import SignBatch
from jiandu.signs.service import (MAX_ATTEMPTS, fail, heartbeat_key, heartbeat_ttl, redis_or_none, reset,
                                  start)
from jiandu.timeutil import utcnow

log = logging.getLogger(__name__)
UNDER_WAY = ("queued", "running")
LOCK_NAME = "jiandu:signs:watch"


def watch_batches_job() -> dict:
    """The scheduled job, one watch at a time across workers (two would queue a dead batch twice)."""
    return run_alone(LOCK_NAME, 300, watch_batches, "another watch is running")


def watch_batches() -> dict:
    """Every batch under way looked at once; returns how many were retried or failed."""
    redis = redis_or_none()
    if redis is None:
        return {"retried": 0, "failed": 0}
    counts = {"retried": 0, "failed": 0}
    ids = db.session.scalars(select(SignBatch.id).where(SignBatch.status.in_(UNDER_WAY))).all()
    for batch_id in ids:
        outcome = watch(db.session.get(SignBatch, batch_id), redis)
        if outcome:
            counts[outcome] += 1
    return counts


def watch(batch: SignBatch, redis) -> str | None:
    """One batch: "retried", "failed" or None (alive, or not under way)."""
    if batch is None or batch.status not in UNDER_WAY:
        return None
    reason = _why_dead(batch, redis)
    if reason is None:
        return None
    if batch.status == "running" and batch.attempts < MAX_ATTEMPTS:
        log.warning("sign batch %s: %s; running it again", batch.id, reason)
        reset(batch)
        batch.error = f"上次{reason}，已自动重试"
        start(batch)
        return "retried"
    fail(batch, reason)
    db.session.commit()
    return "failed"


def _why_dead(batch: SignBatch, redis) -> str | None:
    if batch.status == "running":
        grace = timedelta(seconds=heartbeat_ttl())
        if redis.get(heartbeat_key(batch.id)) is None and batch.started_at and utcnow() - batch.started_at > grace:
            return "打印进程中途退出（工作进程被终止或机器重启）"
        return None
    return _job_failure(redis, batch.job_id) if batch.job_id else None


def _job_failure(redis, job_id: str) -> str | None:
    try:
        job = Job.fetch(job_id, connection=redis)
    except NoSuchJobError:
        return "打印任务已从队列中丢失"
    status = job.get_status(refresh=False)
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        return "打印任务失败"
    if status == JobStatus.FINISHED:
        return "打印任务已结束，但批次没有完成"
    return None
