"""Benchmark: fan-out of 10,000 Web Push notifications, outbox rows → requests at the push service.

Run alone: `.venv/bin/python bench/push.py` (also run by `make bench`). It makes its own SQLite
database in a temp dir, uses REDIS_URL if given (else starts a redis-server of its own on a free
port), runs the local push service of the tests (tests/support/push_service.py: it verifies every
VAPID JWT and decrypts every aes128gcm payload before it counts it) in a process of its own, and
starts the worker exactly as the Procfile does (`jiandu worker`) as a subprocess.

  baseline: a plain loop calling pywebpush's webpush() for the same 10,000 subscriptions, to the same
            push service, in this run;
  ours:     1,000 `case.assigned` events already in the outbox (10 handlers in each of 1,000 departments,
            one device each); the dispatcher (the sweep the scheduler runs every few seconds) puts them
            on the queue; the worker fans them out into notifications and deliveries and sends them.
            The clock runs from the dispatch until the push service has accepted all 10,000.

  bench push_fanout_ratio: X (goal >= 0.7)     notifications per second, ours ÷ baseline
"""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "apps"))

from bench_city import city_skeleton  # noqa: E402

N_DEPARTMENTS = int(os.environ.get("BENCH_PUSH_DEPARTMENTS", "1000"))
HANDLERS_PER_DEPARTMENT = int(os.environ.get("BENCH_PUSH_HANDLERS", "10"))
N = N_DEPARTMENTS * HANDLERS_PER_DEPARTMENT
SUBJECT = "mailto:bench@jiandu.test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the push service, in a process of its own ----------------------------------------------------------

def _push_service_main(public_key: str, count: int, conn) -> None:
    from tests.support.push_service import PushService

    with PushService(vapid_public_key=public_key) as service:
        subscriptions = [service.new_device().subscription(service.url) for _ in range(count)]
        conn.send(subscriptions)
        while True:
            command = conn.recv()
            if command == "stop":
                break
            if command == "count":
                conn.send(len(service.received))
                continue
            with service.lock:
                per_device = {}
                for r in service.received:
                    per_device[r.device_id] = per_device.get(r.device_id, 0) + 1
                conn.send({"received": len(service.received), "rejected": len(service.rejected),
                           "requests": service.requests, "devices": len(per_device),
                           "most_per_device": max(per_device.values(), default=0)})


class PushServiceProcess:
    def __init__(self, public_key: str, count: int):
        self.conn, child = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=_push_service_main, args=(public_key, count, child), daemon=True)
        self.process.start()
        self.subscriptions = self.conn.recv()

    def stats(self) -> dict:
        self.conn.send("stats")
        return self.conn.recv()

    def count(self) -> int:
        self.conn.send("count")
        return self.conn.recv()

    def stop(self) -> None:
        try:
            self.conn.send("stop")
        except Exception:
            pass
        self.process.join(timeout=10)


# --- Redis ----------------------------------------------------------------------------------------------

class OwnRedis:
    def __init__(self, workdir: Path):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from redis import Redis

        client = Redis.from_url(self.url, socket_connect_timeout=0.2)
        for _ in range(200):
            try:
                if client.ping():
                    return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


# --- the baseline ------------------------------------------------------------------------------------------

def payload(i: int) -> str:
    return json.dumps({"id": i, "kind": "case.assigned", "title": "新转办案件",
                       "body": f"JD2026{i:07d}：窗口办事推诿，材料反复退回。请于5月6日 17:30前签收",
                       "url": f"/?n={i}#/cases/{i}", "tag": f"case-{i}", "icon": "/app/icons/icon-192.png",
                       "lang": "zh-CN", "ts": 1760000000000}, ensure_ascii=False)


def baseline(subscriptions: list[dict], private_key: str) -> float:
    from pywebpush import webpush

    started = time.perf_counter()
    for i, subscription in enumerate(subscriptions):
        webpush(subscription, payload(i), vapid_private_key=private_key, vapid_claims={"sub": SUBJECT},
                ttl=86400, timeout=10)
    return time.perf_counter() - started


# --- ours ------------------------------------------------------------------------------------------------

def environment(db_url: str, redis_url: str, public: str, private: str, instance: Path) -> dict:
    from cryptography.fernet import Fernet

    return {"DATABASE_URL": db_url, "REDIS_URL": redis_url, "VAPID_PUBLIC_KEY": public, "VAPID_PRIVATE_KEY": private,
            "VAPID_SUBJECT": SUBJECT, "SECRET_KEY": "bench-secret", "CONTACT_KEYS": Fernet.generate_key().decode(),
            "JIANDU_INSTANCE": str(instance), "RATELIMIT_ENABLED": "0"}


