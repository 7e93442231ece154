"""WSGI entry of bench/sync.py's photo part: the real app, plus a bare route that belongs to the benchmark.

(In a folder of its own so that `make bench`, which runs every bench/*.py, does not run it.)

- POST /bench/plain  copies the request body, as it comes, into a new file (the ceiling for the
  resumable PUT /api/v1/uploads/<uuid> of the same bytes).
It goes through the same app (its request hooks, the session check of the signed-in client), under
the same gunicorn, so the ratio measures what the resumable upload does on top of a plain file POST.
"""
import os
import shutil
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "backend"))

from flask import request  # noqa: E402

from jiandu import create_app  # noqa: E402

app = create_app({"SESSION_COOKIE_SECURE": False, "UPLOAD_DIR": os.environ["BENCH_UPLOAD_DIR"]})
PLAIN_DIR = Path(os.environ["BENCH_UPLOAD_DIR"]) / "plain"
PLAIN_DIR.mkdir(parents=True, exist_ok=True)
PIECE = 256 * 1024  # as the upload route reads its body


@app.get("/bench/ready")
def bench_ready():
    return {"ok": True}


@app.post("/bench/plain")
def bench_plain():
    with open(PLAIN_DIR / f"{uuid.uuid4().hex}.bin", "wb") as handle:
        shutil.copyfileobj(request.stream, handle, PIECE)
    return {"ok": True}
