"""RQ job of the `print` queue: render one sign batch into its PDF.

Runs in the worker's app context (jiandu.worker.AppWorker). The batch row says what to print; the
job re-reads the points (they may have changed since the batch was made), checks them again,
renders through jiandu.signs.render (chunks in spawned processes) and records progress in the
row after every chunk. A Redis key with a short expiry is kept alive while the job runs: if the
worker is killed, the key lapses and the scheduled watch (jiandu.signs.watch) runs the batch again
once, or fails it.
"""
from __future__ import annotations

import logging
import threading
import time

from rq import get_current_job
from sqlalchemy import select

from jiandu.errors import ApiError
from jiandu.extensions import db
from jiandu.notify.service import emit
from jiandu.org.models import Point
from jiandu.queue import redis_connection
from jiandu.signs import catalog, render, service
from jiandu.signs.models import SignBatch
from jiandu.timeutil import utcnow

log = logging.getLogger(__name__)
BEAT_EVERY = 5  # seconds


class _Heartbeat:
    """Keeps `jiandu:signs:batch:<id>:alive` set while this job runs; also the batch's lock."""

    def __init__(self, redis, batch_id: int, ttl: int):
        self.redis, self.key, self.ttl = redis, service.heartbeat_key(batch_id), ttl
        self.token = service.new_lock_token()
        self.stop = threading.Event()
        self.thread = None

    def acquire(self) -> bool:
        """Take the batch; if a beat is there (a run that was just killed, or one still alive), wait
        until it lapses: a live run keeps renewing it, a dead one lets it expire within the TTL."""
        deadline = time.monotonic() + 2 * self.ttl + 1
        try:
            while not self.redis.set(self.key, self.token, nx=True, ex=self.ttl):
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.5)
            return True
        except Exception:
            return True

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"beat-{self.key}")
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(min(BEAT_EVERY, max(1, self.ttl // 3))):
            try:
                if self.redis.get(self.key) in (None, self.token.encode()):
                    self.redis.set(self.key, self.token, ex=self.ttl)
            except Exception:  # Redis away: try again at the next beat
                pass

    def release(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=2)
        try:
            if self.redis.get(self.key) == self.token.encode():
                self.redis.delete(self.key)
        except Exception:
            pass


def _current_job_id() -> str | None:
    try:
        job = get_current_job()
        return job.id if job else None
    except Exception:
        return None


def render_batch(batch_id: int) -> dict:
    batch = db.session.get(SignBatch, batch_id)
    if batch is None:
        log.warning("sign batch %s is gone", batch_id)
        return {"status": "missing"}
    job_id = _current_job_id()
    if batch.status in ("done", "failed") or (job_id and batch.job_id and batch.job_id != job_id):
        # Finished, or superseded by a restart: this job has nothing to do.
        return {"status": batch.status, "skipped": True}
    # The client even if Redis does not answer now: the beat starts as soon as it is back, so a
    # batch that runs while Redis was away is not taken for dead once it returns.
    beat = _Heartbeat(redis_connection(), batch.id, service.heartbeat_ttl())
    if not beat.acquire():
        return {"status": batch.status, "skipped": True, "reason": "another job is printing this batch"}
    beat.start()
    try:
        return _render(batch)
    finally:
        beat.release()


def _render(batch: SignBatch) -> dict:
    batch.status, batch.started_at, batch.finished_at = "running", utcnow(), None
    batch.attempts = (batch.attempts or 0) + 1
    batch.done, batch.error = 0, None
    db.session.commit()
    batch_id = batch.id
    try:
        template = catalog.get(batch.template)
        if template is None:
            raise ApiError(422, "invalid", f"模板「{batch.template}」已不存在")
        ids = batch.point_ids
        points = service._load_points(select(Point).where(Point.id.in_(ids)))
        by_id = {p.id: p for p in points}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise ApiError(422, "invalid", f"{len(missing)} 个点位已被删除，请重新选择后再印制")
        rows = service.check([by_id[i] for i in ids], template)
        signs = service.sign_dicts(rows, template, label=service.batch_label(batch_id),
                                   printed=service.printed_on(batch.created_at), with_codes=False)
        del points, by_id, rows
        db.session.expunge_all()  # the ORM objects are not needed any more; the render holds dicts
        target = service.signs_dir() / f"batch-{batch_id}.pdf"

        def progress(done: int, total: int) -> None:
            db.session.execute(SignBatch.__table__.update().where(SignBatch.id == batch_id).values(done=done))
            db.session.commit()

        stats = render.render_to_file(template.name, signs, target, progress=progress,
                                      symbols=service.code_symbols(), chunk_signs=service.chunk_signs())
    except Exception as error:
        db.session.rollback()
        batch = db.session.get(SignBatch, batch_id)
        reason = error.message if isinstance(error, ApiError) else f"印制失败：{type(error).__name__}: {error}"
        service.fail(batch, reason)
        db.session.commit()
        log.exception("sign batch %s failed", batch_id)
        if isinstance(error, ApiError):
            return {"status": "failed", "error": reason}
        raise
    batch = db.session.get(SignBatch, batch_id)
    batch.status, batch.done, batch.finished_at = "done", batch.total, utcnow()
    batch.pdf_path, batch.pages, batch.pdf_bytes = target.name, stats["pages"], target.stat().st_size
    batch.error = None
    emit("print_batch.ready", {"batch_id": batch.id, "user_id": batch.created_by, "pages": batch.pages,
                               "jurisdiction_id": batch.jurisdiction_id, "url": f"/#/signs?batch={batch.id}"})
    db.session.commit()
    log.info("sign batch %s: %s signs, %s pages in %.1f s", batch_id, stats["signs"], stats["pages"],
             stats["seconds"])
    return {"status": "done", "pages": stats["pages"], "seconds": stats["seconds"]}
