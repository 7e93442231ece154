"""The inspector's board and a project's whole timeline; the demo records in every colour."""

from jiandu.extensions import db
from jiandu.projects import service
from jiandu.projects.bodies import ApprovalItemIn, MilestoneIn, PaymentIn
from tests.projects.conftest import user


def test_board_counts_overdue_and_open_work(as_user, make_project):
    project = make_project()
    calm = make_project()
    admin = user("admin")
    dept = service.departments_of(project.id)[0]
    service.create_approval(admin, project.id, ApprovalItemIn().load({"name": "施工许可", "department_id": dept.id,
                                                "submitted_on": "2025-01-24", "statutory_days": 7, "promised_days": 5}))
    service.create_approval(admin, project.id, ApprovalItemIn().load({"name": "规划许可", "department_id": dept.id,
                                                "submitted_on": "2025-01-24", "statutory_days": 7, "promised_days": 5,
                                                "done_on": "2025-02-05"}))
    service.create_payment(admin, project.id, PaymentIn().load({"contract_name": "工程款", "payer": "住建局",
                                                                "amount": "300.10", "delivered_on": "2025-01-10"}))
    db.session.commit()
    body = as_user("inspector").get("/api/v1/projects/board?problems=1&per_page=200").get_json()
    row = next(p for p in body["items"] if p["id"] == project.id)
    assert (row["overdue_approvals"], row["overdue_payments"], row["overdue_amount"]) == (1, 1, "300.10")
    assert calm.id not in {p["id"] for p in body["items"]}
    everything = as_user("inspector").get("/api/v1/projects/board?per_page=200").get_json()
    assert calm.id in {p["id"] for p in everything["items"]}
    found = as_user("inspector").get(f"/api/v1/projects/board?q={project.project_code}").get_json()
    assert [p["id"] for p in found["items"]] == [project.id]


def test_timeline_has_everything_in_order(as_user, make_project):
    project = make_project()
    admin = user("admin")
    dept = service.departments_of(project.id)[0]
    service.create_approval(admin, project.id, ApprovalItemIn().load({"name": "施工许可", "department_id": dept.id,
                                                "submitted_on": "2025-01-24", "statutory_days": 7, "promised_days": 5,
                                                "done_on": "2025-02-07"}))
    service.create_payment(admin, project.id, PaymentIn().load({"contract_name": "工程款", "payer": "住建局",
                                                                "amount": 1, "delivered_on": "2025-01-10",
                                                                "paid_on": "2025-01-30"}))
    service.create_milestone(admin, project.id, MilestoneIn().load({"name": "开工", "planned_on": "2025-03-01"}))
    db.session.commit()
    body = as_user("inspector").get(f"/api/v1/projects/{project.id}/timeline").get_json()
    kinds = [e["kind"] for e in body["stream"]]
    assert kinds == ["approval_submitted", "payment_paid", "approval_done", "payment_due", "milestone"]
    assert [e["on"] for e in body["stream"]] == sorted(e["on"] for e in body["stream"])
    assert body["approvals"][0]["colour"] == "green" and body["payments"][0]["colour"] == "green"
    assert body["can_edit"] is True and body["project"]["point"]["code"]


def test_demo_records_come_in_every_colour(app):
    """The demo city (seeded once for the session) shows live timelines in every colour."""
    from jiandu.projects.models import ApprovalItem, Blocker, Payment
    from jiandu.projects.rules import colour_on, local_today, payment_colour

    count = lambda model: db.session.scalar(db.select(db.func.count()).select_from(model))  # noqa: E731
    assert count(ApprovalItem) >= 20 and count(Payment) >= 10 and count(Blocker) == 2
    today = local_today()
    colours = {colour_on(a.yellow_on, a.due_on, a.done_on, today) + ("_done" if a.done_on else "")
               for a in db.session.scalars(db.select(ApprovalItem))}
    assert {"green", "yellow", "red", "green_done", "red_done"} <= colours
    pay = {payment_colour(p.due_on, p.paid_on, today) for p in db.session.scalars(db.select(Payment))}
    assert {"green", "yellow", "red"} <= pay
