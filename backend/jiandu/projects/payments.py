"""Payments owed to a project's enterprises: the due day from the payment rules, the colour today."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from jiandu import audit
from jiandu.errors import Invalid
from jiandu.extensions import db
from jiandu.org.models import Unit, User
from jiandu.org.scope import get_visible, visible
from jiandu.projects import rules
from jiandu.projects.common import OUT_OF_SCOPE, STAFF, bump, check_version, fen_to_yuan, require_role
from jiandu.projects.models import Payment
from jiandu.projects.registry import get_project
from jiandu.projects.settings import settings


PAYMENT_FIELDS = ("contract_name", "contract_no", "payer", "payer_unit_id", "amount_fen", "delivered_on",
                  "contract_due_on", "paid_on", "note")


def _payment_fields(actor: User, data: dict, payment: Payment | None) -> dict:
    """The fields sent (loaded by bodies.PaymentIn), checked against the actor's scope and each other."""
    clean = {k: data[k] for k in PAYMENT_FIELDS if k in data and not (k == "payer_unit_id" and data[k] is None)}
    if payment is None or "payer_kind" in data:
        clean["payer_kind"] = data.get("payer_kind") or "government"
    errors: dict = {}
    uid = clean.get("payer_unit_id")
    if uid is not None and db.session.scalar(visible(actor, select(Unit.id)).where(Unit.id == uid)) is None:
        errors["payer_unit_id"] = f"付款单位{OUT_OF_SCOPE}"
    merged = {k: getattr(payment, k) if payment is not None else None
              for k in ("delivered_on", "contract_due_on", "paid_on")}
    merged.update({k: v for k, v in clean.items() if k in merged})
    if merged["delivered_on"] and merged["contract_due_on"] and merged["contract_due_on"] < merged["delivered_on"]:
        errors.setdefault("contract_due_on", "合同约定付款日期不能早于交付日期")
    if merged["delivered_on"] and merged["paid_on"] and merged["paid_on"] < merged["delivered_on"]:
        errors.setdefault("paid_on", "付款日期不能早于交付日期")
    if errors:
        raise Invalid(errors)
    return clean


def _apply_payment_due(payment: Payment, s: dict) -> None:
    due = rules.payment_due(payment.delivered_on, payment.payer_kind, payment.contract_due_on, s)
    payment.due_on, payment.due_rule = due.due_on, due.rule


def create_payment(actor: User, project_id: int, data: dict) -> Payment:
    project = get_project(actor, project_id)
    require_role(actor, *STAFF)
    clean = _payment_fields(actor, data, None)
    payment = Payment(project_id=project.id, jurisdiction_id=project.jurisdiction_id, created_by=actor.id,
                      warning="none", **clean)
    _apply_payment_due(payment, settings())
    db.session.add(payment)
    db.session.flush()
    audit.record(actor.id, "payment_create", payment, project_id=project.id)
    return payment


def get_payment(user: User, payment_id: int) -> Payment:
    return get_visible(user, Payment, payment_id, "付款记录")


def update_payment(actor: User, payment_id: int, data: dict) -> Payment:
    payment = get_payment(actor, payment_id)
    require_role(actor, *STAFF)
    check_version(payment, data.get("version"))
    clean = _payment_fields(actor, data, payment)
    for key, value in clean.items():
        setattr(payment, key, value)
    _apply_payment_due(payment, settings())
    bump(payment)
    audit.record(actor.id, "payment_update", payment, **{k: v for k, v in data.items() if k != "version"})
    return payment


def payment_view(payment: Payment, today: date, warn_days: int) -> dict:
    return {
        "id": payment.id, "project_id": payment.project_id, "contract_name": payment.contract_name,
        "contract_no": payment.contract_no, "payer": payment.payer, "payer_kind": payment.payer_kind,
        "amount": fen_to_yuan(payment.amount_fen), "delivered_on": payment.delivered_on.isoformat(),
        "contract_due_on": payment.contract_due_on.isoformat() if payment.contract_due_on else None,
        "due_on": payment.due_on.isoformat(), "due_rule": payment.due_rule,
        "paid_on": payment.paid_on.isoformat() if payment.paid_on else None,
        "colour": rules.payment_colour(payment.due_on, payment.paid_on, today, warn_days),
        "days_overdue": rules.days_overdue(payment.due_on, payment.paid_on, today),
        "lead_case_id": payment.lead_case_id, "note": payment.note, "version": payment.version,
    }
