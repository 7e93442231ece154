"""Points as intake sees them: found by code, stamped for the page cache, labelled, embedded in websites."""
from __future__ import annotations

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import joinedload

from jiandu.errors import Invalid
from jiandu.extensions import db
from jiandu.org.models import Point, User
from jiandu.org.scope import get_visible
from jiandu.security import normalise_code

_STAMP_LOOKUP = select(Point.version, Point.active).where(Point.code == bindparam("code"))


def point_stamp(code: str) -> tuple[int, bool] | None:
    """(version, active) of the point behind an exact code: what decides if a cached page is current.
    Every landing page asks, so it is one statement on a pooled DB-API connection, outside the session
    and its transaction (a session bound to a single connection reads within it)."""
    bind = db.session.get_bind()
    if isinstance(bind, Connection):
        row = bind.execute(_STAMP_LOOKUP, {"code": code}).first()
    else:
        row = _read_one(bind, _STAMP_LOOKUP, {"code": code})
    return None if row is None else (row[0], bool(row[1]))


_COMPILED: dict = {}


def _read_one(engine, statement, values: dict):
    """The first row of a SELECT run straight on a pooled DB-API connection: no session, no
    transaction of ours, SQL compiled once per dialect (columns without type conversions only)."""
    compiled = _COMPILED.get((engine.dialect.name, statement))
    if compiled is None:
        compiled = _COMPILED[(engine.dialect.name, statement)] = statement.compile(dialect=engine.dialect)
    params = compiled.construct_params(values)
    if compiled.positional:
        params = [params[name] for name in compiled.positiontup]
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(compiled.string, params)
        return cursor.fetchone()
    finally:
        connection.close()  # back to the pool


def point_for_code(code: str) -> Point | None:
    """The point behind a code, with what its landing page shows (one query)."""
    return db.session.scalar(
        select(Point).where(Point.code == normalise_code(code))
        .options(joinedload(Point.hall), joinedload(Point.department), joinedload(Point.jurisdiction))
    )


def point_origin_allowed(point: Point, origin: str | None) -> bool:
    return bool(origin) and point.type == "website" and origin.rstrip("/") in {o.rstrip("/") for o in point.origins}


def embed_snippet(point: Point, base_url: str) -> str:
    base = base_url.rstrip("/")
    return f'<script src="{base}/embed.js" data-code="{point.code}" async></script>'


def embed_snippet_for(actor: User, point_id: int, base_url: str) -> dict:
    point = get_visible(actor, Point, point_id, "点位")
    if point.type != "website":
        raise Invalid({"type": "只有网站类点位可以嵌入监督按钮"})
    return {"point_id": point.id, "code": point.code, "snippet": embed_snippet(point, base_url),
            "allowed_origins": point.origins}


def point_label(point: Point, lang: str = "zh") -> str:
    return place_label(point.type, point.hall.name if point.hall is not None else None, point.number, point.name, lang)


def place_label(point_type: str, hall: str | None, number: str | None, name: str, lang: str = "zh") -> str:
    parts = []
    if hall and point_type != "hall":
        parts.append(hall)
    if number:
        parts.append(f"{number}号窗口" if lang == "zh" else f"Window {number}")
    parts.append(name)
    return " ".join(parts)
