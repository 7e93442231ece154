"""Tables of the projects capability: departments involved, approval items (审批事项), payments due
to enterprises, milestones, blockers (堵点/痛点) with photos, warnings, invitations and settings.

The `Project` itself lives in `jiandu.org.models` (the organisation scopes enterprise users by it).
Every child row carries the project's jurisdiction, copied when it is written, so that the one
scope rule (`jiandu.org.scope`) applies to it without a join.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint,
    exists,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jiandu.cases.models import Case, hangs_on_a_restricted_case
from jiandu.extensions import db
from jiandu.files.photos import StoredPhoto
from jiandu.org.scope import visible_condition
from jiandu.timeutil import utcnow

# 立项用地规划许可 → 工程建设许可 → 施工许可 → 竣工验收
STAGES = ("land_planning", "construction_permit_prep", "construction_permit", "completion")
STAGE_LABELS = {"land_planning": "立项用地规划许可", "construction_permit_prep": "工程建设许可",
                "construction_permit": "施工许可", "completion": "竣工验收"}
WARNING_LEVELS = ("none", "yellow", "red")
PAYER_KINDS = ("government", "large_enterprise", "other")
PAYER_KIND_LABELS = {"government": "机关、事业单位", "large_enterprise": "大型企业", "other": "其他"}
INVITATION_KINDS = ("contact", "colleague")

project_departments = Table(
    "project_departments",
    db.metadata,
    Column("project_id", ForeignKey("projects.id"), primary_key=True),
    Column("department_id", ForeignKey("units.id"), primary_key=True, index=True),
)

_SCOPED = {"jurisdiction": "jurisdiction_id", "project": "project_id"}


class ApprovalItem(db.Model):
    """审批事项: one approval a project waits for, counted in working days on the official calendar.

    `yellow_on` / `due_on` are worked out when the item is written (and again when the calendar was
    provisional): the day the item turns yellow (80 % of the promised limit used) and the last day
    of the promised limit. After `due_on` an open item is red. The scan needs nothing else."""

    __tablename__ = "approval_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    submitted_on: Mapped[date] = mapped_column(Date)
    statutory_days: Mapped[int] = mapped_column(Integer)  # 法定时限, working days
    promised_days: Mapped[int] = mapped_column(Integer)   # 承诺时限, working days
    done_on: Mapped[date | None] = mapped_column(Date)
    yellow_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    warning: Mapped[str] = mapped_column(String(8), default="none")  # the level already raised
    lead_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    department = relationship("Unit")

    __table_args__ = (
        Index("ix_approval_items_scan_yellow", "warning", "done_on", "yellow_on"),
        Index("ix_approval_items_scan_red", "warning", "done_on", "due_on"),
    )


ApprovalItem.__scope_columns__ = {**_SCOPED, "department": "department_id"}


class Payment(db.Model):
    """A payment due to the enterprise (拖欠账款 watch): by the rules for paying SMEs, a government
    body pays within 30 days of delivery (验收/交付), a contract may say otherwise but at most 60."""

    __tablename__ = "project_payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    contract_name: Mapped[str] = mapped_column(String(128))
    contract_no: Mapped[str | None] = mapped_column(String(64))
    payer: Mapped[str] = mapped_column(String(128))
    payer_kind: Mapped[str] = mapped_column(String(20), default="government")
    payer_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # in fen (0.01 yuan): no floating point money
    delivered_on: Mapped[date] = mapped_column(Date)
    contract_due_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    due_rule: Mapped[str | None] = mapped_column(String(64))  # how due_on was found, for people
    paid_on: Mapped[date | None] = mapped_column(Date)
    warning: Mapped[str] = mapped_column(String(8), default="none")
    lead_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_project_payments_scan", "warning", "paid_on", "due_on"),)


Payment.__scope_columns__ = {**_SCOPED, "department": "payer_unit_id"}


class Milestone(db.Model):
    __tablename__ = "project_milestones"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    stage: Mapped[str | None] = mapped_column(String(32))
    planned_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


Milestone.__scope_columns__ = dict(_SCOPED)


class ProjectWarning(db.Model):
    """预警 raised by the timeout scan: at most one per item and level (the unique key)."""

    __tablename__ = "project_warnings"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_kind: Mapped[str] = mapped_column(String(12))  # approval | payment
    item_id: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(8))  # yellow | red
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    raised_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    __table_args__ = (UniqueConstraint("item_kind", "item_id", "level", name="uq_project_warnings_once"),)


ProjectWarning.__scope_columns__ = dict(_SCOPED)


class BlockerCategory(db.Model):
    """A kind of blocker (审批超时, 吃拿卡要…): data, edited by admins."""

    __tablename__ = "blocker_categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str | None] = mapped_column(String(64))
    case_type: Mapped[str] = mapped_column(String(16), default="service_request")
    sort: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Blocker(db.Model):
    """堵点/痛点 reported by the enterprise; its case runs the closed loop."""

    __tablename__ = "project_blockers"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    approval_item_id: Mapped[int | None] = mapped_column(ForeignKey("approval_items.id"))
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    contact_ok: Mapped[bool] = mapped_column(Boolean, default=False)  # the enterprise agrees to be contacted
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    client_id: Mapped[str | None] = mapped_column(String(80), unique=True)  # the outbox UUID: idempotency key
    body_hash: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8), default="app")  # app | code (scanned the project code)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case = relationship("Case")
    department = relationship("Unit")
    photos: Mapped[list[BlockerPhoto]] = relationship(back_populates="blocker", order_by="BlockerPhoto.id")


Blocker.__scope_columns__ = {**_SCOPED, "department": "department_id"}


def _blocker_through_its_case(scope):
    """The department named in a blocker reads it only when it reads its case (handed to it, never a
    lead such as 吃拿卡要 or 违规干预): the enterprise reporting it always does."""
    return exists().where(Case.id == Blocker.case_id, visible_condition(Case, scope))


Blocker.__scope_gates__ = {"department": _blocker_through_its_case}
def _blocker_sent_up(scope):
    """A blocker sent up leaves local hands, but not the enterprise that reported it (it follows its
    own blocker's public progress, as a citizen follows a report on the tracking page)."""
    return None if scope.project_ids else hangs_on_a_restricted_case(Blocker.case_id)(scope)


Blocker.__scope_restricted__ = staticmethod(_blocker_sent_up)


class BlockerPhoto(StoredPhoto, db.Model):
    """A blocker's photo, re-encoded by intake's photo rules; the bytes live in the photo storage."""

    __tablename__ = "project_blocker_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    blocker_id: Mapped[int] = mapped_column(ForeignKey("project_blockers.id"), index=True)

    blocker: Mapped[Blocker] = relationship(back_populates="photos")


class ProjectInvitation(db.Model):
    """A one-time invitation to a project's enterprise account: only the code's SHA-256 is kept."""

    __tablename__ = "project_invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    kind: Mapped[str] = mapped_column(String(12))  # contact | colleague
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


ProjectInvitation.__scope_columns__ = dict(_SCOPED)


class ProjectSetting(db.Model):
    """A number the rules use (payment days, the yellow share…); admins change them."""

    __tablename__ = "project_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(48), unique=True)
    value: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
