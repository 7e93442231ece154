"""Benchmark: the window's landing page and a citizen's report, against bare routes of the same app.

Run alone: `.venv/bin/python bench/landing.py` (also run by `make bench`). It builds its own SQLite
database (the demo city) in a temp dir, starts gunicorn on a free local port with one configuration
for every route (GUNICORN_ARGS of bench/apps/bench_server.py), drives it from client threads with a
bounded number of requests, and prints:

  bench landing_get_ratio: X (goal >= 0.6)    GET /q/<code>  ÷  GET of a static page of the same size
  bench report_post_ratio: X (goal >= 0.5)    POST /api/v1/reports (no photo)  ÷  POST doing one INSERT
  bench landing_gzip_bytes: N (goal <= 14336) the landing page, gzip level 6

with throughput (requests/s, median of ROUNDS rounds) and p50/p99 latency of each route. Rate
limiting stays on (Redis at REDIS_URL; with no Redis the limiter falls back to memory and the
output says so).
"""
from __future__ import annotations

import gzip
import http.client
import itertools
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))
sys.path.insert(0, str(ROOT / "bench" / "apps"))

from bench_server import GUNICORN_ARGS, free_port, start_gunicorn, stop  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
GET_REQUESTS = int(os.environ.get("BENCH_GET_REQUESTS", "2000"))
POST_REQUESTS = int(os.environ.get("BENCH_POST_REQUESTS", "1000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reachable(url: str) -> bool:
    try:
        from redis import Redis

        return bool(Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except Exception:
        return False


def build(tmp: Path, env: dict) -> tuple[list[str], Path, int]:
    """The demo city in a fresh SQLite file; the landing page as a static file of the same bytes."""
    from jiandu import create_app
    from jiandu.demo.seed import seed_demo
    from jiandu.extensions import db
    from jiandu.intake.service import seed_categories
    from jiandu.org.models import Point
    from sqlalchemy import select, text

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "SECRET_KEY": env["SECRET_KEY"],
                      "CONTACT_KEYS": env["CONTACT_KEYS"], "REDIS_URL": REDIS_URL, "RATELIMIT_ENABLED": False,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8 * 1024, "SESSION_COOKIE_SECURE": False})
    with app.app_context():
        db.create_all()
        seed_demo()
        seed_categories()
        db.session.execute(text("CREATE TABLE bench_inserts (id INTEGER PRIMARY KEY, body TEXT, created_at TIMESTAMP)"))
        db.session.commit()
        codes = list(db.session.scalars(select(Point.code).where(Point.type == "window").order_by(Point.id)
                                        .limit(50)))
    page = app.test_client().get(f"/q/{codes[0]}").data
    static = tmp / "static.html"
    static.write_bytes(page)
    return codes, static, len(gzip.compress(page, compresslevel=6))


def run(port: int, make_request, total: int) -> tuple[float, list[float], int]:
    """`total` requests from CONCURRENCY threads; (requests per second, latencies in ms, failures)."""
    counter = itertools.count()
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while next(counter) < total:
            method, path, body, headers = make_request()
            began = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status in (200, 201)
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                connection.close()
                ok = False
            mine.append((time.perf_counter() - began) * 1000)
            if not ok:
                with lock:
                    failures[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return total / elapsed, latencies, failures[0]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    from cryptography.fernet import Fernet

    tmp = Path(tempfile.mkdtemp(prefix="jiandu-bench-landing-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}", "REDIS_URL": REDIS_URL,
           "SECRET_KEY": "bench-secret", "CONTACT_KEYS": Fernet.generate_key().decode(),
           "JIANDU_INSTANCE": str(tmp), "SESSION_COOKIE_SECURE": "0", "BENCH_UPLOAD_DIR": str(tmp / "uploads"),
           "BENCH_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}", "PYTHONPATH": str(ROOT / "backend")}
    process = None
    try:
        codes, static, gzip_bytes = build(tmp, env)
        env["BENCH_STATIC_PAGE"] = str(static)
        port = free_port()
        process = start_gunicorn("landing_app:app", port, env, "/bench/static")
        rotate = itertools.cycle(codes)
        report = json.dumps({"point_code": codes[0], "kind": "report", "category": "efficiency",
                             "description": "窗口办理超过承诺时限，工作人员说系统慢让明天再来"},
                            ensure_ascii=False).encode()

        def post_headers():
            return {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex,
                    "X-Jiandu-Device": uuid.uuid4().hex}

        routes = {
            "static_get": (GET_REQUESTS, lambda: ("GET", "/bench/static", None, {})),
            "landing_get": (GET_REQUESTS, lambda: ("GET", f"/q/{next(rotate)}", None, {})),
            "insert_post": (POST_REQUESTS, lambda: ("POST", "/bench/insert", report, post_headers())),
            "report_post": (POST_REQUESTS, lambda: ("POST", "/api/v1/reports", report, post_headers())),
        }
        for name, (_, make) in routes.items():  # warm up: imports, caches, connections
            run(port, make, 50)
        rates = {name: [] for name in routes}
        latencies = {name: [] for name in routes}
        failures = {name: 0 for name in routes}
        for _ in range(ROUNDS):
            for name, (total, make) in routes.items():
                rate, lat, failed = run(port, make, total)
                rates[name].append(rate)
                latencies[name] += lat
                failures[name] += failed
    finally:
        if process is not None:
            stop(process)
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"config: gunicorn {' '.join(GUNICORN_ARGS)}; {CONCURRENCY} client threads; {ROUNDS} rounds of "
          f"{GET_REQUESTS} GETs / {POST_REQUESTS} POSTs per route; SQLite; "
          f"redis {'reachable' if redis_reachable(REDIS_URL) else 'NOT reachable (limiter in memory)'}")
    for name in routes:
        print(f"  {name:12s} {statistics.median(rates[name]):8.1f} req/s"
              f"   p50 {percentile(latencies[name], .5):6.2f} ms"
              f"   p99 {percentile(latencies[name], .99):6.2f} ms   failures {failures[name]}")
    landing_ratio = statistics.median(rates["landing_get"]) / statistics.median(rates["static_get"])
    report_ratio = statistics.median(rates["report_post"]) / statistics.median(rates["insert_post"])
    print(f"bench landing_get_ratio: {landing_ratio:.2f} (goal >= 0.6)")
    print(f"bench report_post_ratio: {report_ratio:.2f} (goal >= 0.5)")
    print(f"bench landing_gzip_bytes: {gzip_bytes} (goal <= 14336)")
    if any(failures.values()):
        print("some requests failed; the figures above are not to be trusted", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
