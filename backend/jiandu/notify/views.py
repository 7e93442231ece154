"""Two scripts for a citizen's tracking page (/t/<token>), who has no account and no app:

- `/push-sw.js`: a service worker that only shows pushes (service-worker/push.js, the same code as the
  app's), registered with scope "/t/" — a citizen's phone does not download the staff app's shell;
- `/push-track.js`: wires a button `<button data-push-track="<token>">` (and an optional
  `<p data-push-status>`) on the tracking page: permission, subscription, POST /api/v1/track/<token>/subscribe.
"""
from flask import Blueprint, Response

from jiandu.config import ROOT

bp = Blueprint("notify_pages", __name__)

PUSH_JS = ROOT / "service-worker" / "push.js"
TRACK_JS = ROOT / "backend" / "jiandu" / "notify" / "static" / "push-track.js"

WORKER_PRELUDE = """/* jiandu: the push-only service worker of a citizen's tracking pages (scope /t/). */
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
"""


def _script(text: str) -> Response:
    response = Response(text, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/push-sw.js")
def push_worker():
    return _script(WORKER_PRELUDE + PUSH_JS.read_text(encoding="utf-8"))


@bp.get("/push-track.js")
def push_track():
    return _script(TRACK_JS.read_text(encoding="utf-8"))
