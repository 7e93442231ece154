"""The scheduled clean-up of abandoned resumable uploads (`upload-cleanup` in jiandu/scheduler.py).

An upload is abandoned when it is UPLOAD_ABANDONED_DAYS old (7 by default) and still unfinished, or
finished but never used by a write, or refused: its row and part file go, and it no longer counts
against its owner's quota. A phone that comes back later loses nothing it still holds: asked about the
upload it hears 404, and sends the photo again from its first byte. Part files no row speaks for (a
crash between the bytes and their row) go once they are as old. Photos in use (`clean`) are never
touched: their bytes are in the photo storage, not here.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select

from jiandu.extensions import db
from jiandu.files.models import FieldPhoto
from jiandu.files.uploads import _part, _root
from jiandu.sqlite import begin_writing
from jiandu.timeutil import utcnow

BATCH = 500


def remove_abandoned_job() -> dict:
    return remove_abandoned()


def remove_abandoned(now: datetime | None = None) -> dict:
    """{"uploads": rows removed, "orphans": part files removed without a row}."""
    cutoff = (now or utcnow()) - timedelta(days=max(1, int(current_app.config.get("UPLOAD_ABANDONED_DAYS", 7))))
    removed = 0
    while True:
        rows = db.session.execute(select(FieldPhoto.id, FieldPhoto.owner_id, FieldPhoto.uuid)
                                  .where(_abandoned(cutoff)).order_by(FieldPhoto.id).limit(BATCH)).all()
        if not rows:
            break
        files = [_part(row.owner_id, row.uuid) for row in rows]
        connection = begin_writing(db.session)
        # The condition again: an upload finished or used since the read stays.
        connection.execute(delete(FieldPhoto.__table__).where(FieldPhoto.__table__.c.id.in_([r.id for r in rows]),
                                                              _abandoned(cutoff)))
        db.session.commit()
        kept = set(db.session.scalars(select(FieldPhoto.id).where(FieldPhoto.id.in_([r.id for r in rows]))))
        for row, path in zip(rows, files):
            if row.id not in kept:
                path.unlink(missing_ok=True)
                removed += 1
    return {"uploads": removed, "orphans": _remove_orphans(cutoff)}


def _abandoned(cutoff: datetime):
    since = func.coalesce(FieldPhoto.completed_at, FieldPhoto.created_at)
    return or_(and_(FieldPhoto.state == "receiving", FieldPhoto.created_at < cutoff),
               and_(FieldPhoto.state.in_(("received", "rejected")), since < cutoff))


def _remove_orphans(cutoff: datetime) -> int:
    """Part files older than the cutoff that no unfinished upload owns (named `<owner>-<uuid>.part`, or
    `<uuid>.part` from before part files had owners)."""
    oldest = (cutoff - datetime(1970, 1, 1)).total_seconds()
    candidates = {}
    with os.scandir(_root()) as entries:
        for entry in entries:
            if entry.name.endswith(".part") and entry.is_file() and entry.stat().st_mtime < oldest:
                candidates[entry.name] = entry.path
    if not candidates:
        return 0
    stems = {name[:-len(".part")] for name in candidates}
    uuids = stems | {stem.split("-", 1)[1] for stem in stems if "-" in stem}
    owned = set()
    for owner_id, uuid in db.session.execute(select(FieldPhoto.owner_id, FieldPhoto.uuid).where(
            FieldPhoto.uuid.in_(list(uuids)), FieldPhoto.state.in_(("receiving", "received")))):
        owned |= {f"{owner_id}-{uuid}.part", f"{uuid}.part"}
    db.session.commit()
    removed = 0
    for name, path in candidates.items():
        if name not in owned:
            try:
                os.unlink(path)
            except FileNotFoundError:
                continue
            removed += 1
    return removed
