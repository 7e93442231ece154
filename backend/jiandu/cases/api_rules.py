"""Routes of the deadline rules and the holiday calendar (节假日调休表)."""
from __future__ import annotations

from flask import request
from sqlalchemy import select

from jiandu import audit
from jiandu.cases import bodies, service
from jiandu.cases import schemas as doc
from jiandu.cases.blueprint import before_the_body, blp
from jiandu.cases.visibility import require
from jiandu.extensions import db
from jiandu.org import grants
from jiandu.org.auth import current_user, login_required
from jiandu.org.models import Jurisdiction
from jiandu.org.scope import get_visible
from jiandu.workdays import WorkdayAdjustment, set_adjustment


def _rule_view(rule: service.Rule) -> dict:
    return {"kind": rule.kind, "amount": rule.amount, "unit": rule.unit, "basis": rule.basis,
            "jurisdiction_id": rule.jurisdiction_id, "default": rule.jurisdiction_id is None}


@blp.route("/deadline-rules", methods=["GET"])
@blp.doc(parameters=[{"in": "query", "name": "jurisdiction", "required": False, "schema": {"type": "integer"},
                      "description": "default: the user's jurisdiction"}])
@blp.response(200, doc.DeadlineRuleList, description="every kind of deadline, with the rule in force")
@login_required
def get_rules():
    """The deadline rules in force in a jurisdiction (its own, an ancestor's or the default)."""
    user = current_user()
    jurisdiction_id = request.args.get("jurisdiction", type=int) or user.jurisdiction_id
    get_visible(user, Jurisdiction, jurisdiction_id, "辖区")
    return {"jurisdiction_id": jurisdiction_id, "items": [_rule_view(r) for r in service.rules_for(jurisdiction_id)]}


@blp.route("/deadline-rules", methods=["PUT"])
@blp.response(200, doc.DeadlineRuleList, description="the rules in force in that jurisdiction now")
@login_required
@before_the_body(lambda user: require(user.role == "admin", "只有管理员可以修改办理时限"))
@blp.arguments(bodies.DeadlineRuleBody)
def put_rule(body):
    """Set one deadline rule of a jurisdiction (admins)."""
    user = current_user()
    jurisdiction_id = body.get("jurisdiction_id") or user.jurisdiction_id
    grants.require_jurisdiction_admin(user, jurisdiction_id, "修改办理时限")
    service.set_rule(user, jurisdiction_id, body["kind"], body["amount"], body["unit"], body["basis"])
    db.session.commit()
    return {"jurisdiction_id": jurisdiction_id, "items": [_rule_view(r) for r in service.rules_for(jurisdiction_id)]}


def _adjustments() -> dict:
    rows = db.session.scalars(select(WorkdayAdjustment).order_by(WorkdayAdjustment.day)).all()
    return {"items": [{"day": r.day, "is_workday": r.is_workday, "note": r.note} for r in rows]}


@blp.route("/calendar/adjustments", methods=["GET"])
@blp.response(200, doc.CalendarAdjustmentList, description="every adjusted day, by date")
@login_required
def list_adjustments():
    """The admin-entered holidays and make-up workdays (节假日调休表)."""
    return _adjustments()


@blp.route("/calendar/adjustments", methods=["PUT"])
@blp.response(200, doc.CalendarAdjustmentList, description="every adjusted day, by date")
@login_required
@before_the_body(lambda user: grants.require_top_admin(user, "维护节假日调休表"))  # one calendar for the whole city
@blp.arguments(bodies.CalendarAdjustmentsBody)
def put_adjustments(body):
    """{"items": [{"day": "2027-02-06", "is_workday": true, "note": "春节调休"}…]} (admins)."""
    user = current_user()
    for item in body["items"]:
        set_adjustment(item["day"], item["is_workday"], (item.get("note") or "")[:64] or None, user.id)
    audit.record(user.id, "calendar_adjust", None, days=[item["day"].isoformat() for item in body["items"]])
    db.session.commit()
    return _adjustments()
