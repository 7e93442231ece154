"""Notifications, as plain functions: emit events, keep devices and choices, read the in-app centre.

emit() writes an event in the caller's transaction; nothing here needs Redis to succeed. When the
transaction commits, the new events' ids are put on the `push` queue at once (best effort: if Redis
is down the events simply wait for the scheduled sweep, see jobs.py).
"""
from __future__ import annotations

import hashlib
import logging
import time

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy import func, insert, select, update

from jiandu import audit
from jiandu.errors import ApiError, Invalid, NotFound
from jiandu.extensions import db
from jiandu.notify.endpoints import Policy, subscription_refusal
from jiandu.notify.jobs import enqueue_events
from jiandu.notify.keys import push_enabled
from jiandu.notify.models import Delivery, Notification, NotificationPreference, OutboxEvent, PushSubscription
from jiandu.notify.rules import TOPICS, TOPICS_EN
from jiandu.notify.webpush import valid_auth_secret, valid_client_key
from jiandu.org.models import Jurisdiction
from jiandu.org.scope import is_visible
from jiandu.security import encrypt_contact, token_digest
from jiandu.timeutil import iso_utc, utcnow

log = logging.getLogger(__name__)

SESSION_KEY = "jiandu_outbox_new"
MAX_ENDPOINT = 1024
MAX_DEVICES_PER_USER = 20     # beyond this, the longest-unused device is let go
MAX_DEVICES_PER_REPORT = 5
USER_TOPICS = [t for t in TOPICS if t != "test"]


# --- the outbox --------------------------------------------------------------------------------------

def emit(kind: str, payload: dict) -> OutboxEvent:
    """An event in the outbox, written in the caller's transaction (its id is queued after commit)."""
    event = OutboxEvent(kind=kind, payload=payload, created_at=utcnow(), attempts=0, status="pending")
    db.session.add(event)
    db.session.info.setdefault(SESSION_KEY, [])  # ids are collected when the session flushes
    return event


def emit_many(rows: list[tuple[str, dict]]) -> None:
    """Many events at once (the deadline scan): one INSERT … VALUES batch."""
    if not rows:
        return
    now = utcnow()
    ids = db.session.scalars(insert(OutboxEvent).returning(OutboxEvent.id), [
        {"kind": kind, "payload": payload, "created_at": now, "attempts": 0, "status": "pending"}
        for kind, payload in rows
    ]).all()
    db.session.info.setdefault(SESSION_KEY, []).extend(ids)


@sa_event.listens_for(db.session, "after_flush")
def _collect_new_events(session, _context):
    if SESSION_KEY not in session.info:
        return
    ids = session.info[SESSION_KEY]
    ids.extend(obj.id for obj in session.new if isinstance(obj, OutboxEvent) and obj.id is not None)


@sa_event.listens_for(db.session, "after_commit")
def _kick_after_commit(session):
    if session.in_nested_transaction():
        return  # a savepoint: the events are not visible to others until the real commit
    ids = session.info.pop(SESSION_KEY, None)
    if ids:
        kick(sorted(set(ids)))


# A local courtesy, per Redis: after a failure, requests stop trying it for a few seconds.
_redis_down_until: dict[str, float] = {}


def kick_enabled() -> bool:
    if not has_app_context():
        return False
    config = current_app.config
    return bool(config.get("NOTIFY_KICK", not config.get("TESTING")))


def kick(event_ids: list[int]) -> bool:
    """Queue the fan-out of these events now. Never raises; False when they must wait for the sweep."""
    if not event_ids or not kick_enabled():
        return False
    redis_url = current_app.config.get("REDIS_URL", "")
    if time.monotonic() < _redis_down_until.get(redis_url, 0.0):
        return False
    try:
        enqueue_events(event_ids)
        return True
    except Exception as error:  # Redis down or unreachable: the sweep will find the rows
        _redis_down_until[redis_url] = time.monotonic() + 5
        log.warning("notify: events %s wait for the sweep (%s)", event_ids[:5], error)
        return False


# --- subscriptions ---------------------------------------------------------------------------------

