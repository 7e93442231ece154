"""Benchmark: the sync protocol against the service layer, and resumable photo upload against a plain POST.

Run alone: `.venv/bin/python bench/sync.py` (also run by `make bench`). It builds its own SQLite
database in a temp dir (the demo city) and prints:

  bench sync_overhead_ratio: X (goal <= 1.5)
  bench photo_upload_ratio: X (goal >= 0.7)

sync_overhead_ratio = time to push an outbox of 500 writes (250 visits made on the spot, 250 visit
records; no photos) through POST /api/v1/sync/push in batches of 100 ÷ time to apply the same 500
writes by calling the service functions directly, committing per 100, in the same run (best of
REPEAT rounds each, alternating which goes first: the least disturbed run of each on a shared machine).
photo_upload_ratio = throughput of 20 photos of 2 MB sent with PUT /api/v1/uploads/<uuid> as the PWA
sends a photo never tried before (one Content-Range PUT of the rest; the server keeps bytes as they
arrive and checks the image header on completion) ÷ throughput of a plain POST of the same
bytes to a bare route that only copies them into a file (POST /bench/plain of bench/apps/sync_app.py).
Both go over HTTP to the same app under the same gunicorn as bench/landing.py (GUNICORN_ARGS), from
one signed-in client sending one photo after another; best of REPEAT rounds, alternating.
"""
from __future__ import annotations

import http.client
import io
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "apps"))

from bench_server import GUNICORN_ARGS, free_port, start_gunicorn, stop  # noqa: E402

N_WRITES = 500
BATCH = 100
REPEAT = 5
N_PHOTOS = 20
PHOTO_BYTES = 2 * 1024 * 1024
CHUNK = 2 * 1024 * 1024  # the whole rest in one PUT: the server keeps bytes as they arrive


REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def bench_env(tmp: Path) -> dict:
    """The configuration of both the in-process app and the gunicorn one: one database, one secret."""
    from cryptography.fernet import Fernet

    return {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}", "SECRET_KEY": "bench",
            "CONTACT_KEYS": Fernet.generate_key().decode(), "JIANDU_INSTANCE": str(tmp), "REDIS_URL": REDIS_URL,
            "BENCH_UPLOAD_DIR": str(tmp / "uploads"), "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": str(8 * 1024),
            "SESSION_COOKIE_SECURE": "0", "PYTHONPATH": str(ROOT / "backend"),
            # It measures the upload path, not the quota: its photos are never used by a write, so the
            # per-user limit of unfinished uploads (40) would stop it half-way.
            "UPLOAD_QUOTAS": "admin=100000/100000,inspector=100000/100000,handler=100000/100000"}


def make_app(env: dict):
    from jiandu import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "SECRET_KEY": env["SECRET_KEY"],
                       "TESTING": True, "CONTACT_KEYS": env["CONTACT_KEYS"], "JIANDU_INSTANCE": env["JIANDU_INSTANCE"],
                       "UPLOAD_DIR": env["BENCH_UPLOAD_DIR"], "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8 * 1024,
                       "REDIS_URL": REDIS_URL, "RATELIMIT_ENABLED": False})


