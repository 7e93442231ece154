"""Delivery for real: a live app, a real RQ worker (the Procfile's AppWorker, in burst mode), real
Redis, and the local push service, which verifies the VAPID JWT against our public key and decrypts
each aes128gcm payload with the device's private key before it counts it."""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.notify import jobs
from jiandu.notify.models import Delivery, Notification, OutboxEvent, PushSubscription
from jiandu.notify.service import emit
from jiandu.queue import queue
from tests.notify.helpers import citizen_report, move, new_case, register_and_assign, subscribe, window_of


def fresh():
    """End the test body's read transaction: the next query sees what the worker committed."""
    db.session.rollback()


def deliveries_for(device_sub_id: int) -> list[Delivery]:
    fresh()
    return list(db.session.scalars(select(Delivery).where(Delivery.subscription_id == device_sub_id)
                                   .order_by(Delivery.id)))


def test_an_assignment_reaches_every_device_of_the_department_once(live_ctx, push_service):
    live = live_ctx
    inspector, handler = live.client("inspector"), live.client("handler")
    phone, desk = push_service.new_device(), push_service.new_device()
    other = push_service.new_device()
    phone_id = subscribe(handler, phone, push_service.url, label="手机").get_json()["id"]
    subscribe(handler, desk, push_service.url, label="办公室电脑")
    subscribe(live.client("tax-handler"), other, push_service.url)
    case = new_case()
    register_and_assign(inspector, case.id, live.user("handler").unit_id)
    # The move committed its event; the kick put it on the `push` queue. A real worker does the rest.
    assert queue("push").count >= 1
    live.run_worker()
    assert push_service.rejected == []
    got_phone, got_desk = push_service.for_device(phone), push_service.for_device(desk)
    assert len(got_phone) == 1 and len(got_desk) == 1 and push_service.for_device(other) == []
    payload = got_phone[0]
    assert payload["title"] == "新转办案件" and case.number in payload["body"]
    assert payload["tag"] == f"case-{case.id}" and payload["icon"] == "/app/icons/icon-192.png"
    assert payload["url"] == f"/?n={payload['id']}#/cases/{case.id}"  # opens the case, marks it read
    assert payload["kind"] == "case.assigned" and payload["lang"] == "zh-CN"
    request = [r for r in push_service.received if r.device_id == phone.id][0]
    received = {k.lower(): v for k, v in request.headers.items()}
    assert received["ttl"] == "86400" and received["urgency"] == "high" and received["topic"] == f"n{payload['id']}"
    assert received["content-encoding"] == "aes128gcm" and received["authorization"].startswith("vapid t=")
    [delivery] = deliveries_for(phone_id)
    assert delivery.status == "sent" and delivery.last_status == 201 and delivery.attempts == 1
    assert db.session.get(PushSubscription, phone_id).last_success_at is not None
    # The same notification is in the handler's centre, unread.
    centre = handler.get("/api/v1/notifications").get_json()
    assert centre["unread"] == 1 and centre["items"][0]["id"] == payload["id"]


def test_a_redelivered_job_notifies_no_device_twice(live_ctx, push_service):
    live = live_ctx
    handler = live.client("handler")
    devices = [push_service.new_device() for _ in range(3)]
    for device in devices:
        subscribe(handler, device, push_service.url)
    event = emit("test", {"user_id": live.user("handler").id})
    db.session.commit()
    live.run_worker()
    assert [len(push_service.for_device(d)) for d in devices] == [1, 1, 1]
    fresh()
    delivery_ids = list(db.session.scalars(select(Delivery.id).join(Notification)
                                           .where(Notification.event_id == event.id)))
    # The same jobs again, as RQ would after a lost acknowledgement, and the sweep on top.
    jobs.enqueue_events([event.id])
    jobs.enqueue_deliveries(delivery_ids)
    db.session.execute(OutboxEvent.__table__.update().where(OutboxEvent.id == event.id).values(status="pending"))
    db.session.commit()
    live.run_worker()
    assert [len(push_service.for_device(d)) for d in devices] == [1, 1, 1]
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.event_id == event.id)) == 1


