"""Flask extensions, created unbound and initialised in create_app."""
from __future__ import annotations

import flask_limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from jiandu.ratelimit import client_key

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter, whose storage follows the configuration of every app it is bound to (it keeps
    the first app's otherwise; tests bind it to several)."""

    def init_app(self, app) -> None:
        self._storage_uri = app.config.get("RATELIMIT_STORAGE_URI") or None
        super().init_app(app)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
limiter = Limiter(key_func=client_key, default_limits=[], headers_enabled=True)
