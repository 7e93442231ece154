"""Migrations: `upgrade` from an empty database gives exactly the models' schema, with one head."""
import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from jiandu import create_app
from jiandu.config import ROOT
from jiandu.extensions import db
from tests.conftest import TMP, test_config


def _empty_database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        path = TMP / "migrations.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS migcheck CASCADE"))
        connection.execute(text("CREATE SCHEMA migcheck"))
    engine.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3Dmigcheck"


def test_single_head():
    script = ScriptDirectory(str(ROOT / "migrations"))
    assert len(script.get_heads()) == 1


def test_upgrade_from_empty_matches_models():
    app = create_app(test_config(database_url=_empty_database_url()))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []
