"""Short-lived, per-process caches of public, derived data: the rendered landing pages and the lists
of categories and reasons they show.

They hold nothing a write depends on (a submission is always checked against the database), are
bounded in size, and expire after INTAKE_PAGE_CACHE_SECONDS (default 30; 0 turns them off). A page is
keyed by its point's version and served only while the point is active (both read from the database
on every request), so an edit to or the deactivation of a point shows at once everywhere; only a
renamed hall, department or category may show its old name for up to that time in other processes.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

from flask import current_app

DEFAULT_SECONDS = 30
MAX_PAGES = 1024


class TtlCache:
    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            found = self.items.get(key)
            if found is None:
                return None
            expires, value = found
            if expires < time.monotonic():
                del self.items[key]
                return None
            self.items.move_to_end(key)
            return value

    def put(self, key, value, seconds: float) -> None:
        with self.lock:
            self.items[key] = (time.monotonic() + seconds, value)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


pages = TtlCache(MAX_PAGES)
options = TtlCache(4)


def seconds() -> float:
    return float(current_app.config.get("INTAKE_PAGE_CACHE_SECONDS", DEFAULT_SECONDS) or 0)


def clear() -> None:
    pages.clear()
    options.clear()
