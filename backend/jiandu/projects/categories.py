"""Blocker categories (堵点类型): the ones a new installation starts with, and the admin's changes."""
from __future__ import annotations

import re

from sqlalchemy import select

from jiandu import audit
from jiandu.errors import Invalid
from jiandu.extensions import db
from jiandu.org.categories import lead_rerouting_error
from jiandu.org.models import User
from jiandu.projects.common import require_role
from jiandu.projects.models import BlockerCategory

# The categories a new installation starts with (code, name, name_en, case_type); admins edit them.
BLOCKER_CATEGORIES = (
    ("approval_timeout", "审批超时", "Approval overdue", "service_request"),
    ("approval_burden", "审批过繁", "Too many approval steps", "service_request"),
    ("irregular_enforcement", "监管执法不规范", "Irregular inspection or enforcement", "work_style"),
    ("interference", "违规干预", "Improper interference", "lead"),
    ("extortion", "吃拿卡要", "Petty extortion / obstruction", "lead"),
    ("arrears", "拖欠账款", "Payments in arrears", "service_request"),
    ("poor_coordination", "协调服务不到位", "Poor coordination and service", "work_style"),
    ("other", "其他", "Other", "service_request"),
)


def ensure_categories() -> None:
    have = set(db.session.scalars(select(BlockerCategory.code)))
    for sort, (code, name, name_en, case_type) in enumerate(BLOCKER_CATEGORIES):
        if code not in have:
            db.session.add(BlockerCategory(code=code, name=name, name_en=name_en, case_type=case_type,
                                           sort=(sort + 1) * 10, active=True))
    db.session.flush()


def active_categories() -> list[BlockerCategory]:
    if db.session.scalar(select(BlockerCategory.id).limit(1)) is None:
        ensure_categories()
    return list(db.session.scalars(select(BlockerCategory).where(BlockerCategory.active)
                                   .order_by(BlockerCategory.sort, BlockerCategory.id)))


def upsert_category(actor: User, code: str, data: dict) -> BlockerCategory:
    require_role(actor, "admin")
    """The fields sent (loaded by bodies.BlockerCategoryIn); a new category needs its name."""
    if not re.match(r"^[a-z0-9_]{2,32}$", code or ""):
        raise Invalid({"code": "代码为 2–32 位小写字母、数字或下划线"})
    row = db.session.scalar(select(BlockerCategory).where(BlockerCategory.code == code))
    name, name_en, case_type, sort = (data.get(k) for k in ("name", "name_en", "case_type", "sort"))
    errors: dict = {}
    if row is None and name is None:
        errors["name"] = "请填写名称"
    if row is not None and lead_rerouting_error(row.case_type, case_type):
        errors["case_type"] = lead_rerouting_error(row.case_type, case_type)
    if errors:
        raise Invalid(errors)
    if row is None:
        row = BlockerCategory(code=code, name=name, case_type=case_type or "service_request", sort=sort or 100)
        db.session.add(row)
    for key, value in (("name", name), ("name_en", name_en), ("case_type", case_type), ("sort", sort)):
        if value is not None:
            setattr(row, key, value)
    if "active" in data:
        row.active = data["active"]
    audit.record(actor.id, "blocker_category_set", row, code=code)
    return row


def category_labels() -> dict:
    return dict(db.session.execute(select(BlockerCategory.code, BlockerCategory.name)).all())
