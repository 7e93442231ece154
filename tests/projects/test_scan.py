"""The timeout scan: yellow and red once per item and level, a lead when overdue, outbox events."""
from datetime import date, datetime, timezone

from sqlalchemy import func, select

from jiandu.cases.models import Case, CaseEvent
from jiandu.cases.service import derive_state
from jiandu.extensions import db
from jiandu.notify.models import OutboxEvent
from jiandu.projects import jobs, service
from jiandu.projects.bodies import ApprovalItemIn, PaymentIn
from jiandu.projects.models import ApprovalItem, Payment, ProjectWarning
from jiandu.timeutil import LOCAL
from jiandu.workdays import set_adjustment
from tests.projects.conftest import user


def utc(y, m, d, hh=10):
    return datetime(y, m, d, hh, tzinfo=LOCAL).astimezone(timezone.utc).replace(tzinfo=None)


def approval(project, **kw):
    body = {"name": "建筑工程施工许可证", "department_id": service.departments_of(project.id)[0].id,
            "submitted_on": "2025-01-24", "statutory_days": 7, "promised_days": 5, **kw}
    item = service.create_approval(user("admin"), project.id, ApprovalItemIn().load(body))
    db.session.commit()
    return item


def warnings_of(kind, item_id):
    return sorted(db.session.scalars(select(ProjectWarning.level).where(
        ProjectWarning.item_kind == kind, ProjectWarning.item_id == item_id)))


def outbox(kind, item_id):
    return [e for e in db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == kind))
            if e.payload.get("item_id") == item_id]


def test_yellow_then_red_once_each_with_one_lead(make_project):
    project = make_project()
    item = approval(project)
    assert (item.yellow_on, item.due_on) == (date(2025, 2, 6), date(2025, 2, 7))
    jobs.scan_timeouts(now=utc(2025, 2, 5))
    assert warnings_of("approval", item.id) == []
    jobs.scan_timeouts(now=utc(2025, 2, 6))
    jobs.scan_timeouts(now=utc(2025, 2, 7))  # still yellow: nothing new
    assert warnings_of("approval", item.id) == ["yellow"]
    assert len(outbox("project.approval.yellow", item.id)) == 1
    result = jobs.scan_timeouts(now=utc(2025, 2, 8))  # the make-up Saturday: one working day past
    assert result["approval_red"] >= 1
    jobs.scan_timeouts(now=utc(2025, 2, 9))
    db.session.commit()
    assert warnings_of("approval", item.id) == ["red", "yellow"]
    assert len(outbox("project.approval.red", item.id)) == 1
    item = db.session.get(ApprovalItem, item.id)
    lead = db.session.get(Case, item.lead_case_id)
    assert (lead.case_type, lead.channel, lead.state, lead.category) == ("lead", "project_app", "received",
                                                                         "approval_timeout")
    assert lead.point_id == service.point_of(project.id).id and lead.jurisdiction_id == project.jurisdiction_id
    assert lead.project_id is None  # a lead is for inspectors: not listed to the enterprise
    assert lead.number == f"JD{lead.created_at:%Y}{lead.id:07d}"
    assert project.name in lead.summary and "承诺时限" in lead.summary
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == lead.id)).all()
    assert derive_state(events) == "received" and events[0].actor_kind == "system"
    assert db.session.scalar(select(func.count()).select_from(Case).where(
        Case.summary.contains(project.name), Case.case_type == "lead")) == 1


def test_an_item_found_overdue_at_once_is_red_only(make_project):
    project = make_project()
    item = approval(project)
    jobs.scan_timeouts(now=utc(2025, 3, 3))
    assert warnings_of("approval", item.id) == ["red"]


def test_done_items_raise_nothing(make_project):
    project = make_project()
    item = approval(project, done_on="2025-02-07")
    late = approval(project, name="消防设计审查", done_on="2025-02-10")
    jobs.scan_timeouts(now=utc(2025, 3, 3))
    assert warnings_of("approval", item.id) == [] and warnings_of("approval", late.id) == []


def test_payment_yellow_before_due_then_red_with_a_lead(make_project):
    project = make_project()
    payment = service.create_payment(user("admin"), project.id, PaymentIn().load({
        "contract_name": "配套道路工程", "payer": "九原区住建局", "payer_kind": "government",
        "amount": "1250000.50", "delivered_on": "2025-01-10"}))
    db.session.commit()
    assert payment.due_on == date(2025, 2, 9) and payment.amount_fen == 125000050
    jobs.scan_timeouts(now=utc(2025, 2, 3))
    assert warnings_of("payment", payment.id) == []
    jobs.scan_timeouts(now=utc(2025, 2, 4))
    assert warnings_of("payment", payment.id) == ["yellow"]
    jobs.scan_timeouts(now=utc(2025, 2, 10))
    jobs.scan_timeouts(now=utc(2025, 2, 11))
    assert warnings_of("payment", payment.id) == ["red", "yellow"]
    payment = db.session.get(Payment, payment.id)
    lead = db.session.get(Case, payment.lead_case_id)
    assert lead.category == "payment_overdue" and lead.case_type == "lead"
    assert len(outbox("project.payment.red", payment.id)) == 1


def test_paid_payments_raise_nothing(make_project):
    project = make_project()
    payment = service.create_payment(user("admin"), project.id, PaymentIn().load({
        "contract_name": "设备款", "payer": "九原区住建局", "amount": 100, "delivered_on": "2025-01-10",
        "paid_on": "2025-01-20"}))
    db.session.commit()
    jobs.scan_timeouts(now=utc(2025, 3, 1))
    assert warnings_of("payment", payment.id) == []


def test_provisional_days_are_worked_out_again_when_the_calendar_is_known(make_project):
    project = make_project()
    item = approval(project, submitted_on="2025-01-24")
    # Pretend the item was computed on an unknown calendar: the scan works it out again.
    item.provisional, item.due_on, item.yellow_on = True, date(2025, 1, 31), date(2025, 1, 30)
    db.session.commit()
    result = jobs.scan_timeouts(now=utc(2025, 2, 5))
    item = db.session.get(ApprovalItem, item.id)
    assert result["refreshed"] >= 1
    assert (item.due_on, item.provisional) == (date(2025, 2, 7), False)
    assert warnings_of("approval", item.id) == []  # not red: the holiday did not count


def test_admin_adjusted_day_moves_a_deadline(make_project):
    project = make_project()
    item = approval(project, submitted_on="2025-03-03")  # due Mon 10 Mar
    set_adjustment(date(2025, 3, 7), False, "test: a local holiday")
    db.session.commit()
    item.provisional = True  # the scan recomputes provisional items
    db.session.commit()
    jobs.scan_timeouts(now=utc(2025, 3, 10))
    item = db.session.get(ApprovalItem, item.id)
    assert item.due_on == date(2025, 3, 11)


def test_the_job_commits_and_reports(app, make_project):
    project = make_project()
    approval(project)
    result = jobs.scan_timeouts_job()
    assert "approval_red" in result or "skipped" in result
