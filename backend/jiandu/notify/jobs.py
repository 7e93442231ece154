"""RQ jobs of notify (queue `push`): fan-out of events, sending deliveries in batches, the sweep.

    emit() ─commit─▶ process_events_job(ids) ─▶ Notification + Delivery rows ─▶ send_batch_job(ids) ─▶ push service
                 ▲ after commit (kick)            (a batch of events at once)         (200 a job, threads)
                 └ sweep_job, every few seconds: events and deliveries still waiting, retries due

Every step can run twice without doing anything twice: an event is fanned out only while `pending`
(and unique keys keep one notification per recipient and one delivery per device); a delivery is
sent only after an UPDATE … WHERE status IN ('pending', 'retry') … RETURNING has claimed it and
committed. A job that is delivered again finds its rows already claimed or sent and skips them.

Failures: a network error, a timeout, 5xx or 429 puts the delivery back as `retry` with exponential
backoff (never sooner than Retry-After), up to PUSH_MAX_ATTEMPTS, then `failed`; 404/410 mark the
device dead; an event whose rule raises is retried with backoff and parked with its error after
EVENT_MAX_ATTEMPTS (an event of an unknown kind at once), for admins to see (GET /api/v1/notify/parked).
Nothing here waits long on a push service: every request has a connect and a read timeout.

Settings (app config, with defaults): PUSH_CONCURRENCY 8, PUSH_CONNECT_TIMEOUT 3, PUSH_READ_TIMEOUT 5,
PUSH_TTL_SECONDS 86400, PUSH_MAX_ATTEMPTS 6, PUSH_RETRY_BASE_SECONDS 15, PUSH_BATCH_SIZE 200,
NOTIFY_EVENT_MAX_ATTEMPTS 5, NOTIFY_EVENT_GRACE_SECONDS 10, NOTIFY_LEASE_SECONDS 60,
NOTIFY_SENDING_LEASE_SECONDS 900, NOTIFY_KEEP_DELIVERY_DAYS 30, NOTIFY_KICK (on outside tests).
"""
from __future__ import annotations

import json
import logging
import random
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from jiandu.extensions import db
from jiandu.notify import rules
from jiandu.notify.keys import push_enabled, vapid_keys
from jiandu.notify.models import Delivery, Notification, NotificationPreference, OutboxEvent, PushSubscription
from jiandu.notify.rules import UnknownKind, messages_for, topic_of
from jiandu.notify.webpush import Outcome, Outgoing, PushSender, payload_failed, signer_for
from jiandu.notify.words import ICON
from jiandu.org.models import UserSession
from jiandu.queue import queue, run_alone
from jiandu.security import decrypt_contact
from jiandu.sqlite import begin_writing
from jiandu.timeutil import utcnow

log = logging.getLogger(__name__)

EVENTS_PER_JOB = 100
DELIVERIES_PER_JOB = 200
EVENT_MAX_ATTEMPTS = 5
PUSH_MAX_ATTEMPTS = 6
RETRY_BASE_SECONDS = 15
RETRY_CAP_SECONDS = 3600
RETRY_AFTER_CAP_SECONDS = 24 * 3600
SWEEP_LOCK = "jiandu:notify:sweep"
FINAL = ("sent", "dead", "failed", "skipped", "unknown")


def _config(name: str, default):
    return current_app.config.get(name, default)


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _insert_ignore(model, rows) -> None:
    if not rows:
        return
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(model).on_conflict_do_nothing(), rows)


def backoff(attempts: int, retry_after: float | None = None, base: float | None = None) -> float:
    """Seconds before the next try: base·2^(n−1) with ±20 % jitter, capped; never before Retry-After."""
    base = base if base is not None else _config("PUSH_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS)
    delay = min(RETRY_CAP_SECONDS, base * (2 ** max(0, attempts - 1))) * random.uniform(0.8, 1.2)
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), RETRY_AFTER_CAP_SECONDS))
    return delay


# --- enqueueing ----------------------------------------------------------------------------------------

