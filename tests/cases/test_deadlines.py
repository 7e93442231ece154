"""Deadline rules per jurisdiction, the warning scan (yellow, red, 催办, 督办) and recommendations."""
from datetime import timedelta

from sqlalchemy import func, select

from jiandu.cases import jobs, service
from jiandu.cases.models import Case, CaseWarning, Recommendation
from jiandu.cases.service import derive_state, reporter_return_visit
from jiandu.extensions import db
from jiandu.notify import jobs as notify_jobs
from jiandu.notify.models import Notification, OutboxEvent
from jiandu.org.models import User
from jiandu.timeutil import utcnow

from .conftest import city_id
from .test_lifecycle_api import move, register_and_assign


def test_default_rules_and_admin_override(as_user, users):
    admin = as_user("admin")
    rules = {r["kind"]: r for r in admin.get("/api/v1/deadline-rules").get_json()["items"]}
    assert (rules["sign_for"]["amount"], rules["sign_for"]["unit"]) == (1, "workday")
    assert rules["service_request"]["amount"] == 5 and rules["work_style"]["amount"] == 15
    assert rules["bad_rating"]["amount"] == 15 and rules["return_visit"]["amount"] == 3
    assert (rules["recommendation_reply"]["amount"], rules["recommendation_reply"]["unit"]) == (30, "day")
    kdl = users["county-inspector"].jurisdiction_id
    response = admin.put("/api/v1/deadline-rules", json={"jurisdiction_id": kdl, "kind": "service_request",
                                                         "amount": 3, "unit": "workday", "basis": "receipt"})
    assert response.status_code == 200, response.get_json()
    assert service.rule_for("service_request", kdl).amount == 3
    assert service.rule_for("service_request", city_id()).amount == 5  # the city keeps the default
    bad = admin.put("/api/v1/deadline-rules", json={"kind": "service_request", "amount": 0, "unit": "week",
                                                    "basis": "x"})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"amount", "unit", "basis"}
    assert as_user("inspector").put("/api/v1/deadline-rules", json={"kind": "sign_for", "amount": 2, "unit": "workday",
                                                                    "basis": "assignment"}).status_code == 403
    assert as_user("kdl-admin").put("/api/v1/deadline-rules", json={"jurisdiction_id": city_id(), "kind": "sign_for",
                                                                    "amount": 2, "unit": "workday",
                                                                    "basis": "assignment"}).status_code == 404


def test_calendar_adjustments_by_admin(as_user):
    admin = as_user("admin")
    response = admin.put("/api/v1/calendar/adjustments", json={"items": [
        {"day": "2027-02-06", "is_workday": True, "note": "春节调休"},
        {"day": "2027-02-08", "is_workday": False, "note": "春节"}]})
    assert response.status_code == 200
    assert {i["day"] for i in response.get_json()["items"]} >= {"2027-02-06", "2027-02-08"}
    assert as_user("inspector").put("/api/v1/calendar/adjustments", json={"items": []}).status_code == 403


def _assigned(as_user, make_case, market):
    case = make_case()
    register_and_assign(as_user("inspector"), case.id, market.id)
    return db.session.get(Case, case.id)


