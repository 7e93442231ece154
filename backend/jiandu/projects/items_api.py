"""Routes of a project's approval items, payments and milestones."""
from __future__ import annotations

from jiandu.extensions import db
from jiandu.org.auth import current_user, login_required
from jiandu.projects import bodies, rules, service
from jiandu.projects import schemas as sch
from jiandu.projects.web import before_body, blp, staff_change_of, views_today


def _approval_answer(item) -> dict:
    """An approval item as answered: its colour and due days today."""
    today, calendar, s = views_today()
    return service.approval_view(item, today, calendar, s["approval_yellow_percent"])


def _payment_answer(payment) -> dict:
    """A payment as answered: its due day and warning today."""
    return service.payment_view(payment, rules.local_today(), service.settings()["payment_warn_days"])


@blp.route("/projects/<int:project_id>/approvals", methods=["POST"])
@login_required
@before_body(staff_change_of(service.get_project, "project_id"))
@blp.arguments(bodies.ApprovalItemIn)
@blp.alt_response(201, schema=sch.ApprovalItemView, description="the approval item with its dates")
def create_approval(body, project_id):
    """Record an approval item (审批事项) of the project; its yellow and due days follow."""
    item = service.create_approval(current_user(), project_id, body)
    db.session.commit()
    return _approval_answer(item), 201


@blp.route("/projects/approvals/<int:item_id>", methods=["PATCH"])
@login_required
@before_body(staff_change_of(service.get_approval, "item_id"))
@blp.arguments(bodies.ApprovalItemPatchIn)
@blp.alt_response(200, schema=sch.ApprovalItemView, description="the approval item as changed")
def update_approval(body, item_id):
    """Change an approval item (e.g. its done_on), checked against `version`."""
    item = service.update_approval(current_user(), item_id, body)
    db.session.commit()
    return _approval_answer(item)


@blp.route("/projects/approvals/<int:item_id>", methods=["GET"])
@blp.alt_response(200, schema=sch.ApprovalItemView, description="the approval item")
@login_required
def get_approval(item_id):
    """One approval item with its colour today."""
    return _approval_answer(service.get_approval(current_user(), item_id))


@blp.route("/projects/<int:project_id>/payments", methods=["POST"])
@login_required
@before_body(staff_change_of(service.get_project, "project_id"))
@blp.arguments(bodies.PaymentIn)
@blp.alt_response(201, schema=sch.PaymentView, description="the payment with its due day")
def create_payment(body, project_id):
    """Record a payment owed to the project's enterprise; its due day follows from the rules."""
    payment = service.create_payment(current_user(), project_id, body)
    db.session.commit()
    return _payment_answer(payment), 201


@blp.route("/projects/payments/<int:payment_id>", methods=["PATCH"])
@login_required
@before_body(staff_change_of(service.get_payment, "payment_id"))
@blp.arguments(bodies.PaymentPatchIn)
@blp.alt_response(200, schema=sch.PaymentView, description="the payment as changed")
def update_payment(body, payment_id):
    """Change a payment (e.g. its paid_on), checked against `version`."""
    payment = service.update_payment(current_user(), payment_id, body)
    db.session.commit()
    return _payment_answer(payment)


@blp.route("/projects/payments/<int:payment_id>", methods=["GET"])
@blp.alt_response(200, schema=sch.PaymentView, description="the payment")
@login_required
def get_payment(payment_id):
    """One payment with its colour today."""
    return _payment_answer(service.get_payment(current_user(), payment_id))


@blp.route("/projects/<int:project_id>/milestones", methods=["POST"])
@login_required
@before_body(staff_change_of(service.get_project, "project_id"))
@blp.arguments(bodies.MilestoneIn)
@blp.alt_response(201, schema=sch.MilestoneView, description="the milestone")
def create_milestone(body, project_id):
    """Record a milestone (节点) of the project."""
    milestone = service.create_milestone(current_user(), project_id, body)
    db.session.commit()
    return service.milestone_view(milestone, rules.local_today()), 201


@blp.route("/projects/milestones/<int:milestone_id>", methods=["PATCH"])
@login_required
@before_body(staff_change_of(service.get_milestone, "milestone_id"))
@blp.arguments(bodies.MilestonePatchIn)
@blp.alt_response(200, schema=sch.MilestoneView, description="the milestone as changed")
def update_milestone(body, milestone_id):
    """Change a milestone (e.g. its done_on), checked against `version`."""
    milestone = service.update_milestone(current_user(), milestone_id, body)
    db.session.commit()
    return service.milestone_view(milestone, rules.local_today())
