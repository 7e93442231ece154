"""Photos a write refers to: each must have arrived whole and been checked before the write lands."""
from __future__ import annotations

from sqlalchemy import select

from jiandu.errors import ApiError, Invalid
from jiandu.extensions import db
from jiandu.fieldwork.models import FieldPhoto
from jiandu.org.models import User


class PhotoNotReady(ApiError):
    """A write refers to a photo whose bytes have not all arrived: it waits (retryable)."""

    def __init__(self, missing: list[str]):
        super().__init__(409, "photo_missing", "照片尚未上传完成，稍后自动重试", extra={"photos": missing})


def require_photos(user: User, uuids: list[str]) -> list[FieldPhoto]:
    if not uuids:
        return []
    rows = {p.uuid: p for p in db.session.scalars(select(FieldPhoto).where(FieldPhoto.uuid.in_(uuids),
                                                                           FieldPhoto.owner_id == user.id))}
    missing = [u for u in uuids if u not in rows or rows[u].state in ("receiving", "received")]
    bad = [rows[u] for u in uuids if u in rows and rows[u].state == "rejected"]
    if bad:
        raise Invalid({"photos": f"照片无法使用：{bad[0].reason}"})
    if missing:
        raise PhotoNotReady(missing)
    return [rows[u] for u in uuids]
