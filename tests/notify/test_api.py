"""Notify's API and rules, in the rolled-back transaction of each test (no worker needed here):
the public key, devices (refused when bad), choices, the in-app centre, who is told of what, the
citizen's one-case subscription, and poisoned events parked for admins."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.notify import jobs
from jiandu.notify.models import Delivery, Notification, OutboxEvent, PushSubscription
from jiandu.notify.service import emit
from jiandu.timeutil import utcnow
from tests.notify.helpers import citizen_report, move, new_case, register_and_assign, subscribe, user, window_of


def process(ids, now=None) -> list[int]:
    """The fan-out job's work, committed (as the job commits)."""
    found = jobs.process_events(ids, now=now)
    db.session.commit()
    return found


def events_of(case_id: int, kind: str | None = None) -> list[OutboxEvent]:
    rows = db.session.scalars(select(OutboxEvent).where(OutboxEvent.payload["case_id"].as_integer() == case_id)
                              .order_by(OutboxEvent.id)).all()
    return [e for e in rows if kind is None or e.kind == kind]


def notified(event: OutboxEvent) -> dict[str, Notification]:
    made = db.session.scalars(select(Notification).where(Notification.event_id == event.id))
    return {n.recipient_key: n for n in made}


def usernames(notes) -> set[str]:
    from jiandu.org.models import User

    ids = [n.user_id for n in notes.values() if n.user_id]
    return set(db.session.scalars(select(User.username).where(User.id.in_(ids))))


# --- the key and devices ---------------------------------------------------------------------------------

def test_public_key_is_served_and_says_when_push_is_off(client, app, push_on, monkeypatch):
    body = client.get("/api/v1/push/public-key").get_json()
    assert body == {"public_key": push_on["public"], "enabled": True}
    monkeypatch.setitem(app.config, "VAPID_PUBLIC_KEY", None)
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", None)
    assert client.get("/api/v1/push/public-key").get_json() == {"public_key": None, "enabled": False}


def test_public_key_is_derived_from_the_private_key(client, app, push_on, monkeypatch):
    monkeypatch.setitem(app.config, "VAPID_PUBLIC_KEY", None)
    assert client.get("/api/v1/push/public-key").get_json()["public_key"] == push_on["public"]


def test_a_device_is_subscribed_listed_refreshed_moved_and_removed(as_user, push_on, push_service):
    handler, tax = as_user("handler"), as_user("tax-handler")
    device = push_service.new_device()
    response = subscribe(handler, device, push_service.url, label="我的手机")
    assert response.status_code == 201, response.get_json()
    first = response.get_json()
    assert first["status"] == "active" and first["label"] == "我的手机" and first["push_service"] == push_service.url
    assert "endpoint" not in first  # a capability URL: kept, never shown back
    # Subscribing again (the app does at every start) refreshes the same row.
    again = subscribe(handler, device, push_service.url).get_json()
    assert again["id"] == first["id"]
    assert [d["id"] for d in handler.get("/api/v1/push/subscriptions").get_json()["items"]] == [first["id"]]
    # Another user signing in on the same browser takes the device over.
    moved = subscribe(tax, device, push_service.url).get_json()
    assert moved["id"] == first["id"]
    assert handler.get("/api/v1/push/subscriptions").get_json()["items"] == []
    # Only its owner removes it.
    assert handler.delete(f"/api/v1/push/subscriptions/{first['id']}").status_code == 404
    assert tax.delete(f"/api/v1/push/subscriptions/{first['id']}").status_code == 204
    assert tax.get("/api/v1/push/subscriptions").get_json()["items"] == []
    assert db.session.get(PushSubscription, first["id"]).status == "removed"


def test_a_device_label_is_made_from_the_browser(as_user, push_on, push_service):
    body = subscribe(as_user("handler"), push_service.new_device(), push_service.url).get_json()
    assert body["label"] == "Android · Chrome"


def _sub(push_service, **change):
    body = push_service.new_device().subscription(push_service.url)
    keys = {**body["keys"], **change.pop("keys", {})}
    return {**body, "keys": keys, **change}


