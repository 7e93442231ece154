"""The tests' clock: the whole suite runs at a moment it chooses, never at whatever day it is.

    JIANDU_TEST_NOW=2027-02-08T10:00      a local (Asia/Shanghai) moment, or with its offset / Z
    JIANDU_TEST_NOW=now                   the real moment (the default)

The clock is moved once, when the test session starts (time-machine, ticking: time flows on from
there at its real pace), so the demo world, every fixture and every request see the same calendar.
Processes the tests start (an RQ worker) take the clock with them: `subprocess_env()` hands them the
offset and `python -m tests.support.clocked …` applies it before it runs the `jiandu` command; the
browser of the end-to-end tests is set to it as well.
"""
from __future__ import annotations

import os
import time
from datetime import datetime, timezone

import time_machine

from jiandu.timeutil import LOCAL

NOW_ENV = "JIANDU_TEST_NOW"
OFFSET_ENV = "JIANDU_TEST_CLOCK_OFFSET"

_traveller: time_machine.travel | None = None
_offset = 0.0


def parse(text: str) -> datetime:
    """An aware moment from an ISO 8601 text; without an offset it is a moment in the city's time."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL)


def start(text: str | None = None) -> datetime:
    """Move this process' clock to the chosen moment (or keep the real one); returns the moment."""
    global _traveller, _offset
    text = text if text is not None else os.environ.get(NOW_ENV, "now")
    if text.strip().lower() in ("", "now"):
        _offset = float(os.environ.get(OFFSET_ENV) or 0)
    else:
        _offset = parse(text).timestamp() - time.time()
    if _offset:
        _traveller = time_machine.travel(time.time() + _offset, tick=True)
        _traveller.start()
    os.environ[OFFSET_ENV] = repr(_offset)  # inherited by every process the tests start
    return datetime.now(timezone.utc)


def stop() -> None:
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None


def moved() -> bool:
    """Whether the tests run at another moment than the real one."""
    return bool(_offset)


def describe() -> str:
    now = datetime.now(timezone.utc).astimezone(LOCAL)
    where = "the real clock" if not _offset else f"moved {_offset / 86400:+.1f} days by {NOW_ENV}"
    return f"clock: {now:%Y-%m-%d %H:%M} Asia/Shanghai ({where})"
