"""纪检监察建议: closed cases sharing a systemic cause, bundled into a recommendation to one unit,
with a reply deadline (rule `recommendation_reply`, 30 calendar days by default) and a follow-up
re-check (回头看) by an inspector after the reply."""
from __future__ import annotations

from datetime import timedelta

from jiandu.cases.models import Case, Recommendation
from jiandu.cases.deadlines import rule_for
from jiandu.cases.visibility import check_version, require, visible_cases
from jiandu.errors import Conflict, Invalid
from jiandu.extensions import db
from jiandu.org.models import Unit, User
from jiandu.org.scope import get_visible, visible
from jiandu.timeutil import iso_utc, utcnow
from jiandu.workdays import Calendar, deadline


def _is_inspector(user: User) -> bool:
    return user.role in ("inspector", "admin")


def require_inspector(user: User) -> None:
    require(_is_inspector(user), "只有纪检监察干部可以提出纪检监察建议")


def create(user: User, data: dict) -> Recommendation:
    require_inspector(user)
    errors = {}
    for name in ("title", "systemic_cause", "content"):
        if not str(data.get(name) or "").strip():
            errors[name] = "此项必填"
    ids = data.get("case_ids") or []
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        errors["case_ids"] = "请选择至少一件已办结的案件"
    unit = None
    try:
        unit = db.session.scalar(visible(user, Unit).where(Unit.id == int(data.get("unit_id"))))
    except (TypeError, ValueError):
        pass
    if unit is None:
        errors["unit_id"] = "该单位不存在或不在您的管辖范围内"
    if errors:
        raise Invalid(errors)
    cases = db.session.scalars(visible_cases(user).where(Case.id.in_(ids))).all()
    if len(cases) != len(set(ids)):
        raise Invalid({"case_ids": "部分案件不存在或不在您的管辖范围内"})
    if any(c.state != "closed" for c in cases):
        raise Invalid({"case_ids": "只能汇总已办结的案件"})
    now = utcnow()
    rule = rule_for("recommendation_reply", unit.jurisdiction_id)
    due = deadline(now, rule.amount, rule.unit, Calendar.load() if rule.unit == "workday" else None)
    rec = Recommendation(jurisdiction_id=unit.jurisdiction_id, unit_id=unit.id, title=data["title"].strip()[:128],
                         systemic_cause=data["systemic_cause"].strip(), content=data["content"].strip(),
                         issued_at=now, issued_by=user.id, reply_due_at=due.due_at, state="issued", cases=list(cases))
    db.session.add(rec)
    db.session.flush()
    rec.number = f"JDJY{now:%Y}{rec.id:05d}"
    return rec


def reply(user: User, rec: Recommendation, data: dict) -> Recommendation:
    """The unit's reply: a handler of that unit, or an inspector recording a reply on paper."""
    require(_is_inspector(user) or (user.role == "handler" and user.unit_id == rec.unit_id),
            "只有被建议单位或纪检监察干部可以录入回复")
    check_version(rec, data.get("version"))
    if rec.state != "issued":
        raise Conflict("该建议已回复", code="wrong_state", extra={"state": rec.state, "version": rec.version})
    text = str(data.get("reply") or "").strip()
    if not text:
        raise Invalid({"reply": "此项必填"})
    now = utcnow()
    rec.reply, rec.replied_at, rec.state = text, now, "replied"
    days = int(data.get("recheck_days") or 90)
    rec.recheck_due_at = now + timedelta(days=max(1, min(days, 730)))
    return rec


def recheck(user: User, rec: Recommendation, data: dict) -> Recommendation:
    """回头看: an inspector checks whether the unit's fix holds."""
    require(_is_inspector(user), "只有纪检监察干部可以开展回头看")
    check_version(rec, data.get("version"))
    if rec.state != "replied":
        raise Conflict("该建议尚未回复或已完成回头看", code="wrong_state",
                       extra={"state": rec.state, "version": rec.version})
    result = str(data.get("result") or "").strip()
    missing = {"result": not result, "passed": not isinstance(data.get("passed"), bool)}
    if any(missing.values()):
        raise Invalid({name: "此项必填" for name, absent in missing.items() if absent})
    rec.recheck_result, rec.recheck_passed, rec.rechecked_at = result, data["passed"], utcnow()
    rec.state = "rechecked"
    return rec


def get(user: User, rec_id: int) -> Recommendation:
    return get_visible(user, Recommendation, rec_id, "纪检监察建议")


def listing(user: User):
    return visible(user, Recommendation).order_by(Recommendation.id.desc())


def view(rec: Recommendation) -> dict:
    return {
        "id": rec.id, "number": rec.number, "title": rec.title, "unit": {"id": rec.unit.id, "name": rec.unit.name},
        "systemic_cause": rec.systemic_cause, "content": rec.content, "state": rec.state,
        "issued_at": iso_utc(rec.issued_at), "reply_due_at": iso_utc(rec.reply_due_at), "reply": rec.reply,
        "replied_at": iso_utc(rec.replied_at), "recheck_due_at": iso_utc(rec.recheck_due_at),
        "recheck_result": rec.recheck_result, "recheck_passed": rec.recheck_passed,
        "rechecked_at": iso_utc(rec.rechecked_at), "version": rec.version,
        "overdue": rec.state == "issued" and rec.reply_due_at is not None and rec.reply_due_at < utcnow(),
        "cases": [{"id": c.id, "number": c.number, "summary": c.summary} for c in rec.cases],
    }
