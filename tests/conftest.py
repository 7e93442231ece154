"""Test fixtures: one database per session (the demo city), one rolled-back transaction per test.

TEST_DATABASE_URL selects PostgreSQL; otherwise a SQLite file in a temp dir. REDIS_URL is a real
Redis (scripts/test.sh starts a private one).
"""
import os
import tempfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from jiandu import create_app
from jiandu.extensions import db, limiter
from jiandu.intake import limits as intake_limits
from tests.support import clock
from tests.support.openapi_check import DocumentedClient

TMP = Path(tempfile.mkdtemp(prefix="jiandu-tests-"))
PASSWORD = "jiandu-demo"


def test_config(database_url: str | None = None, **extra) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url or os.environ.get("TEST_DATABASE_URL")
        or f"sqlite:///{TMP / 'test.sqlite3'}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:56379/0"),
        "SECRET_KEY": "test-secret-key",
        "CONTACT_KEYS": Fernet.generate_key().decode(),
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 8 * 1024,
        "PUBLIC_BASE_URL": "https://jiandu.test",
        "JIANDU_INSTANCE": str(TMP / "instance"),
        **extra,
    }


def pytest_configure(config):
    clock.start()  # before any fixture: the demo world is built on the tests' calendar too


def pytest_unconfigure(config):
    clock.stop()


def pytest_report_header(config):
    return clock.describe()


# What counts time: deadlines on the working-day calendar, warnings and scans, the scheduler, the
# demo city's dates, projects' limits, tasks' due days, tracking. scripts/test.sh runs these again
# with the clock moved (`-m date_sensitive`).
DATE_SENSITIVE = ("tests/cases/", "tests/notify/", "tests/projects/", "tests/fieldwork/",
                  "tests/intake/test_tracking.py", "tests/test_sqlite.py")


def pytest_collection_modifyitems(config, items):
    root = Path(str(config.rootpath))
    for item in items:
        where = Path(str(item.path)).relative_to(root).as_posix()
        if where.startswith(DATE_SENSITIVE):
            item.add_marker(pytest.mark.date_sensitive)


test_config.__test__ = False  # a helper, not a test, wherever it is imported


def build_world(app) -> None:
    """Fresh schema and the demo city, committed."""
    from jiandu.demo.seed import seed_demo

    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_demo()
        db.session.commit()


@pytest.fixture(scope="session")
def app():
    app = create_app(test_config())
    app.test_client_class = DocumentedClient  # every answer of the API held against its OpenAPI document
    build_world(app)
    return app


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Every test runs in a transaction that is rolled back; commits inside become savepoints."""
    if request.node.get_closest_marker("e2e") or "live_server" in request.fixturenames:
        yield
        return
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
        for reset in (limiter.reset, intake_limits.reset):  # every count of the last test forgotten
            try:
                reset()
            except Exception:
                pass
        try:
            yield
        finally:
            db.session.remove()
            outer.rollback()
            connection.close()
            engines[None] = engine


class ApiClient:
    """The test client as the PWA uses it: session cookie plus the CSRF header on writes."""

    def __init__(self, flask_client):
        self.http = flask_client
        self.csrf = None

    def login(self, username: str, password: str = PASSWORD):
        response = self.http.post("/api/v1/auth/login", json={"username": username, "password": password})
        if response.status_code == 200:
            self.csrf = response.get_json()["csrf_token"]
        return response

    def _headers(self, headers):
        merged = dict(headers or {})
        if self.csrf:
            merged.setdefault("X-CSRF-Token", self.csrf)
        return merged

    def get(self, url, **kw):
        return self.http.get(url, **kw)

    def post(self, url, headers=None, **kw):
        return self.http.post(url, headers=self._headers(headers), **kw)

    def patch(self, url, headers=None, **kw):
        return self.http.patch(url, headers=self._headers(headers), **kw)

    def put(self, url, headers=None, **kw):
        return self.http.put(url, headers=self._headers(headers), **kw)

    def delete(self, url, headers=None, **kw):
        return self.http.delete(url, headers=self._headers(headers), **kw)


def https_client(app) -> ApiClient:
    """A client seen the way a deployment sees it: HTTPS, as told by the TLS-terminating proxy."""
    http = app.test_client()
    http.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"
    return ApiClient(http)


@pytest.fixture
def client(app):
    return https_client(app)


@pytest.fixture
def as_user(app):
    """as_user("inspector") → an ApiClient signed in as that demo account."""

    def sign_in(username: str, password: str = PASSWORD) -> ApiClient:
        api = https_client(app)
        response = api.login(username, password)
        assert response.status_code == 200, response.get_json()
        return api

    return sign_in
