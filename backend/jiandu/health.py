"""/healthz: is the database there, is Redis there."""
from flask import Blueprint, jsonify
from sqlalchemy import text

from jiandu.extensions import db
from jiandu.queue import redis_ok

bp = Blueprint("health", __name__)


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:
        db.session.rollback()
        return False


@bp.get("/healthz")
def healthz():
    checks = {"database": "ok" if _database_ok() else "down", "redis": "ok" if redis_ok() else "down"}
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if healthy else "degraded", **checks), (200 if healthy else 503)
