"""SQLite's WAL is checkpointed by a background thread, not by the commit of whichever request fills it."""
import time

import pytest
from sqlalchemy import text

from jiandu import create_app, sqlite_wal
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
        assert db.session.execute(text("PRAGMA wal_autocheckpoint")).scalar() == sqlite_wal.SAFETY_PAGES
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
        deadline = time.monotonic() + 10 * sqlite_wal.INTERVAL
        while path.stat().st_size < empty + 7_000_000 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert path.stat().st_size >= empty + 7_000_000, "the WAL was not checkpointed into the database"
        assert db.session.execute(text("SELECT count(*) FROM filler")).scalar() == 2000
        db.engine.dispose()