@pytest.mark.parametrize("change, field", [
    ({"endpoint": "http://push.example.com/x"}, "endpoint"),            # not https
    ({"endpoint": "ftp://push.example.com/x"}, "endpoint"),
    ({"endpoint": "https://10.1.2.3/push/x"}, "endpoint"),              # a private address
    ({"endpoint": "https://localhost/push/x"}, "endpoint"),
    ({"endpoint": "https://user:pw@push.example.com/x"}, "endpoint"),
    ({"endpoint": "https://push.example.com/" + "x" * 1100}, "endpoint"),
    ({"endpoint": ""}, "endpoint"),
    ({"keys": {"p256dh": "BAAAA"}}, "keys.p256dh"),                    # too short
    ({"keys": {"p256dh": "B" + "A" * 86}}, "keys.p256dh"),             # 65 bytes, not on the curve
    ({"keys": {"auth": "AAAA"}}, "keys.auth"),                         # 3 bytes, not 16
    ({"keys": {"auth": None}}, "keys.auth"),
])
def test_a_bad_subscription_is_refused_at_subscribe_time(as_user, push_on, push_service, change, field):
    handler = as_user("handler")
    response = handler.post("/api/v1/push/subscriptions", json=_sub(push_service, **change))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0


def test_a_local_endpoint_is_refused_unless_its_host_is_trusted(as_user, app, push_on, push_service, monkeypatch):
    monkeypatch.setitem(app.config, "PUSH_TRUSTED_HOSTS", "")
    response = as_user("handler").post("/api/v1/push/subscriptions", json=_sub(push_service))
    assert response.status_code == 422 and "endpoint" in response.get_json()["error"]["fields"]


def test_a_public_https_endpoint_is_accepted(as_user, push_on, push_service):
    body = _sub(push_service, endpoint="https://fcm.googleapis.com/fcm/send/abc:def")
    assert as_user("handler").post("/api/v1/push/subscriptions", json=body).status_code == 201


def test_subscribing_needs_a_session_and_push_configured(client, as_user, app, push_service, monkeypatch):
    assert client.post("/api/v1/push/subscriptions", json=_sub(push_service)).status_code == 401
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", None)
    response = as_user("handler").post("/api/v1/push/subscriptions", json=_sub(push_service))
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "push_disabled"


# --- choices --------------------------------------------------------------------------------------------------

def test_preferences_default_on_and_can_be_turned_off(as_user):
    handler = as_user("handler")
    items = handler.get("/api/v1/notifications/preferences").get_json()["items"]
    assert {i["topic"] for i in items} >= {"case_assigned", "case_deadline"} and all(i["push"] for i in items)
    assert all(i["label"] for i in items)
    response = handler.put("/api/v1/notifications/preferences", json={"case_deadline": False})
    assert response.status_code == 200
    got = {i["topic"]: i["push"] for i in handler.get("/api/v1/notifications/preferences").get_json()["items"]}
    assert got["case_deadline"] is False and got["case_assigned"] is True
    assert handler.put("/api/v1/notifications/preferences", json={"nonsense": True}).status_code == 422
    assert handler.put("/api/v1/notifications/preferences", json={"case_assigned": "no"}).status_code == 422


# --- events from case moves, in the move's own transaction --------------------------------------------------

def test_a_move_writes_its_event_and_a_refused_move_writes_none(as_user):
    case = new_case()
    inspector, handler = as_user("inspector"), as_user("handler")
    register_and_assign(inspector, case.id, user("handler").unit_id)
    assigned = events_of(case.id, "case.assigned")
    assert len(assigned) == 1
    payload = assigned[0].payload
    assert payload["department_id"] == user("handler").unit_id and payload["number"] == case.number
    assert payload["actor_id"] == user("inspector").id and payload["due_at"]
    assert assigned[0].status == "pending"
    before = len(events_of(case.id))
    # A stale version is refused: nothing changes, no event either.
    response = handler.post(f"/api/v1/cases/{case.id}/actions/sign", json={"version": 1})
    assert response.status_code == 409
    assert len(events_of(case.id)) == before


