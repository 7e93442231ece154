from pathlib import PurePosixPath

from flask import Blueprint, Response, abort, current_app, jsonify, send_from_directory

from jiandu.web.assets import PWA_DIR, is_served, newest_mtime, precache_manifest, service_worker_source

bp = Blueprint("web", __name__)


@bp.get("/")
def shell():
    response = send_from_directory(PWA_DIR, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/app/<path:filename>")
def asset(filename):
    if not is_served(PurePosixPath(filename)):
        abort(404)
    # Revalidated every time (cheap 304s); the service worker serves them offline.
    response = send_from_directory(PWA_DIR, filename, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    response = send_from_directory(PWA_DIR, "manifest.webmanifest", mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker():
    response = Response(service_worker_source(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/api/v1/app-version")
def app_version():
    return jsonify(version=precache_manifest(newest_mtime())["version"],
                   vapid_public_key=current_app.config.get("VAPID_PUBLIC_KEY"))


@bp.get("/favicon.ico")
def favicon():
    if not (PWA_DIR / "icons" / "icon-192.png").exists():
        abort(404)
    return send_from_directory(PWA_DIR / "icons", "icon-192.png", mimetype="image/png")