def outbox(point_ids: list[int]) -> list[dict]:
    writes = []
    for i in range(N_WRITES // 2):
        visit = str(uuid.uuid4())
        writes.append({"id": visit, "op": "visit.create",
                       "body": {"kind": "big_visit", "point_id": point_ids[i % len(point_ids)], "title": f"走访 {i}"}})
        writes.append({"id": str(uuid.uuid4()), "op": "visit.record",
                       "body": {"visit_uuid": visit, "latitude": 40.65, "longitude": 109.84, "accuracy_m": 15.0,
                                "notes": "现场检查情况良好" * 3, "started_at": "2025-03-03T01:00:00Z"}})
    return writes


def direct(app, user_id: int, writes: list[dict]) -> float:
    """The same writes through the service functions, committing per batch."""
    from jiandu.extensions import db
    from jiandu.fieldwork import service
    from jiandu.org.models import User

    with app.app_context():
        user = db.session.get(User, user_id)
        start = time.perf_counter()
        for index, write in enumerate(writes, start=1):
            if write["op"] == "visit.create":
                service.create_visit(user, write["body"], client_uuid=write["id"])
            else:
                service.record_visit(user, write["body"], client_uuid=write["id"])
            if index % BATCH == 0:
                db.session.commit()
        db.session.commit()
        return time.perf_counter() - start


def login(app):
    client = app.test_client()
    answer = client.post("/api/v1/auth/login", json={"username": "inspector", "password": "jiandu-demo"})
    assert answer.status_code == 200, answer.get_json()
    return client, answer.get_json()["csrf_token"]


def pushed(app, writes: list[dict]) -> float:
    client, csrf = login(app)
    start = time.perf_counter()
    for offset in range(0, len(writes), BATCH):
        answer = client.post("/api/v1/sync/push", json={"device": "bench", "writes": writes[offset:offset + BATCH]},
                             headers={"X-CSRF-Token": csrf})
        assert answer.status_code == 200
        statuses = {r["status"] for r in answer.get_json()["results"]}
        assert statuses == {"applied"}, answer.get_json()["results"][:2]
    return time.perf_counter() - start


def photos() -> list[bytes]:
    from PIL import Image

    out = []
    for i in range(N_PHOTOS):
        image = Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        data = buffer.getvalue()
        # Pad to exactly 2 MB after the end of the JPEG (decoders ignore trailing bytes).
        data = (data + os.urandom(max(0, PHOTO_BYTES - len(data))))[:max(PHOTO_BYTES, len(data))]
        out.append(data)
    return out


def http_login(port: int) -> tuple[http.client.HTTPConnection, dict]:
    """A signed-in client over HTTP: its connection and the headers it sends (session cookie, CSRF)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", "/api/v1/auth/login", body=json.dumps(
        {"username": "inspector", "password": "jiandu-demo"}), headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    body = json.loads(response.read())
    assert response.status == 200, body
    cookie = "; ".join(c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie"))
    return connection, {"Cookie": cookie, "X-CSRF-Token": body["csrf_token"],
                        "Content-Type": "application/octet-stream"}


def send(connection: http.client.HTTPConnection, method: str, path: str, body: bytes, headers: dict) -> bytes:
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    answer = response.read()
    assert response.status == 200, (response.status, answer[:300])
    return answer


def plain_upload(port: int, blobs) -> float:
    connection, headers = http_login(port)
    start = time.perf_counter()
    for blob in blobs:
        send(connection, "POST", "/bench/plain", blob, headers)
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def resumable_upload(port: int, blobs) -> float:
    connection, headers = http_login(port)
    start = time.perf_counter()
    for blob in blobs:
        uid = str(uuid.uuid4())
        offset = 0  # a photo never tried before: no HEAD (the PWA asks only when resuming)
        while offset < len(blob):
            part = blob[offset:offset + CHUNK]
            answer = send(connection, "PUT", f"/api/v1/uploads/{uid}", part, {
                **headers, "Content-Range": f"bytes {offset}-{offset + len(part) - 1}/{len(blob)}"})
            offset = json.loads(answer)["received"]
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="jiandu-bench-sync-"))
    try:
        run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: Path) -> None:
    from sqlalchemy import select

    from jiandu.demo.seed import seed_demo
    from jiandu.extensions import db
    from jiandu.org.models import Point, User

    env = bench_env(tmp)
    app = make_app(env)
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()
        user_id = db.session.scalar(select(User.id).where(User.username == "inspector"))
        point_ids = list(db.session.scalars(select(Point.id).where(Point.active).limit(50)))

    # Warm up both paths once (imports, first queries), then measure alternately.
    direct(app, user_id, outbox(point_ids)[:20])
    pushed(app, outbox(point_ids)[:20])
    sync_times, direct_times = [], []
    for round_no in range(REPEAT):
        # Alternate the order, so that neither path always runs on the larger database.
        if round_no % 2 == 0:
            direct_times.append(direct(app, user_id, outbox(point_ids)))
            sync_times.append(pushed(app, outbox(point_ids)))
        else:
            sync_times.append(pushed(app, outbox(point_ids)))
            direct_times.append(direct(app, user_id, outbox(point_ids)))
    print(f"  direct service layer: {min(direct_times) * 1000:.0f} ms for {N_WRITES} writes; "
          f"sync push: {min(sync_times) * 1000:.0f} ms (best of {REPEAT})")
    print(f"bench sync_overhead_ratio: {min(sync_times) / min(direct_times):.2f} (goal <= 1.5)")

    blobs = photos()
    total = sum(len(b) for b in blobs)
    port = free_port()
    process = start_gunicorn("sync_app:app", port, env, "/bench/ready")
    try:
        plain_upload(port, blobs[:2])  # warm up both paths (imports, first queries, connections)
        resumable_upload(port, blobs[:2])
        plain_times, resumable_times = [], []
        for round_no in range(REPEAT):
            if round_no % 2 == 0:
                plain_times.append(plain_upload(port, blobs))
                resumable_times.append(resumable_upload(port, blobs))
            else:
                resumable_times.append(resumable_upload(port, blobs))
                plain_times.append(plain_upload(port, blobs))
    finally:
        stop(process)
    plain_time, resumable_time = min(plain_times), min(resumable_times)
    print(f"  over HTTP, gunicorn {' '.join(GUNICORN_ARGS)}: plain POST {total / plain_time / 1e6:.0f} MB/s; "
          f"resumable PUT {total / resumable_time / 1e6:.0f} MB/s (best of {REPEAT})")
    print(f"bench photo_upload_ratio: {plain_time / resumable_time:.2f} (goal >= 0.7)")


if __name__ == "__main__":
    main()