def enqueue_events(event_ids: list[int]) -> int:
    q = queue("push")
    for chunk in _chunks(list(event_ids), EVENTS_PER_JOB):
        q.enqueue(process_events_job, chunk, job_timeout=300, result_ttl=600, failure_ttl=7 * 86400,
                  description=f"notify: fan out {len(chunk)} events {chunk[0]}…{chunk[-1]}")
    return len(event_ids)


def enqueue_deliveries(delivery_ids: list[int]) -> int:
    q = queue("push")
    size = int(_config("PUSH_BATCH_SIZE", DELIVERIES_PER_JOB))
    for chunk in _chunks(list(delivery_ids), size):
        q.enqueue(send_batch_job, chunk, job_timeout=600, result_ttl=600, failure_ttl=7 * 86400,
                  description=f"notify: send {len(chunk)} deliveries {chunk[0]}…{chunk[-1]}")
    return len(delivery_ids)


# --- fan-out: event → notifications → deliveries ---------------------------------------------------------

def process_events_job(event_ids: list[int]) -> dict:
    begin_writing(db.session)  # it reads the events, then writes their notifications
    delivery_ids = process_events(event_ids)
    db.session.commit()
    if delivery_ids:
        try:
            enqueue_deliveries(delivery_ids)
        except Exception as error:  # the sweep sends them once the lease has passed
            log.warning("notify: %s deliveries wait for the sweep (%s)", len(delivery_ids), error)
    return {"events": len(event_ids), "deliveries": len(delivery_ids)}


def process_events(event_ids: list[int], now: datetime | None = None) -> list[int]:
    """Fan out the pending events among these; the caller commits. Returns the delivery ids to send.

    Done as a batch: the rules (which only read) run event by event, and an event whose rule raises is
    marked failed alone; then the notifications and deliveries of all the others are written with a
    handful of statements, whatever the number of events."""
    now = now or utcnow()
    events = db.session.scalars(
        select(OutboxEvent).where(OutboxEvent.id.in_(list(event_ids)), OutboxEvent.status == "pending",
                                  or_(OutboxEvent.next_attempt_at.is_(None), OutboxEvent.next_attempt_at <= now))
        .order_by(OutboxEvent.id).execution_options(populate_existing=True)).all()
    if not events:
        return []
    built = []
    with rules.batch([e.payload or {} for e in events]):
        for event in events:
            try:
                built.append((event, topic_of(event.kind), messages_for(event.kind, event.payload or {})))
            except SQLAlchemyError:
                raise  # the database, not the event: the job fails and the sweep tries again later
            except Exception as error:
                _event_failed(event, error, now)
    delivery_ids = fan_out(built, now)
    for event, _topic, _messages in built:
        event.status, event.processed_at, event.error = "done", now, None
    return delivery_ids


def _event_failed(event: OutboxEvent, error: Exception, now: datetime) -> None:
    event.attempts = (event.attempts or 0) + 1
    event.error = f"{type(error).__name__}: {error}"[:2000]
    max_attempts = int(_config("NOTIFY_EVENT_MAX_ATTEMPTS", EVENT_MAX_ATTEMPTS))
    if isinstance(error, UnknownKind) or event.attempts >= max_attempts:
        event.status, event.processed_at, event.next_attempt_at = "parked", now, None
        log.error("notify: event %s (%s) parked: %s", event.id, event.kind, event.error)
    else:
        event.next_attempt_at = now + timedelta(seconds=backoff(event.attempts))
        event.dispatched_at = None