def digest(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def clean_subscription(data) -> dict:
    """The browser's PushSubscription.toJSON(), checked; refuses what could never be sent to."""
    if not isinstance(data, dict):
        raise Invalid({"endpoint": "请提交浏览器的推送订阅（endpoint 与 keys）"})
    errors = {}
    endpoint = data.get("endpoint")
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT:
        errors["endpoint"] = "推送地址无效"
    elif refusal := subscription_refusal(endpoint, Policy.of(current_app.config)):
        errors["endpoint"] = refusal  # checked again at every send (endpoints.py)
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or len(p256dh) > 128 or not valid_client_key(p256dh):
        errors["keys.p256dh"] = "p256dh 密钥无效（应为 P-256 曲线上的 65 字节公钥）"
    if not isinstance(auth, str) or len(auth) > 48 or not valid_auth_secret(auth):
        errors["keys.auth"] = "auth 密钥无效（应为 16 字节）"
    if errors:
        raise Invalid(errors, "推送订阅无效")
    label = data.get("label")
    return {"endpoint": endpoint, "p256dh": p256dh.strip(), "auth": auth.strip(),
            "label": label.strip()[:120] if isinstance(label, str) and label.strip() else None}


def _require_push():
    if not push_enabled():
        raise ApiError(503, "push_disabled", "本系统尚未配置推送密钥（VAPID），通知仍会显示在消息中心")


def _upsert(owner_key: str, clean: dict, **owner) -> PushSubscription:
    row = db.session.scalar(select(PushSubscription).where(
        PushSubscription.endpoint_digest == digest(clean["endpoint"]), PushSubscription.owner_key == owner_key))
    now = utcnow()
    if row is None:
        row = PushSubscription(owner_key=owner_key, endpoint=clean["endpoint"],
                               endpoint_digest=digest(clean["endpoint"]), created_at=now, **owner)
        db.session.add(row)
    for key, value in owner.items():
        setattr(row, key, value)
    row.p256dh, row.auth = clean["p256dh"], clean["auth"]
    row.label = clean["label"] or row.label
    row.status, row.ended_at, row.last_error, row.updated_at = "active", None, None, now
    db.session.flush()
    return row


def _keep_newest(condition, limit: int) -> None:
    rows = db.session.scalars(select(PushSubscription).where(condition, PushSubscription.status == "active")
                              .order_by(PushSubscription.updated_at.desc(), PushSubscription.id.desc())).all()
    for row in rows[limit:]:
        _end(row, "removed", "设备过多，已停用最久未用的设备")


def subscribe_user(user, data, user_agent: str | None = None, session_id: str | None = None) -> PushSubscription:
    """This device, for this user. The same browser signed in as someone else moves to them; signing out
    of the session it was made in stops pushes to it (GET /api/v1/push/subscriptions shows it ended)."""
    _require_push()
    clean = clean_subscription(data)
    row = _upsert("user", clean, user_id=user.id, report_id=None, case_id=None,
                  session_digest=token_digest(session_id) if session_id else None)
    row.user_agent = (user_agent or "")[:255] or row.user_agent
    if not row.label:
        row.label = device_label(row.user_agent)
    _keep_newest((PushSubscription.user_id == user.id) & (PushSubscription.owner_key == "user"), MAX_DEVICES_PER_USER)
    return row


def subscribe_reporter(report, data, token: str, user_agent: str | None = None) -> PushSubscription:
    """A citizen's device, for the case of this one report (no account). Intake's tracking page calls
    this through POST /api/v1/track/<token>/subscribe."""
    _require_push()
    if report.case_id is None:
        raise ApiError(409, "no_case", "这条评价没有需要跟踪的办理进展")
    clean = clean_subscription(data)
    row = _upsert(f"report:{report.id}", clean, user_id=None, report_id=report.id, case_id=report.case_id)
    row.tracking_enc = encrypt_contact(token)
    row.user_agent = (user_agent or "")[:255] or row.user_agent
    row.label = row.label or device_label(row.user_agent)
    _keep_newest(PushSubscription.owner_key == f"report:{report.id}", MAX_DEVICES_PER_REPORT)
    return row


def unsubscribe_reporter(report, endpoint: str | None) -> int:
    if not isinstance(endpoint, str) or not endpoint:
        raise Invalid({"endpoint": "请提交要取消的推送地址"})
    rows = db.session.scalars(select(PushSubscription).where(
        PushSubscription.endpoint_digest == digest(endpoint), PushSubscription.owner_key == f"report:{report.id}",
        PushSubscription.status == "active")).all()
    for row in rows:
        _end(row, "removed")
    return len(rows)


def case_followed(case_id: int) -> bool:
    """Is any citizen's device subscribed to this case? (No event is written for nobody.)"""
    return db.session.scalar(select(PushSubscription.id).where(
        PushSubscription.case_id == case_id, PushSubscription.status == "active").limit(1)) is not None


def reports_following(case_id: int) -> list[int]:
    """The reports whose citizens' devices follow this case."""
    return list(db.session.scalars(select(PushSubscription.report_id).where(
        PushSubscription.case_id == case_id, PushSubscription.status == "active",
        PushSubscription.report_id.is_not(None)).distinct()))


def device_label(user_agent: str | None) -> str:
    ua = (user_agent or "").lower()
    system = next((name for key, name in (("iphone", "iPhone"), ("ipad", "iPad"), ("android", "Android"),
                                          ("windows", "Windows"), ("mac os", "Mac"), ("linux", "Linux"))
                   if key in ua), "设备")
    browser = next((name for key, name in (("micromessenger", "微信"), ("edg/", "Edge"), ("firefox", "Firefox"),
                                           ("chrome", "Chrome"), ("safari", "Safari")) if key in ua), "浏览器")
    return f"{system} · {browser}"


def _end(row: PushSubscription, status: str, reason: str | None = None) -> None:
    row.status, row.ended_at, row.updated_at = status, utcnow(), utcnow()
    if reason:
        row.last_error = reason[:255]
    db.session.execute(update(Delivery).where(Delivery.subscription_id == row.id,
                                              Delivery.status.in_(("pending", "retry")))
                       .values(status="skipped", last_error="设备已移除或失效")
                       .execution_options(synchronize_session=False))


def my_devices(user) -> list[PushSubscription]:
    return list(db.session.scalars(select(PushSubscription).where(
        PushSubscription.user_id == user.id, PushSubscription.owner_key == "user",
        PushSubscription.status != "removed").order_by(PushSubscription.id.desc())))


def remove_device(user, subscription_id: int) -> PushSubscription:
    row = db.session.scalar(select(PushSubscription).where(
        PushSubscription.id == subscription_id, PushSubscription.user_id == user.id,
        PushSubscription.owner_key == "user", PushSubscription.status != "removed"))
    if row is None:
        raise NotFound("设备")
    _end(row, "removed")
    return row


def device_view(row: PushSubscription) -> dict:
    return {"id": row.id, "label": row.label, "status": row.status, "push_service": row.origin,
            "created_at": iso_utc(row.created_at), "last_success_at": iso_utc(row.last_success_at),
            "last_failure_at": iso_utc(row.last_failure_at), "last_error": row.last_error,
            "ended_at": iso_utc(row.ended_at)}


# --- preferences -----------------------------------------------------------------------------------

# The topics each role can receive (what the preferences screen offers).
ROLE_TOPICS = {
    "handler": ["case_assigned", "case_deadline", "case_followup", "project_alerts", "recommendation"],
    "inspector": ["case_deadline", "case_feedback", "project_alerts", "recommendation"],
    "admin": ["case_deadline", "case_feedback", "project_alerts", "recommendation", "print_batch"],
    "enterprise": ["blocker"],
}


def preferences(user) -> list[dict]:
    chosen = dict(db.session.execute(select(NotificationPreference.topic, NotificationPreference.push)
                                     .where(NotificationPreference.user_id == user.id)).all())
    topics = ROLE_TOPICS.get(user.role, USER_TOPICS)
    return [{"topic": t, "label": TOPICS[t], "label_en": TOPICS_EN[t], "push": chosen.get(t, True)} for t in topics]


def set_preferences(user, data) -> list[dict]:
    """{"case_deadline": false, …} or {"items": [{"topic", "push"}]}: push a topic to my devices or not."""
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = {i.get("topic"): i.get("push") for i in data["items"] if isinstance(i, dict)}
    if not isinstance(data, dict) or not data:
        raise Invalid({"_": "请提交要修改的通知类别"})
    errors = {k: "未知的通知类别" for k in data if k not in USER_TOPICS}
    errors.update({k: "应为是或否" for k, v in data.items() if k in USER_TOPICS and not isinstance(v, bool)})
    if errors:
        raise Invalid(errors)
    rows = {r.topic: r for r in db.session.scalars(select(NotificationPreference)
                                                   .where(NotificationPreference.user_id == user.id))}
    for topic, push in data.items():
        row = rows.get(topic)
        if row is None:
            row = NotificationPreference(user_id=user.id, topic=topic)
            db.session.add(row)
        row.push, row.updated_at = push, utcnow()
    return preferences(user)


# --- the in-app centre -------------------------------------------------------------------------------

def mine(user):
    """A user's own notifications: personal records, so the owner is the whole rule."""
    return select(Notification).where(Notification.user_id == user.id)


def unread_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def notification_view(n: Notification) -> dict:
    return {"id": n.id, "kind": n.kind, "topic": n.topic, "title": n.title, "body": n.body, "url": n.url,
            "tag": n.tag, "created_at": iso_utc(n.created_at), "read_at": iso_utc(n.read_at),
            "read": n.read_at is not None}


def listing(user, unread_only: bool = False):
    statement = mine(user)
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    return statement.order_by(Notification.id.desc())


def mark_read(user, notification_id: int) -> Notification:
    n = db.session.scalar(mine(user).where(Notification.id == notification_id))
    if n is None:
        raise NotFound("通知")
    if n.read_at is None:
        n.read_at = utcnow()
    return n


def mark_all_read(user) -> int:
    result = db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                           Notification.read_at.is_(None))
                                .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0