def test_who_hears_of_an_assignment_an_answer_and_a_return(as_user):
    case = new_case()
    inspector, handler = as_user("inspector"), as_user("handler")
    register_and_assign(inspector, case.id, user("handler").unit_id)
    move(handler, case.id, "sign")
    move(handler, case.id, "answer", result="已当场办结")
    ids = [e.id for e in events_of(case.id)]
    process(ids)
    assigned = notified(events_of(case.id, "case.assigned")[0])
    assert usernames(assigned) == {"handler"}  # the department's handlers, not the tax office's
    note = next(iter(assigned.values()))
    assert note.title == "新转办案件" and case.number in note.body and "签收" in note.body
    assert note.url == f"/#/cases/{case.id}" and note.tag == f"case-{case.id}" and note.topic == "case_assigned"
    answered = notified(events_of(case.id, "case.answered")[0])
    names = usernames(answered)
    # Inspectors whose scope holds the case: the city's; not the handler who answered, not another county's.
    assert "inspector" in names and "handler" not in names and "county-inspector" not in names
    assert all(n.title == "承办单位已反馈" for n in answered.values())
    assert {e.status for e in events_of(case.id)} == {"done"}

    other = new_case("窗口乱收费")
    register_and_assign(inspector, other.id, user("handler").unit_id)
    move(handler, other.id, "return", reason="不属于本部门职责")
    event = events_of(other.id, "case.returned")[0]
    process([event.id])
    returned = notified(event)
    assert "inspector" in usernames(returned) and "handler" not in usernames(returned)
    assert "不属于本部门职责" in next(iter(returned.values())).body


def test_each_recipient_is_told_in_their_own_language(as_user):
    case = new_case()
    inspector = as_user("inspector")
    user("handler").locale = "en"  # the handler reads English; the inspector keeps Chinese
    db.session.commit()
    register_and_assign(inspector, case.id, user("handler").unit_id)
    process([e.id for e in events_of(case.id)])  # told while the case is the department's
    move(as_user("handler"), case.id, "return", reason="不属于本部门职责")
    process([e.id for e in events_of(case.id)])
    assigned = next(iter(notified(events_of(case.id, "case.assigned")[0]).values()))
    assert assigned.title == "New case assigned" and assigned.body.startswith(f"{case.number}: ")
    assert "Please acknowledge it by " in assigned.body
    told = notified(events_of(case.id, "case.returned")[0])[f"u:{user('inspector').id}"]
    assert told.title == "案件被退回" and "不属于本部门职责" in told.body


def test_deadline_warnings_go_to_handlers_and_inspectors_in_scope(as_user):
    from jiandu.cases import jobs as case_jobs
    from jiandu.cases.models import Case

    case = new_case()
    register_and_assign(as_user("inspector"), case.id, user("handler").unit_id)
    due_at = db.session.get(Case, case.id).due_at
    case_jobs.scan_deadlines(now=due_at + timedelta(minutes=5))
    red = events_of(case.id, "case.red")
    assert len(red) == 1
    process([red[0].id])
    notes = notified(red[0])
    names = usernames(notes)
    assert {"handler", "inspector"} <= names and "tax-handler" not in names and "county-inspector" not in names
    assert all(n.title == "案件已超期" and n.topic == "case_deadline" for n in notes.values())


def test_a_case_returned_before_its_news_went_out_is_not_told_to_the_department(as_user):
    case = new_case()
    register_and_assign(as_user("inspector"), case.id, user("handler").unit_id)
    move(as_user("handler"), case.id, "return", reason="不属于本部门职责")
    process([e.id for e in events_of(case.id)])
    assert "handler" not in usernames(notified(events_of(case.id, "case.assigned")[0]))


def test_a_restricted_case_is_told_to_nobody_below_the_top_level(as_user):
    from jiandu.cases.models import Case

    case = new_case()
    register_and_assign(as_user("inspector"), case.id, user("handler").unit_id)
    db.session.get(Case, case.id).restricted = True
    db.session.commit()
    event = emit("case.red", {"case_id": case.id, "number": case.number, "department_id": user("handler").unit_id})
    db.session.commit()
    process([event.id])
    assert usernames(notified(event)) == set()  # neither the inspectors nor the department


# --- the in-app centre ------------------------------------------------------------------------------------

