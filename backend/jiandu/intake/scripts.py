"""The public pages' scripts: which page loads which, their versioned addresses, and how they are served."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Response, request, send_file, url_for

STATIC = Path(__file__).parent / "static"
# The scripts of each page, in order (deferred: they run after parsing, one after the other).
LANDING_SCRIPTS = ("landing-store.js", "landing-mine.js", "landing.js")
TRACKING_SCRIPTS = ("landing-mine.js",)


@lru_cache(maxsize=8)
def version(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def urls(names: tuple[str, ...]) -> list[str]:
    return [url_for("intake_pages.static_file", name=name, v=version(name)) for name in names]


def page_script(name: str) -> Response:
    if name not in LANDING_SCRIPTS:
        return Response("not found", status=404, mimetype="text/plain")
    response = send_file(STATIC / name, mimetype="text/javascript", max_age=0, conditional=True)
    # Versioned addresses (?v=<content hash>) never change: a phone keeps them for a year.
    response.headers["Cache-Control"] = ("public, max-age=31536000, immutable" if request.args.get("v")
                                         else "no-cache")
    return response


def embed_script() -> Response:
    response = send_file(STATIC / "embed.js", mimetype="text/javascript", max_age=3600, conditional=True)
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
