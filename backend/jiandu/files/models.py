"""The core's file tables: photos uploaded resumably, for whatever write of any capability uses them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jiandu.extensions import db
from jiandu.timeutil import utcnow

UPLOAD_STATES = ("receiving", "received", "clean", "rejected")


class FieldPhoto(db.Model):
    """A photo uploaded resumably (PUT /uploads/<uuid> with Content-Range). Its bytes are gathered in
    a part file; once complete they are checked, re-encoded without metadata and stored."""

    __tablename__ = "field_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    size: Mapped[int] = mapped_column(Integer)  # announced total
    state: Mapped[str] = mapped_column(String(12), default="receiving")
    reason: Mapped[str | None] = mapped_column(String(255))
    storage_key: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(32))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    stored_size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
