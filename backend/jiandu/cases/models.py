from __future__ import annotations

from datetime import datetime

from sqlalchemy import (Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint,
                        and_, exists, or_, select)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jiandu.extensions import db
from jiandu.indexes import only_where_set
from jiandu.workdays import WorkdayAdjustment  # noqa: F401  (its table is created with ours)
from jiandu.timeutil import utcnow

STATES = (
    "received",     # 受理
    "registered",   # 建账
    "assigned",     # 转办
    "signed",       # 签收
    "answered",     # 反馈
    "verified",     # 核查
    "revisited",    # 回访
    "closed",       # 办结
    "not_accepted", # 不予受理
    "merged",       # 并案
    "handed_over",  # 问题线索移交信访/监督检查部门
    "parked",       # 挂账
    "sent_up",      # 报送上级 (restricted channel: leadership or higher-level cadres)
)
OPEN_STATES = ("received", "registered", "assigned", "signed", "answered", "verified", "revisited", "parked")
FINAL_STATES = ("closed", "not_accepted", "merged", "handed_over", "sent_up")
CHANNELS = ("window_code", "hall_code", "website", "project_app", "hotline_12345", "field_visit", "checklist",
            "risk_model", "other")
CASE_TYPES = ("service_request", "work_style", "lead")  # 服务诉求 | 作风效能 | 问题线索
WARNING_LEVELS = ("none", "yellow", "red")


# 协办单位: the departments that co-handle a case besides the lead one (Case.department_id).
case_co_departments = Table(
    "case_co_departments",
    db.metadata,
    Column("case_id", ForeignKey("cases.id"), primary_key=True),
    Column("department_id", ForeignKey("units.id"), primary_key=True),
    # A co-handler's ledger asks "which cases does my department co-handle": answered from this index alone.
    Index("ix_case_co_departments_department", "department_id", "case_id"),
)


class Case(db.Model):
    """案件: one matter in the closed loop. Its state is derived from its events and kept here too."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="received")
    channel: Mapped[str] = mapped_column(String(16))
    case_type: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(32))
    severity: Mapped[str | None] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(String(200))
    point_id: Mapped[int | None] = mapped_column(ForeignKey("points.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)  # sent up: local users cannot see it
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    warning: Mapped[str] = mapped_column(String(8), default="none")
    returns_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The deadline in force (due_at above): which rule, when it warns yellow, whether its calendar is
    # still provisional, and the seq of the event that set it (warnings are raised once per deadline).
    deadline_kind: Mapped[str | None] = mapped_column(String(24))
    warn_at: Mapped[datetime | None] = mapped_column(DateTime)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline_seq: Mapped[int | None] = mapped_column(Integer)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)  # 督办 level, 0 = none
    reminded_seq: Mapped[int | None] = mapped_column(Integer)  # deadline already chased (催办)
    # Milestones for the figures.
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime)
    sign_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    handle_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_on_time: Mapped[bool | None] = mapped_column(Boolean)
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[int | None] = mapped_column(Integer)  # 5 非常满意 … 1 非常不满意
    extension_requested_days: Mapped[int | None] = mapped_column(Integer)  # pending 延期 request
    parked_review_at: Mapped[datetime | None] = mapped_column(DateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))

    point = relationship("Point")
    project = relationship("Project")
    jurisdiction = relationship("Jurisdiction")
    department = relationship("Unit")
    co_departments = relationship("Unit", secondary=case_co_departments, order_by=case_co_departments.c.department_id)
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.seq")

    __table_args__ = (
        Index("ix_cases_jurisdiction_state", "jurisdiction_id", "state", "created_at"),
        Index("ix_cases_department_state", "department_id", "state"),
        # Partial: a new case has no deadline yet, so taking a report writes neither of these two.
        Index("ix_cases_state_due", "state", "due_at", **only_where_set("due_at")),
        Index("ix_cases_point", "point_id"),
        Index("ix_cases_warning_warn", "warning", "warn_at", **only_where_set("warn_at")),
        Index("ix_cases_category_created", "category", "created_at"),
        # The ledger's usual question (a place, a category, a period) answered from the index alone,
        # state and restriction included, so the per-state counts never touch the table.
        Index("ix_cases_ledger", "jurisdiction_id", "category", "created_at", "state", "restricted"),
        Index("ix_cases_created", "created_at"),
    )
    __mapper_args__ = {"version_id_col": version}  # UPDATE … WHERE version = old: one winner per race


# No "project": an enterprise never reads a case file (internal notes, staff names); it follows its
# blockers through their public view in `projects`.
Case.__scope_columns__ = {"jurisdiction": "jurisdiction_id", "department": "department_id"}


def _co_handled_cases(scope):
    """A department handler also sees the cases their department co-handles (协办单位,
    `case_co_departments`): read only, since every move belongs to the lead department."""
    if scope.role != "handler" or len(scope.department_ids) != 1:
        return None
    (department_id,) = scope.department_ids
    co_handled = select(case_co_departments.c.case_id).where(case_co_departments.c.department_id == department_id)
    return Case.id.in_(co_handled)


def handed_to_the_department(scope=None):
    """A department reads a case once it was handed to it (转办), and never a lead: until then the
    case, who raised it and where are the commission's alone."""
    return and_(Case.assigned_at.is_not(None), or_(Case.case_type.is_(None), Case.case_type != "lead"))


