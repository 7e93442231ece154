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


def _predicates(indexes) -> dict:
    """{index name: its WHERE, normalised} of the partial ones (the comparison above does not look)."""
    found = {}
    for index in indexes:
        for option, value in index.items():
            if option.endswith("_where") and value is not None:
                found[index["name"]] = " ".join(str(value).replace('"', "").strip("()").lower().split())
    return found


def test_partial_indexes_are_partial_after_upgrade():
    from sqlalchemy import inspect

    expected = {}
    for table in db.metadata.tables.values():
        expected.update(_predicates({"name": index.name, **index.dialect_kwargs} for index in table.indexes))
    assert expected, "the models declare partial indexes"
    app = create_app(test_config(database_url=_empty_database_url()))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        inspector = inspect(db.engine)
        found = {}
        for table in {name.split(".")[-1] for name in db.metadata.tables}:
            found.update(_predicates({"name": index["name"], **index.get("dialect_options", {})}
                                     for index in inspector.get_indexes(table)))
        db.engine.dispose()
    assert {name: found.get(name) for name in expected} == expected
