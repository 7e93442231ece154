"""Content hashes of the PWA's files: a changed file makes a new cache, never a stale app."""
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from jiandu.config import ROOT

PWA_DIR = ROOT / "pwa"
SW_FILE = ROOT / "service-worker" / "sw.js"
SKIP_SUFFIXES = {".map", ".md"}


def _files() -> list[Path]:
    return sorted(p for p in PWA_DIR.rglob("*") if p.is_file() and p.suffix not in SKIP_SUFFIXES)


@lru_cache(maxsize=1)
def precache_manifest(stamp: float) -> dict:
    """{"version": hash of everything, "files": [{"url", "revision"}]}; `stamp` busts the cache."""
    entries = []
    for path in _files():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        entries.append({"url": "/app/" + path.relative_to(PWA_DIR).as_posix(), "revision": digest})
    entries.append({"url": "/", "revision": hashlib.sha256(
        (PWA_DIR / "index.html").read_bytes()).hexdigest()[:16] if (PWA_DIR / "index.html").exists() else "0"})
    version = hashlib.sha256(json.dumps(entries, sort_keys=True).encode() + SW_FILE.read_bytes()).hexdigest()[:16]
    return {"version": version, "files": entries}


def newest_mtime() -> float:
    paths = _files() + [SW_FILE]
    return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)


def service_worker_source() -> str:
    manifest = precache_manifest(newest_mtime())
    prelude = f"self.__PRECACHE = {json.dumps(manifest, ensure_ascii=False)};\n"
    return prelude + SW_FILE.read_text(encoding="utf-8")