def test_push_service_errors_gone_busy_broken_and_hanging(live_ctx, push_service):
    live = live_ctx
    handler = live.client("handler")
    gone = push_service.new_device([410])
    missing = push_service.new_device([404])
    busy = push_service.new_device([(429, {"Retry-After": "3"})])
    broken = push_service.new_device([500, 503])
    hanging = push_service.new_device(["hang"])
    ids = {}
    for name, device in (("gone", gone), ("missing", missing), ("busy", busy), ("broken", broken),
                         ("hanging", hanging)):
        ids[name] = subscribe(handler, device, push_service.url, label=name).get_json()["id"]
    emit("test", {"user_id": live.user("handler").id, "title": "故障演练"})
    db.session.commit()
    started = time.monotonic()
    live.run_worker()
    assert time.monotonic() - started < 4, "a hanging push service must not hold the worker"
    # 404/410: the device is dead, not retried.
    for name in ("gone", "missing"):
        [d] = deliveries_for(ids[name])
        assert d.status == "dead" and d.last_status in (404, 410)
        assert db.session.get(PushSubscription, ids[name]).status == "dead"
    # 429 waits for at least its Retry-After; 5xx and the timeout back off.
    [d] = deliveries_for(ids["busy"])
    assert d.status == "retry" and d.last_status == 429
    assert d.next_attempt_at >= d.claimed_at + timedelta(seconds=3)
    [d] = deliveries_for(ids["broken"])
    assert d.status == "retry" and d.last_status == 500
    [d] = deliveries_for(ids["hanging"])
    assert d.status == "retry" and d.last_status is None and "超时" in d.last_error
    # Nothing happens before the retries are due…
    jobs.sweep()
    live.run_worker()
    assert push_service.for_device(busy) == []
    # …then the sweep sends them again (the broken one needs a third try).
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not all(push_service.for_device(d) for d in (busy, broken, hanging)):
        time.sleep(0.3)
        jobs.sweep()
        live.run_worker()
    for device in (busy, broken, hanging):
        assert len(push_service.for_device(device)) == 1
    assert push_service.for_device(gone) == [] and push_service.for_device(missing) == []
    [d] = deliveries_for(ids["broken"])
    assert d.status == "sent" and d.attempts == 3
    # A dead device gets nothing more, and shows as dead in the user's list.
    listed = {d["id"]: d["status"] for d in handler.get("/api/v1/push/subscriptions").get_json()["items"]}
    assert listed[ids["gone"]] == "dead" and listed[ids["busy"]] == "active"


def test_after_the_last_retry_a_delivery_fails_for_good(live_ctx, push_service, monkeypatch):
    live = live_ctx
    monkeypatch.setitem(live.app.config, "PUSH_MAX_ATTEMPTS", 2)
    handler = live.client("handler")
    device = push_service.new_device([502, 502, 502, 502])
    sub_id = subscribe(handler, device, push_service.url).get_json()["id"]
    emit("test", {"user_id": live.user("handler").id})
    db.session.commit()
    live.run_worker()
    for _ in range(20):
        time.sleep(0.3)
        jobs.sweep()
        live.run_worker()
        [d] = deliveries_for(sub_id)
        if d.status == "failed":
            break
    assert d.status == "failed" and d.attempts == 2 and "502" in d.last_error
    requests_before = push_service.requests
    for _ in range(3):
        jobs.sweep()
        live.run_worker()
    assert push_service.requests == requests_before  # never retried forever
    # The message is not lost: it is in the centre.
    assert handler.get("/api/v1/notifications/unread-count").get_json()["unread"] >= 1


def test_a_citizen_device_hears_of_its_case_and_opens_the_tracking_page(live_ctx, push_service):
    live = live_ctx
    http = live.app.test_client()
    http.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"
    report = citizen_report(http, window_of())
    device = push_service.new_device()
    assert http.post(f"/api/v1/track/{report['tracking_token']}/subscribe",
                     json=device.subscription(push_service.url)).status_code == 201
    inspector = live.client("inspector")
    move(inspector, report["case_id"], "register", case_type="work_style", category="服务态度")
    move(inspector, report["case_id"], "assign", department_id=live.user("handler").unit_id)
    live.run_worker()
    got = push_service.for_device(device)
    assert [p["title"] for p in got] == ["您反映的问题有新进展"] * 2
    assert got[0]["body"].startswith("已登记") and got[1]["body"].startswith("已转交承办单位")
    assert {p["url"] for p in got} == {f"/t/{report['tracking_token']}"}
    assert push_service.rejected == []
