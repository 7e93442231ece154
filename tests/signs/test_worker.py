"""Batches through a real RQ worker: progress, history, download, reprint; a worker killed in the
middle of a batch leaves no half-written PDF, the batch runs again or fails with its reason, and
an administrator can start it again.

A live app of its own (a SQLite file, a private Redis) so that a worker process sees what the
test commits; the worker is the Procfile's (`jiandu worker --burst --queue print`) or, where the
test only needs the job done, the same AppWorker in this process.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import select

from jiandu import create_app
from jiandu.extensions import db
from jiandu.org.models import Point, Unit
from jiandu.signs.models import SignBatch
from jiandu.timeutil import utcnow
from tests.conftest import PASSWORD, TMP, build_world, https_client, test_config
from tests.signs.conftest import BASE, SMALL_HALL, decode_pages

ROOT = Path(__file__).resolve().parents[2]
BIGGER_HALL = "石拐区政务服务中心"  # 41 windows: six chunks of 8 signs
# The `jiandu` command, on the tests' clock.
JIANDU = [sys.executable, "-m", "tests.support.clocked"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Live:
    app: object
    redis_url: str
    env: dict
    instance: Path

    def client(self, username: str = "admin"):
        api = https_client(self.app)
        response = api.login(username, PASSWORD)
        assert response.status_code == 200, response.get_json()
        return api

    def hall(self, name: str) -> tuple[int, set[str]]:
        with self.app.app_context():
            hall = db.session.scalar(select(Unit).where(Unit.name == name, Unit.kind == "hall"))
            codes = db.session.scalars(select(Point.code).where(Point.hall_id == hall.id, Point.active.is_(True)))
            return hall.id, {f"{BASE}/q/{code}" for code in codes}

    def batch(self, batch_id: int) -> SignBatch:
        with self.app.app_context():
            return db.session.get(SignBatch, batch_id)

    def watch(self) -> dict:
        """The scheduler's `signs-watch` job, as a worker runs it."""
        from jiandu.signs.watch import watch_batches_job

        with self.app.app_context():
            return watch_batches_job()

    def worker_in_process(self) -> None:
        """The Procfile's AppWorker (non-forking, an app context per job), until `print` is empty."""
        from jiandu.queue import redis_connection
        from jiandu.worker import AppWorker

        with self.app.app_context():
            connection = redis_connection()
        AppWorker.app = self.app
        AppWorker(["print"], connection=connection).work(burst=True, with_scheduler=False, logging_level="WARNING")

    def worker_process(self) -> subprocess.Popen:
        """`jiandu worker --burst --queue print` in a session of its own (so it can be killed whole)."""
        return subprocess.Popen([*JIANDU, "worker", "--burst", "--queue", "print"], env=self.env, cwd=str(ROOT),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)

    def pdf(self, batch_id: int) -> Path:
        return self.instance / "signs" / f"batch-{batch_id}.pdf"