def test_scan_raises_each_warning_once(no_demo_cases, as_user, make_case, market):
    case = _assigned(as_user, make_case, market)
    assert case.deadline_kind == "sign_for"
    warn_at, due_at = case.warn_at, case.due_at
    # Before two thirds: nothing.
    assert jobs.scan_deadlines(now=warn_at - timedelta(minutes=1))["yellow"] == 0
    # Yellow, once.
    assert jobs.scan_deadlines(now=warn_at + timedelta(minutes=1))["yellow"] == 1
    assert jobs.scan_deadlines(now=warn_at + timedelta(minutes=2))["yellow"] == 0
    assert db.session.get(Case, case.id).warning == "yellow"
    # Red when overdue, once.
    first_red = jobs.scan_deadlines(now=due_at + timedelta(minutes=1))
    assert first_red["red"] == 1 and first_red["reminder"] == 0
    assert jobs.scan_deadlines(now=due_at + timedelta(minutes=2))["red"] == 0
    # 催办 the day after the deadline (a system event, state unchanged), once.
    later = due_at + timedelta(days=1, hours=1)
    assert jobs.scan_deadlines(now=later)["reminder"] == 1
    assert jobs.scan_deadlines(now=later)["reminder"] == 0
    # 督办 after N working days overdue.
    result = jobs.scan_deadlines(now=due_at + timedelta(days=9))
    assert result["escalation"] == 1
    assert jobs.scan_deadlines(now=due_at + timedelta(days=10))["escalation"] == 0
    db.session.commit()
    case = db.session.get(Case, case.id)
    assert case.warning == "red" and case.escalation_level == 1 and case.state == "assigned"
    assert [e.action for e in case.events][-2:] == ["urge", "escalate"]
    assert derive_state(case.events) == "assigned"
    levels = db.session.scalars(select(CaseWarning.level).where(CaseWarning.case_id == case.id)).all()
    assert sorted(levels) == ["escalation", "red", "reminder", "yellow"]
    of_the_case = OutboxEvent.payload["case_id"].as_integer() == case.id
    kinds = db.session.scalars(select(OutboxEvent.kind).where(of_the_case)).all()
    warning_kinds = {"case.escalation", "case.red", "case.reminder", "case.yellow"}
    assert sorted(k for k in kinds if k in warning_kinds) == sorted(warning_kinds)
    assert len([k for k in kinds if k in warning_kinds]) == 4  # each once
    # The handler can still act: system moves do not make their version stale.
    handler = as_user("handler")
    assert move(handler, case.id, "sign")["state"] == "signed"
    # A new deadline (handling) starts with no warning; its own yellow is raised again.
    case = db.session.get(Case, case.id)
    assert case.warning == "none" and case.deadline_kind == "service_request"


def test_scan_job_commits_and_is_idempotent(app, as_user, make_case, market):
    case = _assigned(as_user, make_case, market)
    db.session.get(Case, case.id).warn_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    first = jobs.scan_deadlines_job()
    assert first["yellow"] == 1
    second = jobs.scan_deadlines_job()
    assert second.get("yellow", 0) == 0
    assert db.session.scalar(select(func.count()).select_from(CaseWarning).where(CaseWarning.case_id == case.id)) == 1


def test_recommendation_reply_and_recheck(as_user, make_case, market, users):
    inspector, handler = as_user("inspector"), as_user("handler")
    closed = []
    for n in range(2):
        case = make_case(f"同类问题{n}")
        register_and_assign(inspector, case.id, market.id)
        move(handler, case.id, "sign")
        move(handler, case.id, "answer", result="已处理")
        move(inspector, case.id, "verify")
        reporter_return_visit(db.session.get(Case, case.id), True, 5)
        db.session.commit()
        closed.append(case.id)
    open_case = make_case("未办结")
    bad = inspector.post("/api/v1/recommendations", json={"unit_id": market.id, "title": "规范窗口一次性告知",
                                                          "systemic_cause": "告知清单缺失", "content": "建议…",
                                                          "case_ids": closed + [open_case.id]})
    assert bad.status_code == 422
    assert handler.post("/api/v1/recommendations", json={}).status_code == 403
    response = inspector.post("/api/v1/recommendations", json={
        "unit_id": market.id, "title": "规范窗口一次性告知", "systemic_cause": "告知清单缺失",
        "content": "建议制定并公开一次性告知清单", "case_ids": closed})
    assert response.status_code == 201, response.get_json()
    rec = response.get_json()
    assert rec["state"] == "issued" and rec["reply_due_at"] and len(rec["cases"]) == 2
    assert rec["id"] in [r["id"] for r in handler.get("/api/v1/recommendations").get_json()["items"]]
    assert as_user("tax-handler").get(f"/api/v1/recommendations/{rec['id']}").status_code == 404
    replied = handler.post(f"/api/v1/recommendations/{rec['id']}/reply",
                           json={"version": rec["version"], "reply": "已制定告知清单并上墙公示"})
    assert replied.status_code == 200 and replied.get_json()["state"] == "replied"
    assert handler.post(f"/api/v1/recommendations/{rec['id']}/recheck",
                        json={"version": replied.get_json()["version"], "result": "x",
                              "passed": True}).status_code == 403
    checked = inspector.post(f"/api/v1/recommendations/{rec['id']}/recheck",
                             json={"version": replied.get_json()["version"], "result": "抽查 5 个窗口均已公示",
                                   "passed": True})
    assert checked.status_code == 200 and checked.get_json()["state"] == "rechecked"


