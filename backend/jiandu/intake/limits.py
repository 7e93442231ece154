"""Rate limits of anonymous intake: reports and ratings each with their own budgets, and tracking.

Reports (complaints) and ratings never share a counter, so that no flood of ratings can make a
genuine complaint wait. A report is counted per device, per point and per address; a rating per
device and point (a day's few), per address and point, per point, per address, and, when its token
is late (sent from the phone's outbox long after the page was opened), against its device's small
budget of late ratings. The device is the one the server issued (jiandu.devices, or the one
a rating token names), never a value a client makes up; without one, the address stands in.

Device and point limits count only submissions that created something (a replay of an
idempotency key or a refused form costs nothing); the address limits count every attempt, so
that nobody can make the server decode photos without end. Tracking pages and rating tokens are
limited per address. The counters are shared by the landing page's form and the API; limits come
from the configuration (`limits` syntax: "10 per minute"), so a deployment or the benchmark can
change them.

They sit on the hot path of the front door, so they cost one Redis round trip per submission: one
Lua script takes every counter of a request (fixed windows, in the app's rate-limit Redis,
RATELIMIT_STORAGE_URI, under Flask-Limiter's key prefix), and a second one gives device and point
back when the submission turns out not to count. The limits are parsed and keyed
by `limits`, the library under Flask-Limiter; Flask-Limiter's own decorators, which guard the
other throttles of the app (login, invitations, push), cost several times the submission itself
in per-request bookkeeping here (see bench/landing.py).

When Redis does not answer, the counters live in this process's memory for a few seconds (as
Flask-Limiter's in-memory fallback does): a report is never refused or lost for want of Redis.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Callable

from flask import current_app, request
from limits import parse_many
from limits.storage import MemoryStorage, RedisStorage, storage_from_string

from jiandu import devices
from jiandu.intake import rating_tokens
from jiandu.ratelimit import client_key
from jiandu.security import normalise_code

log = logging.getLogger(__name__)

DEFAULTS = {
    # Reports (complaints).
    "INTAKE_DEVICE_LIMIT": "10 per minute",
    "INTAKE_POINT_LIMIT": "60 per minute",
    # Loose: mobile carriers put many phones behind one address.
    "INTAKE_ADDRESS_LIMIT": "120 per minute",
    # Ratings: a device rates a window a few times a day at most; a hall's Wi-Fi is one address.
    "INTAKE_RATING_DEVICE_LIMIT": "2 per hour; 3 per day",
    "INTAKE_RATING_ADDRESS_POINT_LIMIT": "20 per hour; 100 per day",
    "INTAKE_RATING_POINT_LIMIT": "30 per minute",
    "INTAKE_RATING_ADDRESS_LIMIT": "60 per minute",
    "INTAKE_RATING_LATE_LIMIT": "5 per day",
    "INTAKE_RATING_TOKEN_LIMIT": "30 per minute",
    "INTAKE_TRACK_LIMIT": "60 per minute",
}
DEVICE_HEADER = devices.HEADER
REPLAY_HEADER = "Idempotent-Replayed"
REDIS_BACKOFF_SECONDS = 5
EXTENSION = "jiandu.intake.limits"


class Limited(Exception):
    """A limit refused this request; `retry_after`: seconds until its window ends."""

    def __init__(self, retry_after: int):
        super().__init__(f"rate limited for {retry_after} s")
        self.retry_after = retry_after


# --- who is counted ----------------------------------------------------------------------------

def _body() -> dict:
    body = request.get_json(silent=True) if request.is_json else None
    return body if isinstance(body, dict) else request.form


def submitted_kind() -> str:
    """What the submission says it is; anything but a rating is counted as a report."""
    return "rating" if _body().get("kind") == "rating" else "report"


def _ticket() -> rating_tokens.Ticket | None:
    environ = request.environ  # per request (`g` may outlive one: it belongs to the app context)
    if "jiandu.intake.ticket" not in environ:
        token = _body().get("rating_token")
        environ["jiandu.intake.ticket"] = rating_tokens.peek(token if isinstance(token, str) else None)
    return environ["jiandu.intake.ticket"]


def _device_or_address(device_id: str | None) -> str:
    return f"dev:{device_id}" if device_id else f"dev:addr:{client_key()}"


def intake_device_key() -> str:
    """The device the server issued (header of the landing script, or cookie), else the address."""
    return _device_or_address(devices.current())


def intake_point_key() -> str:
    code = (request.view_args or {}).get("code")
    if code is None:
        code = _body().get("point_code")
    return f"point:{normalise_code(str(code or ''))[:16] or '-'}"


def intake_address_key() -> str:
    return f"addr:{client_key()}"


def rating_device_key() -> str:
    """A rating's device is the one its token names (the server signed it), at this point."""
    ticket = _ticket()
    return f"{_device_or_address(ticket.device_id if ticket else devices.current())}|{intake_point_key()}"