def fan_out(built: list, now: datetime) -> list[int]:
    """Notifications (one per event and recipient) and deliveries (one per notification and active device)
    of a batch of events [(event, topic, messages)]. Repeating it writes nothing new (unique keys)."""
    rows = [{"event_id": event.id, "recipient_key": m.recipient_key, "user_id": m.user_id, "report_id": m.report_id,
             "kind": event.kind, "topic": topic, "title": m.title, "body": m.body, "url": m.url, "tag": m.tag,
             "created_at": now}
            for event, topic, messages in built for m in messages]
    if not rows:
        return []
    for chunk in _chunks(rows, 1000):
        _insert_ignore(Notification, chunk)
    event_ids = [event.id for event, _topic, messages in built if messages]
    notes = []
    for chunk in _chunks(event_ids, 1000):
        notes.extend(db.session.execute(select(Notification.id, Notification.user_id, Notification.report_id,
                                               Notification.topic).where(Notification.event_id.in_(chunk))).all())
    if not push_enabled():
        return []
    pairs = []
    user_ids = sorted({n.user_id for n in notes if n.user_id is not None})
    if user_ids:
        muted, devices, signed_out = set(), {}, []
        for chunk in _chunks(user_ids, 2000):
            muted.update(db.session.execute(select(NotificationPreference.user_id, NotificationPreference.topic).where(
                NotificationPreference.user_id.in_(chunk), NotificationPreference.push.is_(False))).all())
            for sub_id, user_id, revoked in db.session.execute(
                    select(PushSubscription.id, PushSubscription.user_id, UserSession.revoked_at)
                    .outerjoin(UserSession, UserSession.sid_digest == PushSubscription.session_digest)
                    .where(PushSubscription.user_id.in_(chunk), PushSubscription.owner_key == "user",
                           PushSubscription.status == "active")):
                if revoked is not None:
                    signed_out.append(sub_id)  # the user signed out on that device: no more pushes there
                else:
                    devices.setdefault(user_id, []).append(sub_id)
        if signed_out:
            db.session.execute(update(PushSubscription).where(PushSubscription.id.in_(signed_out))
                               .values(status="removed", ended_at=now, last_error="已在该设备退出登录")
                               .execution_options(synchronize_session=False))
        pairs.extend((n.id, sub) for n in notes if n.user_id is not None and (n.user_id, n.topic) not in muted
                     for sub in devices.get(n.user_id, ()))
    report_ids = sorted({n.report_id for n in notes if n.report_id is not None})
    if report_ids:
        devices = {}
        for sub_id, report_id in db.session.execute(select(PushSubscription.id, PushSubscription.report_id).where(
                PushSubscription.report_id.in_(report_ids), PushSubscription.status == "active")):
            devices.setdefault(report_id, []).append(sub_id)
        pairs.extend((n.id, sub) for n in notes if n.report_id is not None for sub in devices.get(n.report_id, ()))
    if not pairs:
        return []
    for chunk in _chunks(pairs, 2000):
        _insert_ignore(Delivery, [{"notification_id": n, "subscription_id": s, "status": "pending", "attempts": 0,
                                   "created_at": now, "enqueued_at": now} for n, s in chunk])
    ids = []
    for chunk in _chunks([n.id for n in notes], 2000):
        ids.extend(db.session.scalars(select(Delivery.id).where(Delivery.notification_id.in_(chunk),
                                                                Delivery.status == "pending")))
    return sorted(ids)


# --- sending -----------------------------------------------------------------------------------------------

def claim(delivery_ids: list[int], now: datetime) -> list[int]:
    """Take the deliveries that are still to send, in one committed UPDATE; only the claimer sends them."""
    claimed = db.session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(delivery_ids), Delivery.status.in_(("pending", "retry")),
               or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now))
        .values(status="sending", claimed_at=now, attempts=Delivery.attempts + 1)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)).all()
    db.session.commit()
    return list(claimed)


def payload_of(row) -> bytes:
    url = row.url
    if row.report_id is not None:
        token = decrypt_contact(row.tracking_enc)
        url = f"/t/{token}" if token else "/t"
    elif url and url.startswith("/#"):
        url = f"/?n={row.notification_id}{url[1:]}"  # the app marks it read when it opens from the click
    body = {"id": row.notification_id, "kind": row.kind, "title": row.title, "body": row.body, "url": url or "/",
            "tag": row.tag or f"n{row.notification_id}", "icon": ICON,
            "lang": "en" if row.title.isascii() else "zh-CN",  # the rules' English titles are plain ASCII
            "ts": int(row.created_at.timestamp() * 1000) if row.created_at else None}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def send_batch_job(delivery_ids: list[int]) -> dict:
    return send_batch(delivery_ids)