def test_overdue_recommendation_notifies_once(as_user, make_case, market):
    rec = Recommendation(jurisdiction_id=market.jurisdiction_id, unit_id=market.id, title="t", systemic_cause="c",
                         content="x", reply_due_at=utcnow() - timedelta(days=1))
    db.session.add(rec)
    db.session.commit()
    assert jobs.scan_deadlines()["recommendation_overdue"] == 1
    assert jobs.scan_deadlines()["recommendation_overdue"] == 0


def _parked(as_user, make_case, market, review_days=10):
    case = _assigned(as_user, make_case, market)
    move(as_user("handler"), case.id, "sign")
    move(as_user("inspector"), case.id, "park", reason="需市政府协调", review_days=review_days)
    return db.session.get(Case, case.id)


def _park_review_events(case_id):
    return [e for e in db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "case.park_review")
                                          .order_by(OutboxEvent.id))
            if e.payload.get("case_id") == case_id]


def test_parked_case_is_reminded_once_per_review_date(no_demo_cases, as_user, make_case, market):
    case = _parked(as_user, make_case, market)
    review_at = case.parked_review_at
    assert case.due_at is None and review_at is not None
    # Before the review date: nothing.
    assert jobs.scan_deadlines(now=review_at - timedelta(minutes=1))["park_review"] == 0
    # When it has passed: once, with a warning row and an outbox event.
    result = jobs.scan_deadlines(now=review_at + timedelta(minutes=1))
    assert result["park_review"] == 1
    assert result["red"] == result["reminder"] == result["escalation"] == 0  # no deadline while parked
    assert jobs.scan_deadlines(now=review_at + timedelta(days=3))["park_review"] == 0
    db.session.commit()
    warnings = db.session.scalars(select(CaseWarning).where(CaseWarning.case_id == case.id,
                                                            CaseWarning.level == "park_review")).all()
    assert len(warnings) == 1 and warnings[0].due_at == review_at
    [event] = _park_review_events(case.id)
    assert event.payload["number"] == case.number and event.payload["department_id"] == market.id
    # 挂账复查 sets a new review date: reminded again when that one passes, once.
    move(as_user("inspector"), case.id, "review_parked", note="仍在协调", review_days=20)
    new_review = db.session.get(Case, case.id).parked_review_at
    assert new_review > review_at
    assert jobs.scan_deadlines(now=new_review - timedelta(minutes=1))["park_review"] == 0
    assert jobs.scan_deadlines(now=new_review + timedelta(minutes=1))["park_review"] == 1
    assert jobs.scan_deadlines(now=new_review + timedelta(minutes=2))["park_review"] == 0
    db.session.commit()
    assert len(_park_review_events(case.id)) == 2
    # Unparked: no more reminders.
    move(as_user("inspector"), case.id, "unpark")
    assert jobs.scan_deadlines(now=new_review + timedelta(days=30))["park_review"] == 0


def test_park_review_is_told_to_the_inspectors_in_scope(no_demo_cases, as_user, make_case, market):
    case = _parked(as_user, make_case, market)
    jobs.scan_deadlines(now=case.parked_review_at + timedelta(hours=1))
    db.session.commit()
    [event] = _park_review_events(case.id)
    notify_jobs.process_events([event.id])
    db.session.commit()
    notes = db.session.scalars(select(Notification).where(Notification.event_id == event.id)).all()
    names = set(db.session.scalars(select(User.username).where(User.id.in_([n.user_id for n in notes]))))
    assert "inspector" in names
    assert not names & {"handler", "tax-handler", "kdl-handler", "county-inspector", "enterprise"}
    assert all(n.title == "挂账案件待复查" and n.topic == "case_deadline" and case.number in n.body for n in notes)


def test_park_review_after_unpark_tells_no_one(no_demo_cases, as_user, make_case, market):
    case = _parked(as_user, make_case, market)
    jobs.scan_deadlines(now=case.parked_review_at + timedelta(hours=1))
    db.session.commit()
    move(as_user("inspector"), case.id, "unpark")
    [event] = _park_review_events(case.id)
    notify_jobs.process_events([event.id])
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.event_id == event.id)) == 0