def rating_late_key() -> str:
    ticket = _ticket()
    return _device_or_address(ticket.device_id if ticket else devices.current())


def rating_address_point_key() -> str:
    return f"{intake_address_key()}|{intake_point_key()}"


def _late() -> bool:
    ticket = _ticket()
    return ticket is not None and ticket.late


def _always() -> bool:
    return True


@dataclass(frozen=True)
class Counter:
    scope: str
    setting: str  # the configuration key of its limit
    who: Callable[[], str]
    only_when_created: bool  # given back when the request created nothing
    applies: Callable[[], bool] = _always


DEVICE = Counter("intake-device", "INTAKE_DEVICE_LIMIT", intake_device_key, True)
POINT = Counter("intake-point", "INTAKE_POINT_LIMIT", intake_point_key, True)
ADDRESS = Counter("intake-address", "INTAKE_ADDRESS_LIMIT", intake_address_key, False)
RATING_DEVICE = Counter("intake-rating-device", "INTAKE_RATING_DEVICE_LIMIT", rating_device_key, True)
RATING_ADDRESS_POINT = Counter("intake-rating-address-point", "INTAKE_RATING_ADDRESS_POINT_LIMIT",
                               rating_address_point_key, True)
RATING_POINT = Counter("intake-rating-point", "INTAKE_RATING_POINT_LIMIT", intake_point_key, True)
RATING_ADDRESS = Counter("intake-rating-address", "INTAKE_RATING_ADDRESS_LIMIT", intake_address_key, False)
RATING_LATE = Counter("intake-rating-late", "INTAKE_RATING_LATE_LIMIT", rating_late_key, True, _late)
RATING_TOKENS = Counter("intake-rating-token", "INTAKE_RATING_TOKEN_LIMIT", intake_address_key, False)
TRACKING = Counter("intake-track", "INTAKE_TRACK_LIMIT", intake_address_key, False)

REPORT_COUNTERS = (ADDRESS, POINT, DEVICE)
RATING_COUNTERS = (RATING_ADDRESS, RATING_POINT, RATING_ADDRESS_POINT, RATING_DEVICE, RATING_LATE)


def submission_counters() -> tuple[Counter, ...]:
    return RATING_COUNTERS if submitted_kind() == "rating" else REPORT_COUNTERS


@lru_cache(maxsize=64)
def _parsed(text: str) -> tuple:
    return tuple(parse_many(text))


@dataclass(frozen=True)
class _Take:
    key: str
    expiry: int
    limit: int
    give_back_unless_created: bool


def _takes(counters: tuple[Counter, ...]) -> list[_Take]:
    config = current_app.config
    prefix = config.get("RATELIMIT_KEY_PREFIX", "")
    takes = []
    for counter in counters:
        if not counter.applies():
            continue
        who = counter.who()
        for item in _parsed(config.get(counter.setting, DEFAULTS[counter.setting])):
            key = item.key_for(*([prefix, counter.scope, who] if prefix else [counter.scope, who]))
            takes.append(_Take(key, item.get_expiry(), item.amount, counter.only_when_created))
    return takes


# --- where the counts are kept ------------------------------------------------------------------

# Increment each key by one (a new one gets its window's expiry: ARGV, in turn), answering each
# one's count and seconds to live.
SCRIPT_TAKE = """
local answers = {}
for i, key in ipairs(KEYS) do
    local current = redis.call("incr", key)
    if current == 1 then
        redis.call("expire", key, ARGV[i])
    end
    answers[2 * i - 1] = current
    answers[2 * i] = redis.call("ttl", key)
end
return answers
"""
# Give one back to each key, only while its window lasts: a key gone with its window stays gone.
SCRIPT_GIVE_BACK = """
for _, key in ipairs(KEYS) do
    if redis.call("exists", key) == 1 then
        redis.call("decr", key)
    end
end
return 0
"""


