"""Fixtures of notify's tests: VAPID keys, the local push service, a private Redis, and a live app
(its own SQLite file and Redis) that a real RQ worker can see — the per-test transaction of the
session app is invisible to a worker, so everything a job must read is committed in the live app."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import select

from jiandu import create_app
from jiandu.extensions import db
from jiandu.notify.webpush import generate_keys
from tests.conftest import PASSWORD, TMP, build_world, https_client, test_config
from tests.projects.conftest import make_enterprise, make_project  # noqa: F401  (fixtures of the blocker tests)
from tests.support.push_service import PushService

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@pytest.fixture(scope="session")
def vapid():
    public, private = generate_keys()
    return {"public": public, "private": private}


@pytest.fixture
def push_on(app, vapid, monkeypatch):
    """The session app with VAPID keys (its tests run in the rolled-back transaction)."""
    monkeypatch.setitem(app.config, "VAPID_PUBLIC_KEY", vapid["public"])
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", vapid["private"])
    return vapid


@pytest.fixture
def push_service(vapid, request, monkeypatch):
    """The local push service, trusted (PUSH_TRUSTED_HOSTS: its 127.0.0.1:port only) by every app of the test."""
    with PushService(vapid_public_key=vapid["public"], hang_seconds=5) as service:
        trust(request, monkeypatch, service.url)
        yield service


def trust(request, monkeypatch, *urls: str) -> None:
    """Let these local servers' host:port through the endpoint rule, in the session app and in the live
    app or a test's own app (`live`, `down_env`) when the test uses one."""
    apps = [request.getfixturevalue("app")]
    apps += [request.getfixturevalue(name).app for name in ("live", "down_env") if name in request.fixturenames]
    for app in apps:
        entries = [e for e in str(app.config.get("PUSH_TRUSTED_HOSTS") or "").split(",") if e]
        entries += [urlsplit(url).netloc for url in urls]
        monkeypatch.setitem(app.config, "PUSH_TRUSTED_HOSTS", ",".join(entries))


# --- a private Redis ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own, on its own port, with nothing kept on disk; stop() and start() at will."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="jiandu-redis-"))
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir), "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = Redis.from_url(self.url, socket_connect_timeout=0.2)
        for _ in range(200):
            try:
                if client.ping():
                    return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def is_up(self) -> bool:
        try:
            return bool(Redis.from_url(self.url, socket_connect_timeout=0.2).ping())
        except Exception:
            return False


@pytest.fixture(scope="session")
def private_redis():
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)


# --- a live app that a worker can see --------------------------------------------------------------

@dataclass
class Live:
    app: Flask
    redis: PrivateRedis

    def client(self, username: str):
        api = https_client(self.app)
        response = api.login(username, PASSWORD)
        assert response.status_code == 200, response.get_json()
        return api

    def run_worker(self) -> None:
        """A real RQ worker (the Procfile's AppWorker: non-forking, an app context per job), until the queues
        are empty."""
        run_worker(self.app)

    def user(self, username: str):
        from jiandu.org.models import User

        return db.session.scalar(select(User).where(User.username == username))


def run_worker(app) -> None:
    from jiandu.queue import QUEUE_NAMES, redis_connection
    from jiandu.worker import AppWorker

    with app.app_context():
        connection = redis_connection()
    AppWorker.app = app
    worker = AppWorker(list(QUEUE_NAMES), connection=connection)
    worker.work(burst=True, with_scheduler=False, logging_level="WARNING")


def live_config(name: str, redis_url: str, vapid: dict, **extra) -> dict:
    return test_config(
        database_url=os.environ.get("TEST_DATABASE_URL_NOTIFY") or f"sqlite:///{TMP}/{name}-{uuid.uuid4().hex[:8]}.sqlite3",
        REDIS_URL=redis_url,
        VAPID_PUBLIC_KEY=vapid["public"],
        VAPID_PRIVATE_KEY=vapid["private"],
        VAPID_SUBJECT="mailto:ops@jiandu.test",
        NOTIFY_KICK=True,
        NOTIFY_EVENT_GRACE_SECONDS=0,
        PUSH_CONNECT_TIMEOUT=1.0,
        PUSH_READ_TIMEOUT=0.5,
        PUSH_RETRY_BASE_SECONDS=0.2,
        RATELIMIT_KEY_PREFIX=f"notify-{uuid.uuid4().hex[:12]}",
        **extra,
    )


@pytest.fixture(scope="session")
def live(private_redis, vapid):
    app = create_app(live_config("notify-live", private_redis.url, vapid))
    build_world(app)
    return Live(app, private_redis)


def clean_slate() -> None:
    """Nothing left over from the demo's seeding or an earlier test: no waiting events, no devices."""
    from sqlalchemy import update

    from jiandu.notify.models import Delivery, OutboxEvent, PushSubscription

    db.session.execute(update(OutboxEvent).where(OutboxEvent.status == "pending").values(status="done"))
    db.session.execute(update(Delivery).where(Delivery.status.in_(("pending", "retry", "sending")))
                       .values(status="skipped"))
    db.session.execute(update(PushSubscription).where(PushSubscription.status == "active").values(status="removed"))
    db.session.commit()


@pytest.fixture
def live_ctx(live):
    """An app context of the live app for the test body (its session sees what the worker commits)."""
    Redis.from_url(live.redis.url).flushdb()
    with live.app.app_context():
        clean_slate()
        yield live
        db.session.remove()
