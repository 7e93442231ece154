"""WSGI entry of bench/landing.py: the real app, plus two bare routes that belong to the benchmark.

(In a folder of its own so that `make bench`, which runs every bench/*.py, does not run it.)

- GET  /bench/static  answers a fixed page of the landing page's size (the ceiling for /q/<code>);
- POST /bench/insert  parses the same JSON a report carries and does one INSERT (the ceiling for
  POST /api/v1/reports).
Both go through the same app (its request hooks, its rate limiter, its database), so the ratios
measure what the landing page and the submission do on top of a request.
"""
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "backend"))

from flask import Response, request  # noqa: E402
from sqlalchemy import text  # noqa: E402

from jiandu import create_app  # noqa: E402
from jiandu.extensions import db  # noqa: E402

from jiandu.intake.limits import DEFAULTS  # noqa: E402


def loose(limit: str) -> str:
    """The production limit with the same items (so the same Redis round trips), never reached."""
    return re.sub(r"\d+ per", "100000000 per", limit)


app = create_app({
    "SESSION_COOKIE_SECURE": False,
    "RATELIMIT_KEY_PREFIX": os.environ.get("BENCH_KEY_PREFIX", "bench"),
    # The limiter runs (its Redis round trips are part of the cost) but never refuses the benchmark.
    **{name: loose(value) for name, value in DEFAULTS.items()},
    "UPLOAD_DIR": os.environ.get("BENCH_UPLOAD_DIR"),
})
STATIC_PAGE = Path(os.environ["BENCH_STATIC_PAGE"]).read_bytes()


@app.get("/bench/static")
def bench_static():
    return Response(STATIC_PAGE, mimetype="text/html")


@app.post("/bench/insert")
def bench_insert():
    body = request.get_json(silent=True) or {}
    db.session.execute(text("INSERT INTO bench_inserts (body, created_at) VALUES (:body, CURRENT_TIMESTAMP)"),
                       {"body": str(body.get("description", ""))[:1000]})
    db.session.commit()
    return {"ok": True}, 201
