"""The RQ connection and queues; jobs are enqueued only after their rows have committed."""
from flask import current_app
from redis import Redis
from rq import Queue

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