def send_batch(delivery_ids: list[int], now: datetime | None = None) -> dict:
    now = now or utcnow()
    claimed = claim(delivery_ids, now)
    if not claimed:
        return {"claimed": 0}
    rows = db.session.execute(
        select(Delivery.id, Delivery.attempts, Delivery.notification_id, Notification.kind, Notification.title,
               Notification.body, Notification.url, Notification.tag, Notification.created_at, Notification.report_id,
               PushSubscription.id.label("subscription_id"), PushSubscription.endpoint, PushSubscription.p256dh,
               PushSubscription.auth, PushSubscription.status.label("subscription_status"),
               PushSubscription.tracking_enc)
        .join(Notification, Notification.id == Delivery.notification_id)
        .join(PushSubscription, PushSubscription.id == Delivery.subscription_id)
        .where(Delivery.id.in_(claimed))).all()
    _public, private = vapid_keys()
    ttl = int(_config("PUSH_TTL_SECONDS", 24 * 3600))
    outgoing, outcomes, attempts, subscription_of = [], [], {}, {}
    for row in rows:
        attempts[row.id], subscription_of[row.id] = row.attempts, row.subscription_id
        if row.subscription_status != "active":
            outcomes.append(Outcome(row.id, "skipped", error="设备已移除或失效"))
        elif private is None:
            outcomes.append(Outcome(row.id, "failed", error="未配置 VAPID 推送密钥"))
        else:
            try:
                data = payload_of(row)
            except Exception:
                outcomes.append(payload_failed(row.id))
                continue
            outgoing.append(Outgoing(row.id, row.endpoint, row.p256dh, row.auth, data, ttl=ttl,
                                     urgency="high" if rules.is_urgent(row.kind) else "normal",
                                     topic=f"n{row.notification_id}"))
    if outgoing:
        sender = PushSender(signer_for(private, _config("VAPID_SUBJECT", "mailto:admin@example.invalid")),
                            connect_timeout=float(_config("PUSH_CONNECT_TIMEOUT", 3.0)),
                            read_timeout=float(_config("PUSH_READ_TIMEOUT", 5.0)),
                            concurrency=int(_config("PUSH_CONCURRENCY", 8)))
        outcomes.extend(sender.send_all(outgoing))
    return record(outcomes, attempts, subscription_of, utcnow())


def record(outcomes, attempts: dict, subscription_of: dict, now: datetime) -> dict:
    """Write each outcome on its delivery, and what it says about the device; commit."""
    max_attempts = int(_config("PUSH_MAX_ATTEMPTS", PUSH_MAX_ATTEMPTS))
    updates, counts = [], {}
    ok_subs, dead_subs, failing_subs = set(), {}, {}
    for o in outcomes:
        status, next_at = o.result, None
        if status == "retry":
            if attempts.get(o.delivery_id, 1) >= max_attempts:
                status = "failed"
            else:
                next_at = now + timedelta(seconds=backoff(attempts.get(o.delivery_id, 1), o.retry_after))
        counts[status] = counts.get(status, 0) + 1
        updates.append({"id": o.delivery_id, "status": status, "last_status": o.status,
                        "last_error": (o.error or None) and o.error[:255], "next_attempt_at": next_at,
                        "sent_at": now if status == "sent" else None, "enqueued_at": None})
        sub = subscription_of.get(o.delivery_id)
        if status == "sent":
            ok_subs.add(sub)
        elif status == "dead":
            dead_subs[sub] = o.error
        elif status in ("retry", "failed"):
            failing_subs[sub] = o.error
    if updates:
        db.session.execute(update(Delivery), updates)
    if ok_subs:
        db.session.execute(update(PushSubscription).where(PushSubscription.id.in_(ok_subs))
                           .values(last_success_at=now).execution_options(synchronize_session=False))
    for sub, error in failing_subs.items():
        db.session.execute(update(PushSubscription).where(PushSubscription.id == sub)
                           .values(last_failure_at=now, last_error=(error or "")[:255])
                           .execution_options(synchronize_session=False))
    for sub, error in dead_subs.items():
        db.session.execute(update(PushSubscription)
                           .where(PushSubscription.id == sub, PushSubscription.status == "active")
                           .values(status="dead", ended_at=now, last_failure_at=now,
                                   last_error=(error or "推送服务表示该订阅已失效")[:255])
                           .execution_options(synchronize_session=False))
        db.session.execute(update(Delivery).where(Delivery.subscription_id == sub,
                                                  Delivery.status.in_(("pending", "retry")))
                           .values(status="skipped", last_error="设备订阅已失效")
                           .execution_options(synchronize_session=False))
    db.session.commit()
    return counts


