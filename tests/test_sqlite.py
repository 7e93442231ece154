"""SQLite as jiandu runs it: writers queue for the lock in short naps; the WAL is checkpointed by a
background thread, not by the commit of whichever request fills it."""
import time

import pytest
from sqlalchemy import text

from jiandu import create_app, sqlite
from jiandu.extensions import db
from tests.conftest import TMP, test_config

pytestmark = pytest.mark.skipif(
    not test_config()["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"), reason="SQLite only")


def _app(name: str):
    path = TMP / name
    path.unlink(missing_ok=True)
    return create_app(test_config(database_url=f"sqlite:///{path}")), path


def test_a_connection_checkpoints_by_itself_only_past_the_safety_net():
    app, _path = _app("wal-pragma.sqlite3")
    with app.app_context():
        assert db.session.execute(text("PRAGMA wal_autocheckpoint")).scalar() == sqlite.SAFETY_PAGES
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        db.engine.dispose()


def test_written_pages_reach_the_database_file_without_a_request_checkpointing():
    app, path = _app("wal-background.sqlite3")
    with app.app_context():
        db.session.execute(text("CREATE TABLE filler (body BLOB)"))
        db.session.commit()
        empty = path.stat().st_size
        # 2,000 pages: past SQLite's own threshold (1,000), below ours, in small commits like requests.
        for _ in range(40):
            db.session.execute(text("INSERT INTO filler (body) SELECT randomblob(4000) "
                                    "FROM (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 "
                                    "UNION ALL SELECT 5) a, (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 "
                                    "UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 "
                                    "UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10) b"))
            db.session.commit()
        deadline = time.monotonic() + 10 * sqlite.INTERVAL
        while path.stat().st_size < empty + 7_000_000 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert path.stat().st_size >= empty + 7_000_000, "the WAL was not checkpointed into the database"
        assert db.session.execute(text("SELECT count(*) FROM filler")).scalar() == 2000
        db.engine.dispose()


def _overshoot(path, begin, release_after: float) -> float:
    """Seconds between the holder's COMMIT and the waiter's BEGIN IMMEDIATE getting through."""
    import sqlite3
    import threading

    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    waiter.execute(f"PRAGMA busy_timeout={sqlite.BUSY_TIMEOUT_MS}")
    released = []

    def release():
        holder.execute("COMMIT")
        released.append(time.monotonic())

    threading.Timer(release_after, release).start()
    begin(waiter)
    got = time.monotonic()
    assert waiter.in_transaction
    waiter.execute("COMMIT")
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == sqlite.BUSY_TIMEOUT_MS
    holder.close(), waiter.close()
    return got - released[0]


def test_a_writer_gets_the_lock_soon_after_it_is_free_not_in_sqlites_coarse_steps(tmp_path):
    # SQLite's own busy handler retries after 1, 3, 8, 18, 33, 53, 78, 103… ms: released at these
    # times, it would get through 3 to 18 ms late.
    overshoots = sorted(_overshoot(tmp_path / f"w{n}.sqlite3", sqlite.begin_immediate, after)
                        for n, after in enumerate((0.030, 0.045, 0.060, 0.090, 0.120)))
    assert overshoots[2] < 0.004, overshoots


def test_a_writer_gives_up_after_the_busy_timeout(tmp_path, monkeypatch):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "stuck.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, isolation_level=None)
    began = time.monotonic()
    with pytest.raises(OperationalError):
        sqlite.begin_immediate(waiter)
    assert 0.1 <= time.monotonic() - began < 1
    assert not waiter.in_transaction


def test_a_scheduled_job_is_not_refused_because_a_request_wrote_meanwhile():
    """A scan reads, then writes; a request that writes in between waits for the scan's lock instead
    of making the scan fail with "database is locked" (a stale read cannot take the write lock)."""
    import sqlite3
    import threading

    from jiandu.queue import run_alone

    app, path = _app("job-lock.sqlite3")
    with app.app_context():
        db.session.execute(text("CREATE TABLE notes (body TEXT)"))
        db.session.commit()
    request_done, errors = threading.Event(), []

    def request_writes():
        try:
            connection = sqlite3.connect(path, timeout=5)
            connection.execute("INSERT INTO notes VALUES ('request')")
            connection.commit()
            connection.close()
        except sqlite3.Error as error:
            errors.append(error)
        finally:
            request_done.set()

    def scan():
        db.session.execute(text("SELECT count(*) FROM notes")).scalar()
        threading.Thread(target=request_writes).start()
        request_done.wait(0.3)
        db.session.execute(text("INSERT INTO notes VALUES ('scan')"))
        return {"scanned": True}

    with app.app_context():
        assert run_alone(f"test-job-lock-{time.time()}", 10, scan) == {"scanned": True}
        db.engine.dispose()
    assert request_done.wait(6) and not errors
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT body FROM notes ORDER BY rowid").fetchall() == [("scan",), ("request",)]