class _RedisCounts:
    """The counts in a Redis, under the prefix of Flask-Limiter's keys (`limiter.reset()` clears them too)."""

    def __init__(self, storage: RedisStorage):
        self.storage = storage
        connection = storage.get_connection()
        # Scripts go by their SHA; redis-py sends one whole only when Redis does not know it (a restart).
        self.take_script = connection.register_script(SCRIPT_TAKE)
        self.give_back_script = connection.register_script(SCRIPT_GIVE_BACK)
        self.down_until = 0.0

    def usable(self) -> bool:
        return time.monotonic() >= self.down_until

    def take(self, takes: list[_Take]) -> list[tuple[int, int]]:
        answers = self.take_script(keys=[self.storage.prefixed_key(t.key) for t in takes],
                                   args=[t.expiry for t in takes])
        return [(int(answers[i]), int(answers[i + 1])) for i in range(0, len(answers), 2)]

    def give_back(self, keys: list[str]) -> None:
        self.give_back_script(keys=[self.storage.prefixed_key(key) for key in keys])

    def failed(self, error: Exception) -> None:
        self.down_until = time.monotonic() + REDIS_BACKOFF_SECONDS
        log.warning("intake limits: Redis unreachable, counting in memory for %s s (%s)",
                    REDIS_BACKOFF_SECONDS, error)


class _MemoryCounts:
    """This process's counts, while Redis does not answer."""

    def __init__(self):
        self.storage = MemoryStorage()

    def take(self, takes: list[_Take]) -> list[tuple[int, int]]:
        answers = []
        for take in takes:
            count = self.storage.incr(take.key, take.expiry)
            answers.append((count, max(0, math.ceil(self.storage.get_expiry(take.key) - time.time()))))
        return answers

    def give_back(self, keys: list[str]) -> None:
        for key in keys:
            if self.storage.get(key) > 0:
                self.storage.decr(key)


class _AppCounts:
    """Where one app keeps its counts: its limiter's Redis (a pool of our own, so that an app never
    counts in another's Redis when several share the process, as tests do), and this process's
    memory for when Redis is away."""

    def __init__(self, app):
        uri = app.config.get("RATELIMIT_STORAGE_URI") or ""
        self.redis: _RedisCounts | None = None
        self.memory = _MemoryCounts()
        if uri.split(":", 1)[0] in ("redis", "rediss", "redis+unix"):
            storage = storage_from_string(uri, **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}))
            self.redis = _RedisCounts(storage)

    def reset(self) -> None:
        self.memory = _MemoryCounts()
        if self.redis is not None:
            self.redis.storage.reset()  # every key under its prefix: Flask-Limiter's counts go too


def _app_counts() -> _AppCounts:
    counts = current_app.extensions.get(EXTENSION)
    if counts is None:
        counts = current_app.extensions[EXTENSION] = _AppCounts(current_app)
    return counts


def reset() -> None:
    """Forget every count of this app's limits (tests; or an administrator after an incident)."""
    _app_counts().reset()


def _take(takes: list[_Take]) -> tuple[list[tuple[int, int]], object]:
    """Every counter of the request at once: their (count, seconds left), and where they are kept."""
    counts = _app_counts()
    if counts.redis is not None and counts.redis.usable():
        try:
            return counts.redis.take(takes), counts.redis
        except counts.redis.storage.base_exceptions as error:
            counts.redis.failed(error)
    return counts.memory.take(takes), counts.memory


def _give_back(where, keys: list[str]) -> None:
    if not keys:
        return
    try:
        where.give_back(keys)
    except Exception as error:  # Redis gone in between: the count stays, the window ends it
        log.warning("intake limits: could not give back %s (%s)", keys, error)


# --- the decorators of the views ----------------------------------------------------------------

def _created(response) -> bool:
    """A submission counts when it made something new (a PRG redirect or a 201), not a replay."""
    if response.headers.get(REPLAY_HEADER):
        return False
    return response.status_code in (201, 303)


def _limited(counters: tuple[Counter, ...] | Callable[[], tuple[Counter, ...]]):
    """The view counted by `counters` (or by those a function picks for the request)."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_app.config.get("RATELIMIT_ENABLED", True):
                return view(*args, **kwargs)
            takes = _takes(counters() if callable(counters) else counters)
            answers, where = _take(takes)
            conditional = [t.key for t in takes if t.give_back_unless_created]
            exceeded = [seconds for take, (count, seconds) in zip(takes, answers) if count > take.limit]
            if exceeded:
                _give_back(where, conditional)
                raise Limited(max(1, max(exceeded)))
            try:
                response = current_app.make_response(view(*args, **kwargs))
            except BaseException:
                _give_back(where, conditional)
                raise
            if conditional and not _created(response):
                _give_back(where, conditional)
            return response
        return wrapper
    return decorate


submission_limited = _limited(submission_counters)
tracking_limited = _limited((TRACKING,))
rating_token_limited = _limited((RATING_TOKENS,))


def wait_text(seconds: int, lang: str = "zh") -> str:
    if seconds >= 90:
        minutes = math.ceil(seconds / 60)
        return f"{minutes} 分钟" if lang == "zh" else f"{minutes} min"
    return f"{seconds} 秒" if lang == "zh" else f"{seconds} s"