def sent_up(scope=None):
    """The rows of cases sent up the restricted channel (for `__scope_restricted__`)."""
    return Case.restricted.is_(True)


def hangs_on_a_restricted_case(case_id_column):
    """For the records of a case (its report, photos, blocker, finding): restricted with their case."""
    return lambda scope: exists().where(Case.id == case_id_column, Case.restricted.is_(True))


Case.__scope_extra__ = staticmethod(_co_handled_cases)
Case.__scope_gates__ = {"department": handed_to_the_department}
Case.__scope_restricted__ = staticmethod(sent_up)


class CaseEvent(db.Model):
    """One move of a case. Append-only: never updated, never deleted."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))  # indexed by the unique constraint below
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_kind: Mapped[str] = mapped_column(String(12), default="user")  # user | reporter | system
    note: Mapped[str | None] = mapped_column(Text)  # internal
    public_note: Mapped[str | None] = mapped_column(Text)  # what the reporter may read
    data: Mapped[str | None] = mapped_column(Text)  # JSON: fields of this move
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")

    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),)


DEADLINE_KINDS = ("sign_for", "service_request", "work_style", "bad_rating", "return_visit", "recommendation_reply")
DEADLINE_BASES = ("receipt", "assignment", "answer", "issue")


class DeadlineRule(db.Model):
    """A time limit (amount, unit, basis), per jurisdiction; the nearest ancestor's rule applies."""

    __tablename__ = "deadline_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    amount: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(8))  # workday | day | hour
    basis: Mapped[str] = mapped_column(String(12))  # receipt | assignment | answer | issue
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("jurisdiction_id", "kind", name="uq_deadline_rules_jurisdiction_kind"),)


DeadlineRule.__scope_columns__ = {"jurisdiction": "jurisdiction_id"}


class CaseWarning(db.Model):
    """预警 / 催办 / 督办 / 挂账复查 raised by the deadline scan: at most one per case, deadline and level.
    For park_review, deadline_seq is the seq of the 挂账 / 挂账复查 event that set the review date."""

    __tablename__ = "case_warnings"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))  # indexed by the unique constraint below
    deadline_seq: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(12))  # yellow | red | reminder | escalation | park_review
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    raised_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    __table_args__ = (UniqueConstraint("case_id", "deadline_seq", "level", name="uq_case_warnings_once"),)


recommendation_cases = Table(
    "recommendation_cases",
    db.metadata,
    Column("recommendation_id", ForeignKey("recommendations.id"), primary_key=True),
    Column("case_id", ForeignKey("cases.id"), primary_key=True),
)

RECOMMENDATION_STATES = ("issued", "replied", "rechecked")


class Recommendation(db.Model):
    """纪检监察建议: closed cases with one systemic cause, sent to a unit; reply, then 回头看."""

    __tablename__ = "recommendations"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(128))
    systemic_cause: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default="issued")
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reply_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(DateTime)
    recheck_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    recheck_result: Mapped[str | None] = mapped_column(Text)
    recheck_passed: Mapped[bool | None] = mapped_column(Boolean)
    rechecked_at: Mapped[datetime | None] = mapped_column(DateTime)
    reply_overdue_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    unit = relationship("Unit")
    cases: Mapped[list[Case]] = relationship(secondary=recommendation_cases, order_by=lambda: Case.id)

    __mapper_args__ = {"version_id_col": version}


Recommendation.__scope_columns__ = {"jurisdiction": "jurisdiction_id", "department": "unit_id", "unit": "unit_id"}


class CaseAttachment(db.Model):
    """A photo or file on a case (the department's evidence); images are re-encoded without metadata."""

    __tablename__ = "case_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(128))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
