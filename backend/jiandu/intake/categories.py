"""Editable data: the report categories and rating reasons (defaults seeded once, admins edit them)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from jiandu import audit
from jiandu.errors import Invalid, NotFound
from jiandu.extensions import db
from jiandu.intake import cache as intake_cache
from jiandu.intake.defaults import CATEGORIES, RATING_REASONS
from jiandu.intake.models import RatingReason, ReportCategory
from jiandu.intake.roles import require_role
from jiandu.org.categories import refuse_rerouting_a_lead
from jiandu.org.models import User

def seed_categories() -> int:
    """Add the default categories and rating reasons that are missing (by code). Safe to call again."""
    added = 0
    have = set(db.session.scalars(select(ReportCategory.code)))
    for sort, (code, name, name_en, case_type) in enumerate(CATEGORIES):
        if code not in have:
            db.session.add(ReportCategory(code=code, name=name, name_en=name_en, case_type=case_type,
                                          sort=(sort + 1) * 10, active=True))
            added += 1
    have = set(db.session.scalars(select(RatingReason.code)))
    for sort, (code, polarity, name, name_en) in enumerate(RATING_REASONS):
        if code not in have:
            db.session.add(RatingReason(code=code, polarity=polarity, name=name, name_en=name_en,
                                        sort=(sort + 1) * 10, active=True))
            added += 1
    db.session.flush()
    return added


def ensure_seeded() -> bool:
    """A fresh installation has the defaults the first time anyone asks; True when it added them."""
    if db.session.scalar(select(ReportCategory.id).limit(1)) is not None:
        return False
    try:
        with db.session.begin_nested():
            seed_categories()
    except IntegrityError:  # another process seeded at the same moment
        return False
    return True


def active_categories() -> list[ReportCategory]:
    return list(db.session.scalars(select(ReportCategory).where(ReportCategory.active)
                                   .order_by(ReportCategory.sort, ReportCategory.id)))


def active_reasons() -> list[RatingReason]:
    return list(db.session.scalars(select(RatingReason).where(RatingReason.active)
                                   .order_by(RatingReason.sort, RatingReason.id)))


def landing_options() -> dict:
    """Categories and reasons as the landing page shows them (plain values, cached briefly)."""
    ttl = intake_cache.seconds()
    found = intake_cache.options.get("all") if ttl else None
    if found is not None:
        return found
    if ensure_seeded():
        db.session.commit()

    def item(row, **extra):
        return {"code": row.code, "name": row.name, "name_en": row.name_en or row.name, **extra}

    found = {"categories": [item(c) for c in active_categories()],
             "reasons": [item(r, polarity=r.polarity) for r in active_reasons()]}
    if ttl:
        intake_cache.options.put("all", found, ttl)
    return found


def all_categories() -> list[ReportCategory]:
    return list(db.session.scalars(select(ReportCategory).order_by(ReportCategory.sort, ReportCategory.id)))


CATEGORY_FIELDS = ("name", "name_en", "case_type", "sort", "active")


def create_category(actor: User, data: dict) -> ReportCategory:
    require_role(actor, "admin")
    if db.session.scalar(select(ReportCategory.id).where(ReportCategory.code == data["code"])) is not None:
        raise Invalid({"code": "该代码已存在"})
    category = ReportCategory(code=data["code"], **{k: data[k] for k in CATEGORY_FIELDS if k in data})
    db.session.add(category)
    db.session.flush()
    audit.record(actor.id, "report_category_create", category, code=category.code)
    intake_cache.clear()
    return category


def update_category(actor: User, code: str, data: dict) -> ReportCategory:
    require_role(actor, "admin")
    category = db.session.scalar(select(ReportCategory).where(ReportCategory.code == code))
    if category is None:
        raise NotFound("问题类型")
    refuse_rerouting_a_lead(category.case_type, data.get("case_type"))
    for key in CATEGORY_FIELDS:
        if key in data:
            setattr(category, key, data[key])
    audit.record(actor.id, "report_category_update", category, **data)
    intake_cache.clear()
    return category


def labels() -> dict:
    """Names of codes, for dumping lists without a query per row."""
    return {
        "categories": {c.code: c.name for c in db.session.scalars(select(ReportCategory))},
        "reasons": {r.code: r.name for r in db.session.scalars(select(RatingReason))},
    }
