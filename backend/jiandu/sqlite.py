"""How jiandu runs SQLite, its embedded database: the pragmas of every connection, write
transactions that queue for the write lock in short naps, and the write-ahead log checkpointed
beside the requests instead of inside one of them.

Writers. A transaction that is there to write says so when it starts (begin_writing), so that it
takes the write lock at BEGIN and waits its turn there: one that starts DEFERRED, reads, and then
writes fails at once ("database is locked") when another writer committed in between. SQLite's own
busy handler waits in sleeps of 1, 2, 5, 10… ms, far longer than a report holds the lock (well under
a millisecond), so with a few web workers the writers mostly slept; BEGIN IMMEDIATE is retried here
in naps from 20 µs up to 1 ms instead, for as long as the busy timeout.

Checkpoints. Left to itself, SQLite makes the commit that takes the WAL past 1,000 pages copy them
all into the database file and wait for two fsyncs. A report writes some twenty pages (four rows and
their indexes), so every fiftieth report or so stalled for milliseconds on behalf of everybody's
writes. Here each process that opens a SQLite file runs one daemon thread that checkpoints it every
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

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

INTERVAL = 1.0
SAFETY_PAGES = 10_000  # 40 MB of WAL at SQLite's page size
BUSY_TIMEOUT_MS = 5000
FIRST_NAP, LONGEST_NAP = 0.00002, 0.001

# The execution option begin_writing starts a transaction with; other databases ignore it.
BEGIN_IMMEDIATE = {"sqlite_begin": "IMMEDIATE"}

log = logging.getLogger(__name__)
_started: dict[str, int] = {}  # database file -> pid of the process whose thread checkpoints it
_lock = threading.Lock()


@event.listens_for(Engine, "connect")
def _pragmas(dbapi_connection, _record):
    """WAL (checkpointed in the background), foreign keys, a busy timeout; and let SQLAlchemy, not
    pysqlite, begin transactions."""
    if not type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", f"busy_timeout={BUSY_TIMEOUT_MS}", "synchronous=NORMAL",
                   f"wal_autocheckpoint={SAFETY_PAGES}"):
        dbapi_connection.execute(f"PRAGMA {pragma}")
    path = database_file(dbapi_connection)
    if path:
        keep_checkpointed(path)


@event.listens_for(Engine, "begin")
def _begin(connection):
    if connection.dialect.name != "sqlite":
        return
    if connection.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
        begin_immediate(connection.connection.dbapi_connection)
    else:
        connection.exec_driver_sql("BEGIN")


def begin_immediate(dbapi_connection: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, retried in short naps while another connection holds the write lock."""
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        nap, deadline = FIRST_NAP, time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if not _is_busy(error) or time.monotonic() > deadline:
                    raise OperationalError("BEGIN IMMEDIATE", None, error) from error
            time.sleep(nap)
            nap = min(nap * 2, LONGEST_NAP)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def begin_writing(session):
    """Start the next transaction of `session` (a scoped session) as one that writes, and return its
    connection: on SQLite it holds the write lock from its BEGIN. Whatever the session had open (a
    read) is committed first, since the lock must be asked for at BEGIN."""
    if session().in_transaction():
        session.commit()
    return session.connection(execution_options=BEGIN_IMMEDIATE)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY or "locked" in str(error)


# --- checkpoints ---------------------------------------------------------------------------------

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
