"""Benchmark: print every window of the demo city (1,503 signs, window-a5-2up, 752 pages).

Compares, in the same run, a plain approach — one WeasyPrint call over all signs in one process,
every QR code made as it is drawn — with the batch renderer of jiandu.signs (static layer laid out
once per batch, font subsets made once, cached vector QR codes, chunks on both cores, joined with
pypdf). Each measurement runs in a fresh process, from the points in the database to the PDF,
and reports its own peak memory and that of every process it started. A last run renders 3,000
signs to show that memory per process does not grow with the batch.

Runs alone: builds its own SQLite database with the demo seed in a temporary directory.
Uses REDIS_URL for the QR code cache when a Redis answers there (make bench starts one).
Not a test: it prints figures and ratios, it asserts nothing.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

TEMPLATE = "window-a5-2up"
SPEEDUP_GOAL = 2.5
PEAK_GOAL_MB = 150


def _config(work: Path) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.sqlite3'}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "SECRET_KEY": "bench-secret", "CONTACT_KEYS": "Q2ZIeJVQQs1MXD0zBK4h3zUbAZhm3-R6sNtyZ3BfWA8=",
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8 * 1024, "PUBLIC_BASE_URL": "https://jiandu.example.gov.cn",
        "JIANDU_INSTANCE": str(work / "instance"), "RATELIMIT_ENABLED": False,
    }


def _app(work: Path):
    from jiandu import create_app

    return create_app(_config(work))


def _peak_mb() -> float:
    from jiandu_sign_proc import peak_rss_mb

    return peak_rss_mb()


def seed(work: Path) -> None:
    from jiandu.demo.seed import seed_demo
    from jiandu.extensions import db

    app = _app(work)
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()


def _rows(count: int):
    """The city's windows as the print job sees them (checked against the template)."""
    from sqlalchemy import select

    from jiandu.extensions import db
    from jiandu.org.models import Point
    from jiandu.signs import catalog, service

    template = catalog.get(TEMPLATE)
    points = service._load_points(select(Point).where(Point.type == "window", Point.active.is_(True)))
    points = service._order(points)
    rows = service.check(points, template)
    db.session.expunge_all()
    del points
    rows = (rows * (count // len(rows) + 1))[:count]
    return template, rows


def run(mode: str, work: Path, count: int) -> dict:
    """One measurement, in this (fresh) process."""
    from jiandu.signs import qr, render, service

    app = _app(work)
    out = work / f"{mode}-{count}.pdf"
    with app.app_context():
        started = time.perf_counter()
        template, rows = _rows(count)
        if mode == "plain":
            # Everything at once: each code made as its sign is drawn, one document, one process.
            signs = service.sign_dicts(rows, template, label="#1", printed="2026-01-01", with_codes=False)
            for sign in signs:
                sign["qr"] = qr.symbols([sign["url"]], None, keep_local=False)[sign["url"]]
                qr._LOCAL.clear()
            pages = render.write_pdf(template, signs, out)
            stats = {"pages": pages, "child_peak_rss_mb": 0.0}
        else:
            if mode == "cold":
                redis = service.redis_or_none()
                if redis is not None:
                    redis.delete(qr.REDIS_KEY)
            signs = service.sign_dicts(rows, template, label="#1", printed="2026-01-01", with_codes=False)
            stats = render.render_to_file(TEMPLATE, signs, out, symbols=service.code_symbols())
        seconds = time.perf_counter() - started
    return {"mode": mode, "signs": count, "seconds": seconds, "pages": stats["pages"],
            "peak_rss_mb": _peak_mb(), "child_peak_rss_mb": stats.get("child_peak_rss_mb", 0.0),
            "bytes": out.stat().st_size, "redis": service_redis_ok(app)}


def service_redis_ok(app) -> bool:
    from jiandu.signs import service

    with app.app_context():
        return service.redis_or_none() is not None


def measure(mode: str, work: Path, count: int) -> dict:
    """Run one measurement in a fresh Python process and read its result."""
    result = subprocess.run([sys.executable, __file__, "--run", mode, str(work), str(count)],
                            capture_output=True, text=True, cwd=str(ROOT))
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"bench signs: the {mode} run failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def line(result: dict, label: str) -> None:
    rate = result["signs"] / result["seconds"]
    peak = max(result["peak_rss_mb"], result["child_peak_rss_mb"])
    print(f"signs {label}: {result['signs']} signs, {result['pages']} pages, {result['seconds']:.1f} s, "
          f"{rate:.1f} signs/s, peak {peak:.0f} MB per process "
          f"(main {result['peak_rss_mb']:.0f} MB, render processes {result['child_peak_rss_mb']:.0f} MB), "
          f"{result['bytes'] / 1e6:.1f} MB PDF")


def best(results: list[dict]) -> dict:
    """The quickest of repeated runs (the machine is shared: the slower runs measure the neighbours)."""
    return min(results, key=lambda r: r["seconds"])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="jiandu-bench-signs-") as tmp:
        work = Path(tmp)
        print(f"signs: seeding the demo city into {work} …", flush=True)
        seed(work)
        # Interleaved, each twice, best of two: a burst of load elsewhere does not decide the ratio.
        plains, warms = [], []
        plains.append(measure("plain", work, 1503))
        cold = measure("cold", work, 1503)
        warms.append(measure("warm", work, 1503))
        plains.append(measure("plain", work, 1503))
        warms.append(measure("warm", work, 1503))
        big = measure("warm", work, 3000)
        plain, warm = best(plains), best(warms)
        line(plain, "plain (one WeasyPrint call, one process)")
        line(cold, "batch, QR cache empty")
        line(warm, "batch")
        line(big, "batch of 3,000")
        print("signs: runs (s): plain " + ", ".join(f"{r['seconds']:.1f}" for r in plains)
              + "; batch " + ", ".join(f"{r['seconds']:.1f}" for r in warms))
        if not warm["redis"]:
            print("signs: no Redis answered at REDIS_URL: the QR cache lived in each process only")
        speedup = plain["seconds"] / warm["seconds"]
        print(f"signs: speedup with an empty QR cache {plain['seconds'] / cold['seconds']:.2f}, "
              f"with the cache {speedup:.2f} (plain {plain['seconds']:.1f} s, "
              f"peak {max(plain['peak_rss_mb'], plain['child_peak_rss_mb']):.0f} MB)")
        peak = max(max(r["peak_rss_mb"], r["child_peak_rss_mb"]) for r in (cold, *warms, big))
        print(f"bench signs_speedup: {speedup:.2f} (goal >= {SPEEDUP_GOAL})")
        print(f"bench signs_peak_rss_mb: {peak:.0f} (goal <= {PEAK_GOAL_MB})")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--run":
        print(json.dumps(run(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))))
    else:
        main()
