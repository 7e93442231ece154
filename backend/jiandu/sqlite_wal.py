"""SQLite's write-ahead log, checkpointed beside the requests instead of inside one of them.

Left to itself, SQLite makes the commit that takes the WAL past 1,000 pages copy them all into the
database file and wait for two fsyncs. A report writes some twenty pages (four rows and their
indexes), so every fiftieth report or so stalled for milliseconds on behalf of everybody's writes.
Here each process that opens a SQLite file runs one daemon thread that checkpoints it every
INTERVAL seconds (PASSIVE: it waits for no reader or writer and none waits for it; sqlite3 lets go
of the GIL meanwhile), and connections check the WAL themselves only past SAFETY_PAGES, a net for
a process whose thread is not running.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time

INTERVAL = 1.0
SAFETY_PAGES = 10_000  # 40 MB of WAL at SQLite's page size
BUSY_TIMEOUT_MS = 5000

log = logging.getLogger(__name__)
_started: dict[str, int] = {}  # database file -> pid of the process whose thread checkpoints it
_lock = threading.Lock()


def database_file(dbapi_connection) -> str | None:
    """The file of a pysqlite connection's main database; None for an in-memory one."""
    row = dbapi_connection.execute("PRAGMA database_list").fetchone()
    return (row[2] or None) if row else None


def keep_checkpointed(path: str) -> None:
    """Make sure this process checkpoints `path` in the background (once per process: a forked
    worker starts its own, as threads do not survive a fork)."""
    pid = os.getpid()
    with _lock:
        if _started.get(path) == pid:
            return
        _started[path] = pid
    threading.Thread(target=_run, args=(path,), name=f"wal-checkpoint {os.path.basename(path)}",
                     daemon=True).start()


def checkpoint(connection: sqlite3.Connection) -> tuple[int, int, int]:
    """One PASSIVE checkpoint: (busy, pages in the WAL, pages checkpointed)."""
    return tuple(connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())


def _run(path: str) -> None:
    connection = None
    while True:
        time.sleep(INTERVAL)
        try:
            if connection is None:
                if not os.path.exists(path):
                    return  # the database is gone (a test's temporary file): nothing left to keep
                connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                             check_same_thread=False)
            checkpoint(connection)
        except sqlite3.Error as error:
            log.warning("WAL checkpoint of %s failed: %s", path, error)
            if connection is not None:
                connection.close()
                connection = None