def build_world(app, subscriptions: list[dict]) -> None:
    """A city, N_DEPARTMENTS departments with their handlers (one device each), a case assigned to
    each department and its `case.assigned` event waiting in the outbox (as the web request left it)."""
    from sqlalchemy import insert

    from jiandu.cases.models import Case
    from jiandu.extensions import db
    from jiandu.notify.models import OutboxEvent, PushSubscription
    from jiandu.notify.service import digest
    from jiandu.org.models import Unit, User
    from jiandu.timeutil import iso_utc, utcnow

    now = utcnow()
    city, _, _ = city_skeleton(counties=0, departments=0, city_departments=True)
    db.session.execute(insert(Unit), [{"id": d + 1, "name": f"部门{d + 1}", "kind": "department",
                                       "jurisdiction_id": city.id, "active": True, "version": 1, "created_at": now}
                                      for d in range(N_DEPARTMENTS)])
    users, subs = [], []
    for i, subscription in enumerate(subscriptions):
        department = i // HANDLERS_PER_DEPARTMENT + 1
        users.append({"id": i + 1, "username": f"handler{i + 1}", "display_name": f"经办人{i + 1}", "role": "handler",
                      "jurisdiction_id": city.id, "unit_id": department, "locale": "zh", "active": True,
                      "session_epoch": 0, "created_at": now})
        subs.append({"user_id": i + 1, "owner_key": "user", "endpoint": subscription["endpoint"],
                     "endpoint_digest": digest(subscription["endpoint"]), "p256dh": subscription["keys"]["p256dh"],
                     "auth": subscription["keys"]["auth"], "status": "active", "created_at": now, "updated_at": now})
    db.session.execute(insert(User), users)
    db.session.execute(insert(PushSubscription), subs)
    db.session.execute(insert(Case), [{"id": d + 1, "number": f"JD2026{d + 1:07d}", "state": "assigned",
                                       "channel": "window_code", "summary": "窗口办事推诿，材料反复退回",
                                       "jurisdiction_id": city.id, "department_id": d + 1, "warning": "none",
                                       "returns_count": 0, "reopen_count": 0, "version": 1, "created_at": now,
                                       "updated_at": now, "escalation_level": 0, "restricted": False,
                                       "due_provisional": False, "sign_due_at": now,
                                       # handed to the department (转办): only then may its handlers read it
                                       "assigned_at": now, "case_type": "service_request"}
                                      for d in range(N_DEPARTMENTS)])
    db.session.execute(insert(OutboxEvent), [
        {"kind": "case.assigned", "payload": {"case_id": d + 1, "number": f"JD2026{d + 1:07d}", "department_id": d + 1,
                                              "jurisdiction_id": city.id, "due_at": iso_utc(now), "actor_id": None},
         "created_at": now, "attempts": 0, "status": "pending"} for d in range(N_DEPARTMENTS)])
    db.session.commit()


def wait_for_worker(redis_url: str, timeout: float = 60) -> None:
    from redis import Redis
    from rq import Worker

    connection = Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Worker.all(connection=connection):
            return
        time.sleep(0.1)
    raise RuntimeError("the worker did not start")


def ours(app, service: PushServiceProcess, start_count: int, timeout: float = 600) -> float:
    from jiandu.notify.jobs import sweep
    from jiandu.timeutil import utcnow

    started = time.perf_counter()
    with app.app_context():
        # The dispatcher: what the scheduled sweep does (the rows are older than its grace period).
        sweep(now=utcnow() + timedelta(seconds=60))
    deadline = time.monotonic() + timeout
    while True:
        received = service.count() - start_count
        if received >= N:
            return time.perf_counter() - started
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {received} of {N} arrived: {service.stats()}")
        time.sleep(0.02)


def main() -> int:
    from jiandu.notify.webpush import generate_keys

    workdir = Path(tempfile.mkdtemp(prefix="jiandu-bench-push-"))
    own_redis = None
    worker = None
    service = None
    try:
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            own_redis = OwnRedis(workdir)
            redis_url = own_redis.url
        public, private = generate_keys()
        service = PushServiceProcess(public, N)
        subscriptions = service.subscriptions

        # Baseline: the plain loop.
        base_seconds = baseline(subscriptions, private)
        stats = service.stats()
        assert stats["received"] == N and stats["rejected"] == 0, stats
        base_rate = N / base_seconds

        # Ours: the outbox, the dispatcher, the worker of the Procfile.
        db_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        env = environment(db_url, redis_url, public, private, workdir / "instance")
        env["PUSH_TRUSTED_HOSTS"] = urlsplit(subscriptions[0]["endpoint"]).netloc  # the local push service
        os.environ.update(env)
        from jiandu import create_app

        app = create_app({"TESTING": False})
        with app.app_context():
            build_world(app, subscriptions)
        from redis import Redis
        from rq import Queue

        from jiandu.queue import QUEUE_NAMES

        waiting = {name: Queue(name, connection=Redis.from_url(redis_url)).count for name in QUEUE_NAMES}
        if any(waiting.values()):
            print(f"note: jobs already waiting in {redis_url}: {waiting}", file=sys.stderr)
        jiandu = str(Path(sys.executable).parent / "jiandu")
        log = open(workdir / "worker.log", "wb")
        worker = subprocess.Popen([jiandu, "worker"], cwd=str(ROOT), env={**os.environ, **env},
                                  stdout=log, stderr=subprocess.STDOUT)
        wait_for_worker(redis_url)
        our_seconds = ours(app, service, N)
        time.sleep(1)  # anything sent twice would arrive now
        stats = service.stats()
        # Every device: one message from the baseline, one from ours; nothing refused, nothing twice.
        assert stats["rejected"] == 0 and stats["received"] == 2 * N and stats["most_per_device"] == 2, stats
        with app.app_context():
            from sqlalchemy import func, select

            from jiandu.extensions import db
            from jiandu.notify.models import Delivery, Notification

            notifications = db.session.scalar(select(func.count()).select_from(Notification))
            sent = db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == "sent"))
        our_rate = N / our_seconds
        print(f"baseline webpush() loop: {N} in {base_seconds:.2f}s = {base_rate:.0f}/s")
        print(f"outbox → worker → push service: {N} in {our_seconds:.2f}s = {our_rate:.0f}/s "
              f"({notifications} notifications, {sent} deliveries sent;"
              " each device got it once, VAPID and payload checked)")
        print(f"bench push_fanout_ratio: {our_rate / base_rate:.2f} (goal >= 0.7)")
        return 0
    except Exception:
        log_file = workdir / "worker.log"
        if log_file.exists():
            print(log_file.read_text(errors="replace")[-4000:], file=sys.stderr)
        raise
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        if service is not None:
            service.stop()
        if own_redis is not None:
            own_redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