def test_the_centre_lists_counts_and_marks_read(as_user):
    handler, tax = as_user("handler"), as_user("tax-handler")
    events = [emit("test", {"user_id": user("handler").id, "title": f"第{i}条"}) for i in range(3)]
    db.session.commit()
    process([e.id for e in events])
    page = handler.get("/api/v1/notifications").get_json()
    assert page["total"] == 3 and page["unread"] == 3
    assert [i["title"] for i in page["items"]] == ["第2条", "第1条", "第0条"]  # newest first
    assert handler.get("/api/v1/notifications/unread-count").get_json() == {"unread": 3}
    first = page["items"][0]["id"]
    assert tax.post(f"/api/v1/notifications/{first}/read").status_code == 404  # not theirs
    body = handler.post(f"/api/v1/notifications/{first}/read").get_json()
    assert body["read"] is True and body["unread"] == 2
    assert handler.get("/api/v1/notifications", query_string={"unread": 1}).get_json()["total"] == 2
    assert handler.post("/api/v1/notifications/read-all").get_json() == {"updated": 2, "unread": 0}
    assert tax.get("/api/v1/notifications").get_json()["total"] == 0
    assert handler.get("/api/v1/notifications").get_json()["unread"] == 0


def test_without_push_configured_the_centre_still_gets_everything(as_user, app, monkeypatch):
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", None)
    event = emit("test", {"user_id": user("handler").id})
    db.session.commit()
    assert process([event.id]) == []
    assert as_user("handler").get("/api/v1/notifications/unread-count").get_json()["unread"] == 1


def test_a_muted_topic_stays_in_the_centre_but_is_not_pushed(as_user, push_on, push_service):
    handler = as_user("handler")
    assert subscribe(handler, push_service.new_device(), push_service.url).status_code == 201
    handler.put("/api/v1/notifications/preferences", json={"case_assigned": False})
    case = new_case()
    register_and_assign(as_user("inspector"), case.id, user("handler").unit_id)
    event = events_of(case.id, "case.assigned")[0]
    assert process([event.id]) == []
    assert handler.get("/api/v1/notifications/unread-count").get_json()["unread"] == 1
    # The test topic is not muted: that one makes a delivery.
    test_event = emit("test", {"user_id": user("handler").id})
    db.session.commit()
    assert len(process([test_event.id])) == 1


def test_signing_out_stops_pushes_to_that_device(as_user, push_on, push_service):
    handler = as_user("handler")
    sub_id = subscribe(handler, push_service.new_device(), push_service.url).get_json()["id"]
    handler.post("/api/v1/auth/logout")
    event = emit("test", {"user_id": user("handler").id})
    db.session.commit()
    assert process([event.id]) == []
    assert db.session.get(PushSubscription, sub_id).status == "removed"


def test_fan_out_twice_makes_one_notification_and_one_delivery_per_device(as_user, push_on, push_service):
    handler = as_user("handler")
    for _ in range(2):
        subscribe(handler, push_service.new_device(), push_service.url)
    event = emit("test", {"user_id": user("handler").id})
    db.session.commit()
    first = process([event.id])
    assert len(first) == 2
    event.status = "pending"  # as if the job ran again before its commit was seen
    db.session.commit()
    process([event.id])
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.event_id == event.id)) == 1
    assert db.session.scalar(select(func.count()).select_from(Delivery)
                             .where(Delivery.notification_id.in_(select(Notification.id)
                                                                 .where(Notification.event_id == event.id)))) == 2


# --- a citizen, for one case -----------------------------------------------------------------------------

