"""The notification centre in headless Chromium with the service worker: a notification event shows
up in the centre (and the bell's unread count), a push message delivered to the service worker is
shown as a system notification and moves the count at once, and opening a notification marks it read."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.signing import sign_in
from sqlalchemy import select

pytestmark = pytest.mark.e2e



def notify(app, username: str, title: str, url: str = "/#/inbox") -> int:
    """What a case move does on the server: an outbox event, fanned out by the job (run here)."""
    from jiandu.extensions import db
    from jiandu.notify import jobs
    from jiandu.notify.models import Notification
    from jiandu.notify.service import emit
    from jiandu.org.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        event = emit("test", {"user_id": user.id, "title": title, "body": "请查看新转办的案件", "url": url})
        db.session.commit()
        jobs.process_events([event.id])
        db.session.commit()
        return db.session.scalar(select(Notification.id).where(Notification.event_id == event.id))


def test_a_notification_event_shows_up_in_the_notification_centre(page: Page, context, live_server):
    context.grant_permissions(["notifications"], origin=live_server.url)
    sign_in(page, "tax-handler")
    bell = page.locator("#notify-bell")
    expect(bell).to_be_visible()
    expect(bell).to_have_text("通知")  # nothing unread yet
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")

    # An event for this user: it appears in the centre.
    first = notify(live_server.app, "tax-handler", "端到端：新转办案件")
    bell.click()
    expect(page).to_have_url(re.compile(r"#/notifications$"))
    card = page.locator(".notification", has_text="端到端：新转办案件")
    expect(card).to_be_visible()
    expect(card).to_contain_text("未读")
    expect(bell.locator(".bell-count")).to_have_text("1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # A push message reaching the service worker: shown as a notification (title, body, icon, tag,
    # the screen to open), and the open page's count moves without a reload.
    second = notify(live_server.app, "tax-handler", "端到端：案件已超期", url="/#/cases")
    cdp = context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    page.wait_for_timeout(300)
    registration = next(r for r in registrations if r["scopeURL"].startswith(live_server.url) and not r["isDeleted"])
    payload = {"id": second, "kind": "test", "title": "端到端：案件已超期", "body": "JD2026 已超过办理期限",
               "url": f"/?n={second}#/cases", "tag": "case-999", "icon": "/app/icons/icon-192.png", "lang": "zh-CN"}
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": live_server.url,
                                                   "registrationId": registration["registrationId"],
                                                   "data": json.dumps(payload, ensure_ascii=False)})
    expect(bell.locator(".bell-count")).to_have_text("2")
    expect(page.locator(".notification", has_text="端到端：案件已超期")).to_be_visible()
    shown = page.evaluate("""async () => {
        const registration = await navigator.serviceWorker.ready;
        return (await registration.getNotifications()).map(n => ({title: n.title, body: n.body, tag: n.tag,
                                                                     icon: n.icon, data: n.data}));
    }""")
    assert any(n["title"] == "端到端：案件已超期" and n["tag"] == "case-999" and n["data"]["id"] == second
               and n["data"]["url"].endswith(f"/?n={second}#/cases") and n["icon"].endswith("/app/icons/icon-192.png")
               for n in shown), shown
    # The same message again (a redelivery) does not add a second notification.
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": live_server.url,
                                                   "registrationId": registration["registrationId"],
                                                   "data": json.dumps(payload, ensure_ascii=False)})
    page.wait_for_timeout(500)
    again = page.evaluate("navigator.serviceWorker.ready"
                          ".then(r => r.getNotifications({tag: 'case-999'})).then(n => n.length)")
    assert again == 1

    # Opening the app from the notification (its URL carries ?n=) marks it read and shows the screen.
    page.goto(f"/?n={second}#/notifications")
    expect(page.locator(".notification", has_text="端到端：案件已超期")).not_to_contain_text("未读")
    assert "?n=" not in page.url
    expect(bell.locator(".bell-count")).to_have_text("1")

    # Tapping a notification in the centre marks it read and opens its screen.
    page.locator(".notification", has_text="端到端：新转办案件").click()
    expect(page).to_have_url(re.compile(r"#/inbox$"))
    expect(bell.locator(".bell-count")).to_have_count(0)
    assert first and second


def test_the_service_worker_carries_the_push_handlers(page: Page, live_server):
    source = page.request.get(f"{live_server.url}/sw.js").text()
    for needle in ("// --- push.js ---", 'addEventListener("push"', 'addEventListener("notificationclick"',
                   "pushsubscriptionchange"):
        assert needle in source


def test_a_citizen_tracking_page_gets_the_push_only_worker(page: Page, context, live_server):
    """The tracking page's scripts: a service worker of scope /t/ that only shows pushes."""
    import uuid

    from jiandu.extensions import db
    from jiandu.org.models import Point, User

    with live_server.app.app_context():
        handler = db.session.scalar(select(User).where(User.username == "handler"))
        code = db.session.scalar(select(Point.code)
                                 .where(Point.department_id == handler.unit_id, Point.type == "window"))
    answer = page.request.post(f"{live_server.url}/api/v1/reports", headers={"Idempotency-Key": uuid.uuid4().hex},
                               data={"point_code": code, "kind": "report", "category": "attitude",
                                     "description": "窗口工作人员态度生硬"})
    assert answer.ok, answer.text()
    token = answer.json()["tracking_token"]
    context.grant_permissions(["notifications"], origin=live_server.url)
    page.goto(f"/t/{token}")
    scope = page.evaluate("""async () => {
        const registration = await navigator.serviceWorker.register('/push-sw.js', {scope: '/t/'});
        await new Promise(resolve => {
            if (registration.active) return resolve();
            const worker = registration.installing || registration.waiting;
            worker.addEventListener('statechange', () => worker.state === 'activated' && resolve());
        });
        return registration.scope;
    }""")
    assert scope == f"{live_server.url}/t/"
    cdp = context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    page.wait_for_timeout(300)
    registration = next(r for r in registrations if r["scopeURL"] == f"{live_server.url}/t/" and not r["isDeleted"])
    payload = {"id": 1, "kind": "case.progress", "title": "您反映的问题有新进展", "body": "已登记",
               "url": f"/t/{token}", "tag": "track-1"}
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": live_server.url,
                                                   "registrationId": registration["registrationId"],
                                                   "data": json.dumps(payload, ensure_ascii=False)})
    page.wait_for_timeout(500)
    shown = page.evaluate("""navigator.serviceWorker.getRegistration('/t/').then(r => r.getNotifications())
                             .then(ns => ns.map(n => ({title: n.title, url: n.data.url})))""")
    assert shown == [{"title": "您反映的问题有新进展", "url": f"{live_server.url}/t/{token}"}]
    # The page script is served, and only shows its button where push works.
    assert "data-push-track" in page.request.get(f"{live_server.url}/push-track.js").text()


def test_an_admin_sees_a_parked_event_and_sends_it_again(page: Page, live_server):
    """An event no rule can turn into notifications is parked with its error; the admin screen lists
    it and puts it back in the queue."""
    from jiandu.extensions import db
    from jiandu.notify import jobs
    from jiandu.notify.models import OutboxEvent
    from jiandu.notify.service import emit

    with live_server.app.app_context():
        event = emit("e2e.unknown_kind", {"note": "no rule for this kind"})
        db.session.commit()
        jobs.process_events([event.id])
        db.session.commit()
        assert db.session.get(OutboxEvent, event.id).status == "parked"
        event_id = event.id

    sign_in(page, "admin")
    page.goto("/#/notify/parked")
    card = page.locator(".card", has_text="e2e.unknown_kind")
    expect(card).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    card.get_by_role("button", name="重新投递").click()
    expect(page.get_by_text("已重新排队投递")).to_be_visible()
    with live_server.app.app_context():
        retried = db.session.get(OutboxEvent, event_id)
        assert (retried.status, retried.attempts) == ("pending", 0)  # back in the queue, counting anew
