"""Flask extensions, created unbound and initialised in create_app."""
from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

import flask_limiter
from flask import has_request_context, request
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from limits.storage import RedisStorage
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from jiandu.ratelimit import client_key

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


log = logging.getLogger(__name__)
BATCH_SCHEME = "jiandu+"  # "jiandu+redis://…": the storage below, on the Redis of "redis://…"
_BATCH = "jiandu.limits.batch"  # where a request keeps its prefetched counters (in its WSGI environ)
# Increment counters (fixed windows, as limits' own incr_expire.lua does it: a new counter gets its
# expiry), answering each one's count and seconds to live. ARGV: expiry, amount of each key in turn.
SCRIPT_TAKE = """
local answers = {}
for i, key in ipairs(KEYS) do
    local amount = tonumber(ARGV[2 * i])
    local current = redis.call("incrby", key, amount)
    if current == amount then
        redis.call("expire", key, ARGV[2 * i - 1])
    end
    answers[2 * i - 1] = current
    answers[2 * i] = redis.call("ttl", key)
end
return answers
"""
# Give reservations back (ARGV: the amount of each key): only while their window lasts, so that a key
# gone with its window stays gone.
SCRIPT_RELEASE = """
for i, key in ipairs(KEYS) do
    if redis.call("exists", key) == 1 then
        redis.call("decrby", key, ARGV[i])
    end
end
return 0
"""


class _RequestCounters:
    """What one request knows of its counters: values and expiry times from its one round trip,
    increments made up front (each handed to the first `incr` of its key), and reservations."""

    def __init__(self):
        self.counts: dict[str, int] = {}
        self.expires: dict[str, float] = {}
        self.incremented: dict[str, int] = {}
        self.reserved: dict[str, int] = {}  # key -> amount taken up front, not yet confirmed


class RedisBatchStorage(RedisStorage):
    """Flask-Limiter's Redis storage (fixed windows), able to serve all the limits of a request with
    one round trip instead of one or two per limit.

    `prefetch(reservations, increments)` increments all the counters in one script, before the view,
    and keeps the answers (and the keys' expiry times) for the rest of the request; Flask-Limiter's
    `get`, `incr` and `get_expiry` of those keys are answered from there.
    - An increment is what a limit that counts every request makes anyway (`hit` before the view).
    - A reservation is for a limit that counts only some requests (`deduct_when`): Flask-Limiter tests
      it before the view (it sees the count without the reservation) and increments it after the view
      when the request counts; that increment is the reservation, confirmed. A reservation nobody
      confirmed is given back when the request ends (`flush`), so only a request that does not count
      costs a second round trip. Meanwhile a concurrent request sees the reservation: at the very
      edge of a limit it is refused where it might have slipped through.
    Everything else, and everything outside a prefetching request, goes to Redis as usual.
    """

    STORAGE_SCHEME = [BATCH_SCHEME + scheme for scheme in ("redis", "rediss", "redis+unix")]

    def __init__(self, uri: str, **options):
        super().__init__(uri.removeprefix(BATCH_SCHEME), **options)
        # Scripts go by their SHA; redis-py sends one whole only when Redis does not know it (a restart).
        self.lua_take = self.get_connection().register_script(SCRIPT_TAKE)
        self.lua_release = self.get_connection().register_script(SCRIPT_RELEASE)

    # --- one request's counters ---

    @staticmethod
    def _counters() -> _RequestCounters | None:
        return request.environ.get(_BATCH) if has_request_context() else None

    def prefetch(self, reservations: list[tuple[str, int, int]], increments: list[tuple[str, int, int]]) -> bool:
        """Reserve and increment counters ((key, expiry, amount) each) in one round trip; keep the
        answers for this request. False (and nothing kept) when Redis does not answer."""
        if not has_request_context() or not (reservations or increments):
            return False
        taken = [*reservations, *increments]
        try:
            answers = self.lua_take(keys=[self.prefixed_key(key) for key, _, _ in taken],
                                    args=[value for _, expiry, amount in taken for value in (expiry, amount)])
        except self.base_exceptions:
            return False  # Flask-Limiter meets the same failure on its own call and falls back to memory
        now, counters = time.time(), _RequestCounters()
        for index, (key, _expiry, amount) in enumerate(taken):
            value, ttl = int(answers[2 * index]), int(answers[2 * index + 1])
            counters.expires[key] = max(ttl, 0) + now
            if index < len(reservations):
                counters.counts[key], counters.reserved[key] = value - amount, amount
            else:
                counters.incremented[key] = value
        request.environ[_BATCH] = counters
        return True

    def flush(self) -> None:
        """At the end of the request: give back the reservations nobody confirmed (one round trip)."""
        counters = self._counters()
        if counters is None:
            return
        request.environ.pop(_BATCH, None)
        if not counters.reserved:
            return
        try:
            self.lua_release(keys=[self.prefixed_key(key) for key in counters.reserved],
                             args=list(counters.reserved.values()))
        except self.base_exceptions:
            log.warning("rate limit reservations not given back: storage unreachable", exc_info=True)

    # --- the storage interface, answered from the request's counters where it can ---

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        counters = self._counters()
        if counters is not None:
            if key in counters.incremented:
                value = counters.counts[key] = counters.incremented.pop(key)
                return value
            if counters.reserved.get(key) == amount:  # the reservation, confirmed
                del counters.reserved[key]
                value = counters.counts[key] = counters.counts[key] + amount
                return value
        return super().incr(key, expiry, amount)

    def get(self, key: str) -> int:
        counters = self._counters()
        if counters is not None and key in counters.counts:
            return counters.counts[key]
        return super().get(key)

    def get_expiry(self, key: str) -> float:
        counters = self._counters()
        if counters is not None and key in counters.expires:
            return counters.expires[key]
        return super().get_expiry(key)


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter, whose Redis storage is `RedisBatchStorage` (same Redis, same keys)."""

    def init_app(self, app) -> None:
        uri = app.config.get("RATELIMIT_STORAGE_URI") or ""
        scheme = urlsplit(uri).scheme
        # Chosen afresh for every app this one limiter is bound to (tests bind it to several).
        self._storage_uri = BATCH_SCHEME + uri if scheme in ("redis", "rediss", "redis+unix") else None
        super().init_app(app)
        if self.enabled and not app.extensions.get("jiandu.limits.flush"):
            app.extensions["jiandu.limits.flush"] = True
            app.teardown_request(self._flush_batch)

    def _flush_batch(self, _error=None) -> None:
        storage = self._storage
        if isinstance(storage, RedisBatchStorage):
            storage.flush()


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
limiter = Limiter(key_func=client_key, default_limits=[], headers_enabled=True)
