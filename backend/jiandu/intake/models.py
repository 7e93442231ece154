"""Intake's tables: editable categories and rating reasons, reports with photos, idempotency keys."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jiandu.cases.models import hangs_on_a_restricted_case
from jiandu.extensions import db
from jiandu.indexes import only_where_set
from jiandu.files.photos import StoredPhoto
from jiandu.org.scope import never
from jiandu.timeutil import utcnow

KINDS = ("rating", "report")
# 1 = 非常满意 … 5 = 非常不满意; 4 and 5 open a case.
RATING_LEVELS = {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}
RATING_LEVELS_EN = {1: "Very satisfied", 2: "Satisfied", 3: "Fairly satisfied", 4: "Dissatisfied",
                    5: "Very dissatisfied"}
BAD_RATING = 4


class ReportCategory(db.Model):
    """A kind of problem a citizen can report (服务态度, 吃拿卡要…): data, edited by admins."""

    __tablename__ = "report_categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str | None] = mapped_column(String(64))
    case_type: Mapped[str] = mapped_column(String(16), default="work_style")  # see cases.models.CASE_TYPES
    sort: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RatingReason(db.Model):
    """A reason offered with a rating: `good` ones for 1–3, `bad` ones (what went wrong) for 4–5."""

    __tablename__ = "rating_reasons"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    polarity: Mapped[str] = mapped_column(String(8))  # good | bad
    name: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str | None] = mapped_column(String(64))
    sort: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Report(db.Model):
    """One rating or report from a citizen, as it came in. A bad rating or a report has a case."""

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("points.id"))
    # Copied from the point when the report came in: the scope of the report never moves with the point.
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))  # partial index below
    kind: Mapped[str] = mapped_column(String(8))
    rating: Mapped[int | None] = mapped_column(Integer)
    reasons: Mapped[str | None] = mapped_column(Text)  # JSON list of RatingReason codes
    category: Mapped[str | None] = mapped_column(String(32))  # a ReportCategory code
    description: Mapped[str | None] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    contact_name_enc: Mapped[str | None] = mapped_column(Text)
    contact_phone_enc: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    tracking_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    client: Mapped[str] = mapped_column(String(8), default="api")  # web | form | api
    origin_site: Mapped[str | None] = mapped_column(String(255))  # the website that embedded the form
    origin_page: Mapped[str | None] = mapped_column(String(500))
    lang: Mapped[str] = mapped_column(String(5), default="zh")
    # The reporter's own answer to the return visit (回访), given on the tracking page.
    feedback_resolved: Mapped[bool | None] = mapped_column(Boolean)
    feedback_satisfaction: Mapped[int | None] = mapped_column(Integer)  # as the case has it: 5 非常满意 … 1
    feedback_comment: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Of a rating only (a report keeps no trace of its device): its device as a keyed digest, which the
    # anomaly figures count and nobody can read back, and its rating token's nonce (a token rates once).
    device_digest: Mapped[str | None] = mapped_column(String(32))
    rating_nonce: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    point = relationship("Point")
    case = relationship("Case")
    photos: Mapped[list[Photo]] = relationship(back_populates="report", order_by="Photo.id")

    __table_args__ = (
        Index("ix_reports_jurisdiction_created", "jurisdiction_id", "created_at"),
        Index("ix_reports_point_created", "point_id", "created_at"),
        Index("ix_reports_project_id", "project_id", **only_where_set("project_id")),  # most come from windows
        Index("uq_reports_rating_nonce", "rating_nonce", unique=True, **only_where_set("rating_nonce")),
    )

    @property
    def reason_codes(self) -> list[str]:
        return json.loads(self.reasons) if self.reasons else []

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_name_enc or self.contact_phone_enc)


Report.__scope_columns__ = {"jurisdiction": "jurisdiction_id", "department": "department_id",
                            "project": "project_id"}
# A report says who reported, where and when: never for the department or enterprise it is about
# (they work from the case once it is handed to them); sent up with its case, it leaves local hands.
Report.__scope_gates__ = {"department": never, "project": never}
Report.__scope_restricted__ = staticmethod(hangs_on_a_restricted_case(Report.case_id))


class Photo(StoredPhoto, db.Model):
    """A photo of a report, re-encoded without metadata; the bytes live in the photo storage."""

    __tablename__ = "report_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)

    report: Mapped[Report] = relationship(back_populates="photos")


class IdempotencyKey(db.Model):
    """A client-made key of one submission: its content hash and the first answer (encrypted: it holds
    the tracking token). The unique constraint on `key` makes two racing submissions one.

    `key` is not the client's key as sent but a keyed digest of it together with the device (or, without
    one, the address) that sent it: the same key from another client is another key, and never gets
    this one's answer. `body_hash` is keyed too: it covers the reporter's name and phone."""

    __tablename__ = "intake_idempotency_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer, default=201)
    response_enc: Mapped[str] = mapped_column(Text)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