@pytest.fixture(scope="module")
def live():
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="jiandu-signs-redis-"))
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(folder)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(200):
        try:
            if Redis.from_url(url, socket_connect_timeout=0.2).ping():
                break
        except Exception:
            time.sleep(0.05)
    tag = uuid.uuid4().hex[:8]
    database = f"sqlite:///{TMP}/signs-live-{tag}.sqlite3"
    instance = TMP / f"signs-instance-{tag}"
    settings = {"SIGNS_HEARTBEAT_TTL": "2", "SIGNS_CHUNK_SIGNS": "8"}
    config = test_config(database, REDIS_URL=url, JIANDU_INSTANCE=str(instance), **settings)
    app = create_app(config)
    build_world(app)
    env = dict(os.environ, DATABASE_URL=database, REDIS_URL=url, JIANDU_INSTANCE=str(instance),
               SECRET_KEY=config["SECRET_KEY"], CONTACT_KEYS=config["CONTACT_KEYS"],
               PUBLIC_BASE_URL=config["PUBLIC_BASE_URL"], **settings)
    try:
        yield Live(app, url, env, instance)
    finally:
        redis.terminate()
        redis.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def _wait(predicate, timeout: float, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out")


def test_progress_history_and_download_with_a_worker_process(live):
    admin = live.client()
    hall_id, wanted = live.hall(SMALL_HALL)
    made = admin.post("/api/v1/signs/batches", json={"template": "window-a5-2up", "hall_id": hall_id})
    assert made.status_code == 202, made.get_json()
    batch_id, total = made.get_json()["id"], made.get_json()["total"]
    assert total == len(wanted)
    worker = live.worker_process()
    seen = []
    try:
        def finished():
            state = admin.get(f"/api/v1/signs/batches/{batch_id}").get_json()
            seen.append(state)
            return state["status"] in ("done", "failed") and state

        final = _wait(finished, timeout=180, every=0.05)
        assert worker.wait(timeout=60) == 0, worker.stderr.read().decode()[-2000:]
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert final["status"] == "done", final
    assert final["done"] == total and final["eta_seconds"] == 0 and final["pages"] == -(-total // 2)
    running = [s for s in seen if s["status"] == "running"]
    assert running, "the batch was seen running"
    partial = [s for s in running if 0 < s["done"] < total]
    assert partial, f"progress was seen between 0 and {total}: {[s['done'] for s in running]}"
    assert any(s["eta_seconds"] is not None for s in partial)
    assert [s["done"] for s in seen] == sorted(s["done"] for s in seen), "progress never goes back"

    history = admin.get("/api/v1/signs/batches").get_json()["items"]
    assert history[0]["id"] == batch_id and history[0]["pdf_url"] == f"/api/v1/signs/batches/{batch_id}/pdf"
    download = admin.get(f"/api/v1/signs/batches/{batch_id}/pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    out = TMP / f"download-{batch_id}.pdf"
    out.write_bytes(download.data)
    pages = decode_pages(out, 100, [2] * (total // 2) + [1] * (total % 2))
    assert {url for page in pages for url in page} == wanted
    assert all(len(page) == 2 for page in pages[:-1])
    # The admin who asked is told the batch is ready (an outbox event, written with the result).
    from jiandu.notify.models import OutboxEvent

    with live.app.app_context():
        ready = db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "print_batch.ready")).all()
        assert [(e.payload["batch_id"], e.payload["user_id"]) for e in ready] == [
            (batch_id, live.batch(batch_id).created_by)]


def test_a_single_sign_is_reprinted_from_the_history(live):
    admin = live.client()
    hall_id, _ = live.hall(SMALL_HALL)
    made = admin.post("/api/v1/signs/batches", json={"template": "tent-a6", "hall_id": hall_id}).get_json()
    live.worker_in_process()
    assert admin.get(f"/api/v1/signs/batches/{made['id']}").get_json()["status"] == "done"
    points = admin.get(f"/api/v1/signs/batches/{made['id']}/points").get_json()
    chosen = points[4]
    again = admin.post(f"/api/v1/signs/batches/{made['id']}/reprint", json={"point_id": chosen["id"]})
    assert again.status_code == 202, again.get_json()
    reprint = again.get_json()
    assert reprint["total"] == 1 and reprint["reprint_of"] == made["id"] and reprint["template"] == "tent-a6"
    live.worker_in_process()
    assert admin.get(f"/api/v1/signs/batches/{reprint['id']}").get_json()["status"] == "done"
    out = TMP / f"reprint-{reprint['id']}.pdf"
    out.write_bytes(admin.get(f"/api/v1/signs/batches/{reprint['id']}/pdf").data)
    assert decode_pages(out) == [[f"{BASE}/q/{chosen['code']}"] * 2]  # a tent: both faces
    other = admin.post(f"/api/v1/signs/batches/{made['id']}/reprint", json={"point_id": 1})
    assert other.status_code == 422


def test_a_killed_worker_leaves_no_pdf_and_the_batch_runs_again(live):
    admin = live.client()
    hall_id, wanted = live.hall(BIGGER_HALL)
    made = admin.post("/api/v1/signs/batches", json={"template": "window-a5-2up", "hall_id": hall_id}).get_json()
    batch_id = made["id"]
    worker = live.worker_process()
    try:
        _wait(lambda: admin.get(f"/api/v1/signs/batches/{batch_id}").get_json()["done"] >= 8, timeout=180)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and the render processes it started
        worker.wait(timeout=30)
    state = live.batch(batch_id)
    assert state.status == "running" and 0 < state.done < state.total
    assert not live.pdf(batch_id).exists(), "no PDF under the final name"
    assert list((live.instance / "signs").glob(f".batch-{batch_id}.pdf.*")), "the killed run's work files"

    time.sleep(2.5)  # the heartbeat lapses
    assert admin.get(f"/api/v1/signs/batches/{batch_id}").get_json()["status"] == "running"  # a GET changes nothing
    assert live.watch() == {"retried": 1, "failed": 0}
    seen = admin.get(f"/api/v1/signs/batches/{batch_id}").get_json()
    assert seen["status"] == "queued" and "自动重试" in seen["error"] and seen["attempts"] == 1
    assert not list((live.instance / "signs").glob(f".batch-{batch_id}.pdf.*")), "leftovers removed"
    live.worker_in_process()
    done = admin.get(f"/api/v1/signs/batches/{batch_id}").get_json()
    assert done["status"] == "done" and done["attempts"] == 2 and done["done"] == done["total"]
    pages = decode_pages(live.pdf(batch_id), 100, [2] * (len(wanted) // 2) + [1] * (len(wanted) % 2))
    assert {url for page in pages for url in page} == wanted


def test_a_batch_that_died_twice_fails_with_its_reason_and_can_be_restarted(live):
    admin = live.client()
    hall_id, wanted = live.hall(SMALL_HALL)
    made = admin.post("/api/v1/signs/batches", json={"template": "sticker-a4-12up", "hall_id": hall_id}).get_json()
    with live.app.app_context():  # as if its second run had been killed too
        batch = db.session.get(SignBatch, made["id"])
        batch.status, batch.attempts, batch.done = "running", 2, 12
        batch.started_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert live.watch() == {"retried": 0, "failed": 1}
    seen = admin.get(f"/api/v1/signs/batches/{made['id']}").get_json()
    assert seen["status"] == "failed" and "中途退出" in seen["error"]
    assert admin.get(f"/api/v1/signs/batches/{made['id']}/pdf").status_code == 409
    restarted = admin.post(f"/api/v1/signs/batches/{made['id']}/retry")
    assert restarted.status_code == 202 and restarted.get_json()["status"] == "queued"
    live.worker_in_process()
    done = admin.get(f"/api/v1/signs/batches/{made['id']}").get_json()
    assert done["status"] == "done" and done["error"] is None
    expect = [min(12, len(wanted) - 12 * i) for i in range(-(-len(wanted) // 12))]
    pages = decode_pages(live.pdf(made["id"]), 200, expect)
    assert {url for page in pages for url in page} == wanted


def test_a_job_whose_points_changed_fails_with_a_reason(live):
    admin = live.client()
    hall_id, _ = live.hall(SMALL_HALL)
    made = admin.post("/api/v1/signs/batches", json={"template": "window-a4", "hall_id": hall_id}).get_json()
    with live.app.app_context():  # deactivated between the request and the job
        point = db.session.get(Point, db.session.get(SignBatch, made["id"]).point_ids[3])
        point.active = False
        db.session.commit()
    live.worker_in_process()
    failed = admin.get(f"/api/v1/signs/batches/{made['id']}").get_json()
    assert failed["status"] == "failed" and "已停用" in failed["error"]
    assert not live.pdf(made["id"]).exists()
