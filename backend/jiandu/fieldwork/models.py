"""Fieldwork's tables: checklist templates (versioned) and their items, tasks issued to units or points,
answer sets (self-checks and spot-checks), visits, visit records, findings, field photos, and the
receipts of the sync protocol.

Everything a device writes offline is append-only here (answer sets, visit records, findings, photos):
two inspectors can never overwrite each other, so those writes never conflict. The only shared state
edited offline is a case, which carries its own version (see cases.models).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        exists)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jiandu.cases.models import hangs_on_a_restricted_case
from jiandu.extensions import db
from jiandu.files.models import UPLOAD_STATES, FieldPhoto  # noqa: F401  (kept where callers look)
from jiandu.org.scope import never
from jiandu.timeutil import utcnow

ITEM_KINDS = ("yes_no", "single", "multiple", "number", "text", "photo")
TASK_STATES = ("issued", "answered", "spot_checked")
VISIT_STATES = ("planned", "done")


class VisitKind(db.Model):
    """A kind of field visit (大走访, 体验式监督, 集中整治…): a list kept as data, edited by admins."""

    __tablename__ = "fieldwork_visit_kinds"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str | None] = mapped_column(String(64))
    sort: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ChecklistTemplate(db.Model):
    """One version of a checklist. A new version is a new row with the same `code` and version + 1;
    tasks and answers keep pointing at the version they were made with."""

    __tablename__ = "checklist_templates"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(128))
    problem: Mapped[str | None] = mapped_column(Text)  # the recurring problem it was born from
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    current: Mapped[bool] = mapped_column(Boolean, default=True)  # the newest version of its code

    items: Mapped[list[ChecklistItem]] = relationship(back_populates="template", order_by="ChecklistItem.position")

    __table_args__ = (UniqueConstraint("code", "version", name="uq_checklist_templates_code_version"),)


class ChecklistItem(db.Model):
    __tablename__ = "checklist_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_templates.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    label: Mapped[str] = mapped_column(String(255))
    guidance: Mapped[str | None] = mapped_column(Text)
    options: Mapped[str | None] = mapped_column(Text)  # JSON list of choices (single/multiple)
    required: Mapped[bool] = mapped_column(Boolean, default=True)

    template: Mapped[ChecklistTemplate] = relationship(back_populates="items")


class ChecklistTask(db.Model):
    """A checklist issued to a unit or a point with a deadline (one row per target; `batch` groups
    the rows of one issuing, 举一反三)."""

    __tablename__ = "checklist_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch: Mapped[str] = mapped_column(String(32), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_templates.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    point_id: Mapped[int | None] = mapped_column(ForeignKey("points.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)  # who self-checks
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(DateTime)
    warn_at: Mapped[datetime] = mapped_column(DateTime)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default="issued")
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    spot_checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    template: Mapped[ChecklistTemplate] = relationship()
    unit = relationship("Unit", foreign_keys=[unit_id])
    point = relationship("Point")

    __table_args__ = (Index("ix_checklist_tasks_state_due", "state", "due_at"),)


class Visit(db.Model):
    """A field visit to a point or a project, planned by someone or started on the spot (offline)."""

    __tablename__ = "visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    point_id: Mapped[int | None] = mapped_column(ForeignKey("points.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_templates.id"))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    planned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    planned_for: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str | None] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(12), default="planned")  # derived: done once recorded
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, index=True)

    point = relationship("Point")
    project = relationship("Project")
    template: Mapped[ChecklistTemplate | None] = relationship()


class VisitRecord(db.Model):
    """What happened on a visit, as the device saw it. Append-only."""

    __tablename__ = "visit_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)
    photo_uuids: Mapped[str | None] = mapped_column(Text)  # JSON list
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AnswerSet(db.Model):
    """The answers to one checklist: a unit's self-check (自查) of a task, or an inspector's check on a
    visit (spot-check of a task or a visit's own checklist). Append-only."""

    __tablename__ = "checklist_answer_sets"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(12))  # self_check | inspection
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_templates.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_tasks.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)  # on the device
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    answers: Mapped[list[Answer]] = relationship(back_populates="answer_set", order_by="Answer.id")


class Answer(db.Model):
    __tablename__ = "checklist_answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    answer_set_id: Mapped[int] = mapped_column(ForeignKey("checklist_answer_sets.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"))
    value: Mapped[str | None] = mapped_column(Text)  # JSON
    note: Mapped[str | None] = mapped_column(Text)
    photo_uuids: Mapped[str | None] = mapped_column(Text)  # JSON list
    negative: Mapped[bool] = mapped_column(Boolean, default=False)  # a "no": can become a case
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))

    answer_set: Mapped[AnswerSet] = relationship(back_populates="answers")


class Finding(db.Model):
    """A problem found on a visit (or a "no" on a checklist item): it becomes a report and a case."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_answers.id"))
    point_id: Mapped[int | None] = mapped_column(ForeignKey("points.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    category: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    photo_uuids: Mapped[str | None] = mapped_column(Text)  # JSON list
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SyncReceipt(db.Model):
    """The first answer to one client write (its UUID is the idempotency key). The unique constraint
    makes two racing deliveries one; `body_hash` (over user, op and body) tells a replay from a
    different write reusing the key. Kept at least RECEIPT_DAYS days."""

    __tablename__ = "sync_receipts"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    op: Mapped[str] = mapped_column(String(32))
    body_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(Text)  # JSON: what was made
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class SyncBatch(db.Model):
    """One push: who, from which device, how many writes and what became of them (for support)."""

    __tablename__ = "sync_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    device: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    writes: Mapped[int] = mapped_column(Integer, default=0)
    applied: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


_SCOPED = {"jurisdiction": "jurisdiction_id", "department": "department_id", "project": "project_id"}
ChecklistTemplate.__scope_columns__ = {"jurisdiction": "jurisdiction_id"}
ChecklistTask.__scope_columns__ = {**_SCOPED, "unit": "unit_id"}
Visit.__scope_columns__ = dict(_SCOPED)
AnswerSet.__scope_columns__ = dict(_SCOPED)
Finding.__scope_columns__ = dict(_SCOPED)


def _own_self_check(scope):
    return AnswerSet.kind == "self_check"


def _found_in_own_self_check(scope):
    return exists().where(Answer.id == Finding.answer_id, AnswerSet.id == Answer.answer_set_id,
                          AnswerSet.kind == "self_check")


# Visits are the commission's: planned unannounced ones (暗访) above all, and their records (GPS,
# notes, findings). The supervised side reads only its own self-checks and what they found.
Visit.__scope_gates__ = {"department": never, "project": never}
AnswerSet.__scope_gates__ = {"department": _own_self_check, "project": _own_self_check}
Finding.__scope_gates__ = {"department": _found_in_own_self_check, "project": _found_in_own_self_check}
Finding.__scope_restricted__ = staticmethod(hangs_on_a_restricted_case(Finding.case_id))
