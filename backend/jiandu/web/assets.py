"""Content hashes of the PWA's files: a changed file makes a new cache, never a stale app."""
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from jiandu.config import ROOT

PWA_DIR = ROOT / "pwa"
SW_DIR = ROOT / "service-worker"
SW_FILE = SW_DIR / "sw.js"
# What the app is made of; anything else in pwa/ (a script, notes, a source map) is never served.
SERVED_SUFFIXES = {".html", ".js", ".css", ".png", ".svg", ".webmanifest", ".woff2"}


def is_served(path: Path) -> bool:
    return path.suffix in SERVED_SUFFIXES and not any(part.startswith(".") for part in path.parts)


def _files() -> list[Path]:
    return sorted(p for p in PWA_DIR.rglob("*") if p.is_file() and is_served(p.relative_to(PWA_DIR)))


@lru_cache(maxsize=1)
def precache_manifest(stamp: float) -> dict:
    """{"version": hash of everything, "files": [{"url", "revision"}]}; `stamp` busts the cache."""
    entries = []
    for path in _files():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        entries.append({"url": "/app/" + path.relative_to(PWA_DIR).as_posix(), "revision": digest})
    entries.append({"url": "/", "revision": hashlib.sha256(
        (PWA_DIR / "index.html").read_bytes()).hexdigest()[:16] if (PWA_DIR / "index.html").exists() else "0"})
    worker_code = "".join(path.read_text(encoding="utf-8") for path in _worker_files()).encode()
    version = hashlib.sha256(json.dumps(entries, sort_keys=True).encode() + worker_code).hexdigest()[:16]
    return {"version": version, "files": entries}


def _worker_files() -> list[Path]:
    """sw.js first, then each capability's part of the worker (push.js, sync.js…) by name."""
    others = sorted(p for p in SW_DIR.glob("*.js") if p != SW_FILE)
    return [SW_FILE, *others]


def newest_mtime() -> float:
    paths = _files() + _worker_files()
    return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)


def service_worker_source() -> str:
    manifest = precache_manifest(newest_mtime())
    prelude = f"self.__PRECACHE = {json.dumps(manifest, ensure_ascii=False)};\n"
    parts = [f"// --- {path.name} ---\n{path.read_text(encoding='utf-8')}" for path in _worker_files()]
    return prelude + "\n".join(parts)
