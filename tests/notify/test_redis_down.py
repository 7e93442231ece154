"""Redis goes away: writes still succeed and their events wait in the outbox; Redis comes back, the
scheduler and the worker of the Procfile deliver every notification, once per device — also when
the same jobs run again."""
from __future__ import annotations

import shutil
import time

import pytest
from sqlalchemy import func, select

from jiandu import create_app
from jiandu.extensions import db
from jiandu.notify import jobs
from jiandu.notify.models import Delivery, Notification, OutboxEvent
from jiandu.scheduler import build as build_scheduler
from tests.conftest import build_world
from tests.notify.conftest import Live, PrivateRedis, clean_slate, live_config, run_worker
from tests.notify.helpers import assert_same_slots_not_repeated, move, new_case, register_and_assign, subscribe


@pytest.fixture
def down_env(vapid):
    server = PrivateRedis()
    server.start()
    app = create_app(live_config("notify-down", server.url, vapid, SCHEDULER_CLAIM_PREFIX="test-down"))
    build_world(app)
    try:
        with app.app_context():
            clean_slate()
            yield Live(app, server)
            db.session.remove()
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)


def test_redis_down_then_back_every_notification_once(down_env, push_service):
    live = down_env
    inspector, handler = live.client("inspector"), live.client("handler")
    handler_phone, handler_desk, inspector_phone = (push_service.new_device() for _ in range(3))
    subscribe(handler, handler_phone, push_service.url)
    subscribe(handler, handler_desk, push_service.url)
    subscribe(inspector, inspector_phone, push_service.url)
    department = live.user("handler").unit_id
    first, second = new_case("窗口推诿"), new_case("材料反复退回")
    db.session.commit()

    live.redis.stop()
    assert not live.redis.is_up()
    started = time.monotonic()
    register_and_assign(inspector, first.id, department)          # case.assigned → handler
    register_and_assign(inspector, second.id, department)         # case.assigned → handler
    move(handler, first.id, "sign")
    move(handler, first.id, "answer", result="已约谈窗口负责人")   # case.answered → inspector
    assert handler.post("/api/v1/push/test").status_code == 202   # test → handler
    assert time.monotonic() - started < 10, "writes must not wait on a Redis that is down"
    db.session.rollback()
    waiting = db.session.execute(select(OutboxEvent.id, OutboxEvent.kind).where(OutboxEvent.status == "pending")).all()
    assert sorted(kind for _id, kind in waiting) == ["case.answered", "case.assigned", "case.assigned", "test"]
    event_ids = [event_id for event_id, _kind in waiting]
    assert push_service.received == []

    live.redis.start()
    # The Procfile's scheduler enqueues the sweep (and the other jobs of this slot); its worker runs them.
    first_tick_at = time.time()
    enqueued = build_scheduler(live.app).tick()
    assert "notify-sweep" in {j.name for j in enqueued}
    run_worker(live.app)

    # The scheduler's tick also runs this slot's scans, whose own warnings (the demo city's overdue
    # cases and projects, urged from 9 o'clock on) reach both phones too; count the messages of the
    # changes made above.
    ours = {"新转办案件", "测试通知", "承办单位已反馈"}

    def counts():
        return [len([p for p in push_service.for_device(d) if p["title"] in ours])
                for d in (handler_phone, handler_desk, inspector_phone)]

    assert counts() == [3, 3, 1]
    assert push_service.rejected == []
    titles = sorted(p["title"] for p in push_service.for_device(handler_phone) if p["title"] in ours)
    assert titles == ["新转办案件", "新转办案件", "测试通知"]
    assert [p["title"] for p in push_service.for_device(inspector_phone) if p["title"] in ours] == ["承办单位已反馈"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.status == "pending")) == 0

    # Everything again: another scheduler in the same slot, a sweep, and every job re-enqueued by hand.
    assert_same_slots_not_repeated(live.app, first_tick_at, build_scheduler(live.app).tick())
    delivery_ids = db.session.scalars(select(Delivery.id)).all()
    db.session.execute(OutboxEvent.__table__.update().where(OutboxEvent.id.in_(event_ids)).values(status="pending"))
    db.session.commit()
    jobs.enqueue_events(event_ids)
    jobs.enqueue_deliveries(delivery_ids)
    jobs.sweep()
    run_worker(live.app)
    assert counts() == [3, 3, 1]
    # 3 for the handler, 1 for the inspector
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.event_id.in_(event_ids))) == 4
