from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jiandu.extensions import db
from jiandu.timeutil import utcnow

JURISDICTION_LEVELS = ("city", "county", "town")
UNIT_KINDS = ("commission", "group", "department", "hall")
POINT_TYPES = (
    "window", "hall", "party_centre", "convenience_station", "law_enforcement",
    "grassroots_station", "website", "project",
)
ROLES = ("admin", "inspector", "handler", "enterprise")


class Jurisdiction(db.Model):
    """City → county/district/banner → town/street. `path` ("/1/4/") makes a subtree one LIKE."""

    __tablename__ = "jurisdictions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    division_code: Mapped[str | None] = mapped_column(String(12))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), default="", index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    parent: Mapped[Jurisdiction | None] = relationship(remote_side=[id])


group_departments = Table(
    "group_departments",
    db.metadata,
    Column("group_id", ForeignKey("units.id"), primary_key=True),
    Column("department_id", ForeignKey("units.id"), primary_key=True),
)


class Unit(db.Model):
    """A commission, a dispatched group, a department or a service hall."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    jurisdiction: Mapped[Jurisdiction] = relationship()
    supervised_departments: Mapped[list[Unit]] = relationship(
        secondary=group_departments,
        primaryjoin=lambda: Unit.id == group_departments.c.group_id,
        secondaryjoin=lambda: Unit.id == group_departments.c.department_id,
        order_by=lambda: Unit.id,
    )


class Project(db.Model):
    """A major project (重大项目); its full registry belongs to the projects capability."""

    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    project_code: Mapped[str] = mapped_column(String(64), unique=True)
    owner_enterprise: Mapped[str] = mapped_column(String(128))
    construction_enterprise: Mapped[str | None] = mapped_column(String(128))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    location: Mapped[str | None] = mapped_column(String(255))
    stage: Mapped[str] = mapped_column(String(32), default="land_planning")
    investment_wan: Mapped[int | None] = mapped_column(Integer)  # 万元
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The registry (projects capability): credit codes, liaison cadre (包联干部), the enterprise's contact.
    owner_credit_code: Mapped[str | None] = mapped_column(String(18))
    construction_credit_code: Mapped[str | None] = mapped_column(String(18))
    liaison_name: Mapped[str | None] = mapped_column(String(64))
    liaison_phone: Mapped[str | None] = mapped_column(String(32))
    contact_name: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    jurisdiction: Mapped[Jurisdiction] = relationship()


class Point(db.Model):
    """Anything that carries a supervision code (监督点位): a window, a hall, a website, a project…"""

    __tablename__ = "points"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    type: Mapped[str] = mapped_column(String(24), index=True)
    name: Mapped[str] = mapped_column(String(128))
    name_mn: Mapped[str | None] = mapped_column(String(256))  # traditional Mongolian script, for bilingual signs
    number: Mapped[str | None] = mapped_column(String(16))
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(255))
    allowed_origins: Mapped[str | None] = mapped_column(Text)  # websites that may frame the embed, one per line
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    hall: Mapped[Unit | None] = relationship(foreign_keys=[hall_id])
    department: Mapped[Unit | None] = relationship(foreign_keys=[department_id])
    project: Mapped[Project | None] = relationship()
    jurisdiction: Mapped[Jurisdiction] = relationship()

    @property
    def origins(self) -> list[str]:
        return [o.strip() for o in (self.allowed_origins or "").splitlines() if o.strip()]


class User(db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), index=True)
    # Scope: a jurisdiction subtree, or a unit (dispatched group or department), or a project.
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on logout-everywhere and password change: older sessions stop working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    jurisdiction: Mapped[Jurisdiction] = relationship()
    unit: Mapped[Unit | None] = relationship()
    project: Mapped[Project | None] = relationship()


class ApiToken(db.Model):
    """A bearer token for a machine client; only its SHA-256 is kept. It lasts API_TOKEN_DAYS at most,
    and ends with the password that got it (a change, a reset) or with the account."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


class AuditEvent(db.Model):
    """Who did what to which record: admin changes, contact reveals, sign-ins."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(48), index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class UserSession(db.Model):
    """A signed-in device. The cookie carries only `sid`; logging out revokes the row, so a copied
    cookie stops working at once."""

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    sid_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    user_agent: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
