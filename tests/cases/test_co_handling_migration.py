"""Revision 7f20b822f54a moves co-handling departments from "3,7" in `cases.co_department_ids` to rows
of `case_co_departments`, and back on downgrade."""
from datetime import datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from jiandu import create_app
from jiandu.config import ROOT
from jiandu.extensions import db
from tests.conftest import test_config
from tests.test_migrations import _empty_database_url

BEFORE, AFTER = "fc49fc04aebf", "7f20b822f54a"
MIGRATIONS = str(ROOT / "migrations")


def _world(connection):
    now = datetime(2026, 1, 5, 9, 0)
    connection.execute(text("INSERT INTO jurisdictions (id, name, level, path, active, created_at) "
                            "VALUES (1, '包头市', 'city', '/1/', true, :now)"), {"now": now})
    for unit_id in (3, 7, 17):
        connection.execute(text("INSERT INTO units (id, name, kind, jurisdiction_id, active, version, created_at) "
                                "VALUES (:id, :name, 'department', 1, true, 1, :now)"),
                           {"id": unit_id, "name": f"部门{unit_id}", "now": now})
    # 99 is no unit, and 7 is there twice: neither may break the new table's keys.
    for case_id, co in ((1, "3,7"), (2, None), (3, "17,7,7,99"), (4, "")):
        connection.execute(text(
            "INSERT INTO cases (id, state, channel, summary, jurisdiction_id, department_id, restricted, warning, "
            "returns_count, reopen_count, version, created_at, updated_at, due_provisional, escalation_level, "
            "co_department_ids) VALUES (:id, 'assigned', 'window_code', '窗口推诿', 1, 3, false, 'none', 0, 0, 1, "
            ":now, :now, false, 0, :co)"), {"id": case_id, "co": co, "now": now})


def test_co_departments_are_copied_both_ways():
    app = create_app(test_config(database_url=_empty_database_url()))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision=BEFORE)
        with db.engine.begin() as connection:
            _world(connection)
        upgrade(directory=MIGRATIONS, revision=AFTER)
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT case_id, department_id FROM case_co_departments "
                                           "ORDER BY case_id, department_id")).all()
        assert [tuple(r) for r in rows] == [(1, 3), (1, 7), (3, 7), (3, 17)]
        downgrade(directory=MIGRATIONS, revision=BEFORE)
        with db.engine.connect() as connection:
            back = dict(connection.execute(text("SELECT id, co_department_ids FROM cases")).all())
        assert back == {1: "3,7", 2: None, 3: "7,17", 4: None}
        db.engine.dispose()