def send_test(user, actor=None) -> OutboxEvent:
    event = emit("test", {"user_id": user.id})
    if actor is not None:
        audit.record(actor.id, "push_test", user)
    return event


# --- admins: what could not be delivered ------------------------------------------------------------

def _admin_sees(admin, payload: dict) -> bool:
    jurisdiction_id = (payload or {}).get("jurisdiction_id")
    if jurisdiction_id is not None:
        return is_visible(admin, Jurisdiction, jurisdiction_id)
    return admin.unit_id is None and admin.jurisdiction.parent_id is None  # events of no place: the top level


def parked_events(admin, limit: int = 500) -> list[OutboxEvent]:
    if admin.role != "admin":
        raise ApiError(403, "forbidden", "只有管理员可以查看未能投递的通知")
    rows = db.session.scalars(select(OutboxEvent).where(OutboxEvent.status == "parked")
                              .order_by(OutboxEvent.id.desc()).limit(limit)).all()
    return [e for e in rows if _admin_sees(admin, e.payload)]


def event_view(e: OutboxEvent) -> dict:
    return {"id": e.id, "kind": e.kind, "payload": e.payload, "status": e.status, "attempts": e.attempts,
            "error": e.error, "created_at": iso_utc(e.created_at), "processed_at": iso_utc(e.processed_at)}


def retry_parked(admin, event_id: int) -> OutboxEvent:
    event = next((e for e in parked_events(admin) if e.id == event_id), None)
    if event is None:
        raise NotFound("待处理事件")
    event.status, event.attempts, event.next_attempt_at, event.dispatched_at = "pending", 0, None, None
    audit.record(admin.id, "notify_retry", event, kind=event.kind)
    db.session.info.setdefault(SESSION_KEY, []).append(event.id)
    return event


def status_counts(admin) -> dict:
    if admin.role != "admin" or admin.unit_id is not None or admin.jurisdiction.parent_id is not None:
        raise ApiError(403, "forbidden", "只有市级管理员可以查看全市推送状态")
    events = dict(db.session.execute(select(OutboxEvent.status, func.count()).group_by(OutboxEvent.status)).all())
    deliveries = dict(db.session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
    devices = dict(db.session.execute(select(PushSubscription.status, func.count())
                                      .group_by(PushSubscription.status)).all())
    return {"events": events, "deliveries": deliveries, "devices": devices, "push_enabled": push_enabled()}
