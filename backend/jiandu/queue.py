"""The RQ connection and queues; jobs are enqueued only after their rows have committed."""
from flask import current_app
from redis import Redis
from rq import Queue

from jiandu.extensions import db
from jiandu.sqlite import begin_writing

QUEUE_NAMES = ("default", "push", "print", "import")


def redis_connection() -> Redis:
    """One client per app: Redis pools its own connections."""
    ext = current_app.extensions
    if "jiandu_redis" not in ext:
        ext["jiandu_redis"] = Redis.from_url(
            current_app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=3
        )
    return ext["jiandu_redis"]


def queue(name: str = "default") -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name}")
    return Queue(name, connection=redis_connection())


def redis_ok() -> bool:
    try:
        return bool(redis_connection().ping())
    except Exception:  # any failure to reach Redis is "down" for health purposes
        return False


def run_alone(lock_name: str, timeout: int, work, busy: str = "another run is going on") -> dict:
    """Run a scheduled job's `work()` and commit, while no other worker runs it (a Redis lock).

    With Redis down the work runs anyway: the jobs that use this keep their effects single by unique
    rows in the database; the lock only saves them from doing the same work twice at once."""
    try:
        lock = redis_connection().lock(lock_name, timeout=timeout, blocking=False)
        if not lock.acquire():
            return {"skipped": busy}
    except Exception:  # Redis unreachable
        lock = None
    try:
        # A scheduled job reads and then writes: on SQLite it must hold the write lock from its BEGIN,
        # or a request that writes meanwhile makes it fail ("database is locked") every time.
        begin_writing(db.session)
        result = work()
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        raise
    finally:
        if lock is not None:
            try:
                lock.release()
            except Exception:  # expired or Redis gone: nothing left to release
                pass