def test_a_citizen_subscribes_to_their_case_and_hears_of_public_moves(app, as_user, push_on, push_service):
    http = app.test_client()
    http.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"
    report = citizen_report(http, window_of())
    token = report["tracking_token"]
    device = push_service.new_device()
    assert http.post(f"/api/v1/track/{token}/subscribe", json={"endpoint": "nope"}).status_code == 422
    unknown = http.post("/api/v1/track/AAAA-BBBB-CCCC/subscribe", json=device.subscription(push_service.url))
    assert unknown.status_code == 404
    response = http.post(f"/api/v1/track/{token}/subscribe", json=device.subscription(push_service.url))
    assert response.status_code == 201, response.get_json()
    sub = db.session.get(PushSubscription, response.get_json()["id"])
    assert sub.user_id is None and sub.case_id == report["case_id"]
    assert sub.tracking_enc and token not in sub.tracking_enc
    # An internal move (催办) tells the citizen nothing; a public one (建账) does.
    inspector = as_user("inspector")
    move(inspector, report["case_id"], "register", case_type="work_style", category="服务态度")
    progress = events_of(report["case_id"], "case.progress")
    assert len(progress) == 1 and progress[0].payload["state"] == "registered"
    deliveries = process([progress[0].id])
    note = next(iter(notified(progress[0]).values()))
    assert note.report_id == report["report_id"] and note.user_id is None
    assert note.title == "您反映的问题有新进展" and note.body.startswith("已登记")
    assert len(deliveries) == 1
    english = citizen_report(http, window_of(), lang="en")  # written on the English page: told in English
    assert http.post(f"/api/v1/track/{english['tracking_token']}/subscribe",
                     json=push_service.new_device().subscription(push_service.url)).status_code == 201
    move(inspector, english["case_id"], "register", case_type="work_style", category="服务态度")
    process([e.id for e in events_of(english["case_id"], "case.progress")])
    told = next(iter(notified(events_of(english["case_id"], "case.progress")[0]).values()))
    assert told.title == "There is progress on your report" and told.body.startswith("Registered")
    row = db.session.execute(select(Delivery.id, Notification.id.label("notification_id"), Notification.kind,
                                    Notification.title, Notification.body, Notification.url, Notification.tag,
                                    Notification.created_at, Notification.report_id, PushSubscription.tracking_enc)
                             .join(Notification, Notification.id == Delivery.notification_id)
                             .join(PushSubscription, PushSubscription.id == Delivery.subscription_id)
                             .where(Delivery.id == deliveries[0])).one()
    import json

    assert json.loads(jobs.payload_of(row))["url"] == f"/t/{token}"
    # Unsubscribing from the tracking page ends it.
    endpoint = device.subscription(push_service.url)["endpoint"]
    assert http.post(f"/api/v1/track/{token}/unsubscribe", json={"endpoint": endpoint}).get_json() == {"removed": 1}


# --- poisoned events -------------------------------------------------------------------------------------------

def test_an_unknown_kind_is_parked_at_once_and_shown_to_admins(as_user):
    event = emit("no.such.kind", {"jurisdiction_id": user("admin").jurisdiction_id})
    db.session.commit()
    process([event.id])
    db.session.refresh(event)
    assert event.status == "parked" and "no.such.kind" in event.error and event.attempts == 1
    admin = as_user("admin")
    items = admin.get("/api/v1/notify/parked").get_json()["items"]
    assert [i["id"] for i in items if i["id"] == event.id] == [event.id]
    assert as_user("inspector").get("/api/v1/notify/parked").status_code == 403
    status = admin.get("/api/v1/notify/status").get_json()
    assert status["events"]["parked"] >= 1
    retried = admin.post(f"/api/v1/notify/parked/{event.id}/retry").get_json()
    assert retried["status"] == "pending" and retried["attempts"] == 0


def test_a_failing_event_is_retried_with_backoff_then_parked(app, monkeypatch):
    event = emit("case.answered", {"case_id": "not a number"})
    db.session.commit()
    now = utcnow()
    for attempt in range(1, 6):
        process([event.id], now=now)
        db.session.refresh(event)
        assert event.attempts == attempt
        if attempt < 5:
            assert event.status == "pending" and event.next_attempt_at > now and "ValueError" in event.error
            # Not before its time…
            process([event.id], now=now)
            db.session.refresh(event)
            assert event.attempts == attempt
            now = event.next_attempt_at + timedelta(seconds=1)
    assert event.status == "parked" and event.processed_at is not None
    process([event.id], now=now + timedelta(days=1))
    db.session.refresh(event)
    assert event.attempts == 5  # never retried forever


def test_backoff_grows_and_honours_retry_after(app):
    with app.app_context():
        delays = [jobs.backoff(n, base=10) for n in range(1, 6)]
        assert all(8 <= d / 2 ** i <= 12 for i, d in enumerate(delays))
        assert jobs.backoff(1, retry_after=120, base=10) >= 120
        assert jobs.backoff(30, base=10) <= 3600 * 1.2