# --- the sweep ------------------------------------------------------------------------------------------------

def sweep(now: datetime | None = None, limit: int = 5000) -> dict:
    """Queue what is waiting: events the kick missed (Redis was down) or due for a retry, deliveries not
    yet sent or due again; and give up on deliveries a worker claimed but never recorded. Commits."""
    now = now or utcnow()
    begin_writing(db.session)  # it reads what waits, then marks it
    grace = timedelta(seconds=float(_config("NOTIFY_EVENT_GRACE_SECONDS", 10)))
    lease = timedelta(seconds=float(_config("NOTIFY_LEASE_SECONDS", 60)))
    sending_lease = timedelta(seconds=float(_config("NOTIFY_SENDING_LEASE_SECONDS", 15 * 60)))
    events = list(db.session.scalars(select(OutboxEvent.id).where(
        OutboxEvent.status == "pending",
        or_(OutboxEvent.next_attempt_at.is_(None), OutboxEvent.next_attempt_at <= now),
        OutboxEvent.created_at <= now - grace,
        or_(OutboxEvent.dispatched_at.is_(None), OutboxEvent.dispatched_at <= now - lease))
        .order_by(OutboxEvent.id).limit(limit)))
    if events:
        enqueue_events(events)
        for chunk in _chunks(events, 2000):
            db.session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(chunk)).values(dispatched_at=now)
                               .execution_options(synchronize_session=False))
    deliveries = list(db.session.scalars(select(Delivery.id).where(
        Delivery.status.in_(("pending", "retry")),
        or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        or_(Delivery.enqueued_at.is_(None), Delivery.enqueued_at <= now - lease))
        .order_by(Delivery.id).limit(limit)))
    if deliveries:
        enqueue_deliveries(deliveries)
        for chunk in _chunks(deliveries, 2000):
            db.session.execute(update(Delivery).where(Delivery.id.in_(chunk)).values(enqueued_at=now)
                               .execution_options(synchronize_session=False))
    stale = db.session.execute(update(Delivery).where(Delivery.status == "sending",
                                                      Delivery.claimed_at <= now - sending_lease)
                               .values(status="unknown", last_error="发送中断，为免重复提醒不再重发")
                               .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return {"events": len(events), "deliveries": len(deliveries), "abandoned": stale or 0}


def sweep_job() -> dict:
    """The scheduled sweep: one at a time across all workers."""
    return run_alone(SWEEP_LOCK, 120, sweep, "another sweep is running")


def prune_job() -> dict:
    """Forget finished deliveries after NOTIFY_KEEP_DELIVERY_DAYS (30); notifications stay (the centre)."""
    days = max(7, int(_config("NOTIFY_KEEP_DELIVERY_DAYS", 30)))
    cutoff = utcnow() - timedelta(days=days)
    removed = db.session.execute(delete(Delivery).where(Delivery.status.in_(FINAL), Delivery.created_at < cutoff)
                                 .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return {"deliveries_removed": removed or 0}

