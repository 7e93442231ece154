"""Running a bench app under gunicorn, the way the Procfile runs the real one (shared by bench/*.py).

(In bench/apps so that `make bench`, which runs every bench/*.py, does not run it.)
"""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

APPS = Path(__file__).resolve().parent
WORKERS = os.environ.get("BENCH_WORKERS", "2")
GUNICORN_ARGS = ["-w", WORKERS, "-k", "sync", "--backlog", "256", "--log-level", "warning"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app: str, port: int, env: dict, ready_path: str) -> subprocess.Popen:
    """gunicorn serving `app` ("module:attribute" in bench/apps) on 127.0.0.1:port, once `ready_path`
    answers 200."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), *GUNICORN_ARGS, "-b", f"127.0.0.1:{port}", "--chdir", str(APPS), app],
        env=env, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", ready_path)
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise SystemExit("gunicorn did not start")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
