from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jiandu.extensions import db
from jiandu.timeutil import utcnow

BATCH_STATES = ("queued", "running", "done", "failed")


class SignBatch(db.Model):
    """One print run: a template, the points chosen, and the PDF once the print job has made it."""

    __tablename__ = "sign_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The creator's jurisdiction: admins see the batches of their own subtree.
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    template: Mapped[str] = mapped_column(String(64))
    point_ids_json: Mapped[str] = mapped_column("point_ids", Text, default="[]")
    selection: Mapped[str | None] = mapped_column(String(255))  # how the points were chosen, for the history
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    pdf_path: Mapped[str | None] = mapped_column(String(255))  # relative to instance/signs/
    pdf_bytes: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    job_id: Mapped[str | None] = mapped_column(String(64))
    reprint_of: Mapped[int | None] = mapped_column(ForeignKey("sign_batches.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def point_ids(self) -> list[int]:
        return json.loads(self.point_ids_json or "[]")

    @point_ids.setter
    def point_ids(self, ids: list[int]) -> None:
        self.point_ids_json = json.dumps([int(i) for i in ids])


SignBatch.__scope_columns__ = {"jurisdiction": "jurisdiction_id"}