def test_the_tracking_page_scripts_are_served(client):
    worker = client.get("/push-sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert 'addEventListener("push"' in worker.get_data(as_text=True) and "skipWaiting" in worker.get_data(as_text=True)
    script = client.get("/push-track.js")
    assert script.status_code == 200 and "/api/v1/track/" in script.get_data(as_text=True)


def test_the_app_worker_includes_push(client):
    source = client.get("/sw.js").get_data(as_text=True)
    assert "// --- push.js ---" in source and "notificationclick" in source


def test_preferences_offer_the_topics_of_the_role(as_user):
    topics = {i["topic"] for i in as_user("enterprise").get("/api/v1/notifications/preferences").get_json()["items"]}
    assert topics == {"blocker"}
    topics = {i["topic"] for i in as_user("inspector").get("/api/v1/notifications/preferences").get_json()["items"]}
    assert "case_feedback" in topics and "case_assigned" not in topics


# --- projects: blockers and item warnings -----------------------------------------------------------------

def test_a_blocker_tells_inspectors_and_its_case_moves_tell_the_enterprise(as_user, make_project, make_enterprise):
    from jiandu.projects import service as projects

    project = make_project()
    enterprise = make_enterprise(project)
    client = as_user(enterprise.username)
    response = client.post("/api/v1/blockers", data={
        "category": "approval_timeout", "description": "施工许可申请提交二十天仍无答复",
        "department_id": str(projects.departments_of(project.id)[0].id), "contact_ok": "true"},
        headers={"Idempotency-Key": "blk-notify-01"},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    blocker = response.get_json()
    new = [e for e in db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "project.blocker"))
           if e.payload["blocker_id"] == blocker["id"]]
    process([new[0].id])
    told = notified(new[0])
    assert told and all(n.title == "新的项目堵点" and n.url == f"/#/blockers/{blocker['id']}" for n in told.values())
    assert "enterprise" not in usernames(told) and enterprise.username not in usernames(told)
    # The commission registers the blocker's case: the enterprise user who reported it hears of it.
    move(as_user("inspector"), blocker["case_id"], "register", case_type="service_request", category="审批超时")
    [update] = events_of(blocker["case_id"], "blocker.updated")
    process([update.id])
    told = notified(update)
    assert usernames(told) == {enterprise.username}
    note = next(iter(told.values()))
    assert note.title == "堵点有新进展" and project.name in note.body and note.url == f"/#/blockers/{blocker['id']}"
    assert note.topic == "blocker"


def test_approval_and_payment_warnings_reach_the_unit_and_the_inspectors(as_user):
    from jiandu.projects.models import ApprovalItem

    item = db.session.scalar(select(ApprovalItem).order_by(ApprovalItem.id))
    event = emit("project.approval.red", {"item_id": item.id, "project_id": item.project_id,
                                          "jurisdiction_id": item.jurisdiction_id, "due_on": "2026-05-06",
                                          "title": item.name, "level": "red", "case_id": None})
    db.session.commit()
    process([event.id])
    db.session.refresh(event)
    assert event.status == "done"
    told = notified(event)
    assert told
    assert all(n.title == "审批事项已超时" and n.url == f"/#/projects/{item.project_id}" for n in told.values())
    from jiandu.org.models import User

    roles = {u.role for u in db.session.scalars(select(User).where(User.id.in_([n.user_id for n in told.values()])))}
    assert roles <= {"handler", "inspector"} and "inspector" in roles


def test_every_kind_emitted_in_the_code_has_a_rule(app):
    """An event kind without a rule would be parked: each kind the capabilities emit is known here
    (the app's capabilities have registered their rules in their setup)."""
    import re

    from jiandu.config import ROOT
    from jiandu.notify.rules import RULES

    kinds = set()
    for path in (ROOT / "backend" / "jiandu").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        kinds.update(re.findall(r'emit\("([a-z_.]+)"', text))
        for prefix, _variable in re.findall(r'emit_many\(\[\(f"([a-z_]+)\.\{(\w+)\}', text):
            kinds.add(f"{prefix}.*")
    literal = {k for k in kinds if not k.endswith("*")}
    assert literal <= set(RULES), literal - set(RULES)
    for prefix in {k[:-2] for k in kinds if k.endswith("*")}:
        assert any(r.startswith(prefix + ".") for r in RULES), prefix


def test_a_user_keeps_at_most_twenty_devices(as_user, push_on, push_service):
    from jiandu.notify.service import MAX_DEVICES_PER_USER

    handler = as_user("handler")
    ids = [subscribe(handler, push_service.new_device(), push_service.url).get_json()["id"]
           for _ in range(MAX_DEVICES_PER_USER + 2)]
    listed = [d["id"] for d in handler.get("/api/v1/push/subscriptions").get_json()["items"] if d["status"] == "active"]
    assert len(listed) == MAX_DEVICES_PER_USER and ids[-1] in listed and ids[0] not in listed
