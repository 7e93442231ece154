"""Notifications: an outbox of events written in the transaction that caused them; delivery later.

    OutboxEvent ──fan-out──▶ Notification (one per recipient: the in-app centre)
                                 └──▶ Delivery (one per device of that recipient: a Web Push)

An event is a row written with the change that caused it. A job turns it into notifications
(who should know, in Chinese) and deliveries (which devices to push to); other jobs send the
deliveries in batches. Unique keys make every step safe to repeat: one notification per event and
recipient, one delivery per notification and device, and a delivery is sent only from `pending`
or `retry`, claimed in a committed UPDATE before the request goes out.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jiandu.extensions import db
from jiandu.timeutil import utcnow

EVENT_STATES = ("pending", "done", "parked")
DELIVERY_STATES = (
    "pending",   # made by the fan-out, not yet sent
    "sending",   # claimed by a job (committed) just before the request goes out
    "sent",      # the push service took it (201)
    "retry",     # network error, 5xx or 429: again at next_attempt_at
    "dead",      # 404/410: the subscription is gone (and marked dead)
    "failed",    # refused for good (4xx), or out of attempts
    "skipped",   # the device was removed or died before its turn
    "unknown",   # a worker stopped between claiming and recording: never resent (no double alert)
)
SUBSCRIPTION_STATES = ("active", "dead", "removed")


class OutboxEvent(db.Model):
    """A cross-domain event (e.g. case.red), fanned out into notifications by a job after commit."""

    __tablename__ = "outbox_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(48), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # When a job for it was last put on the queue (the sweep leaves it alone for a while after).
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_outbox_events_pending", "dispatched_at", "id"),
        Index("ix_outbox_events_status", "status", "next_attempt_at"),
    )


class PushSubscription(db.Model):
    """A browser's push subscription: a signed-in user's device, or a citizen's device for one case.

    The endpoint is a capability URL (whoever has it can push to the device); it is kept as given and
    found by its SHA-256. `owner_key` is "user" for a staff device and "report:<id>" for a citizen's, so
    the same browser can follow several cases and also be someone's work phone."""

    __tablename__ = "push_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    owner_key: Mapped[str] = mapped_column(String(32))
    endpoint: Mapped[str] = mapped_column(Text)
    endpoint_digest: Mapped[str] = mapped_column(String(64))
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(48))
    # The sign-in it was made in: signing out (the session revoked) stops pushes to the device.
    session_digest: Mapped[str | None] = mapped_column(String(64))
    # A citizen's tracking token, encrypted like contact details, so a click opens /t/<token>.
    tracking_enc: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(String(120))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(12), default="active")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(255))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("endpoint_digest", "owner_key", name="uq_push_subscriptions_endpoint_owner"),
    )

    @property
    def origin(self) -> str:
        parts = urlsplit(self.endpoint)
        return f"{parts.scheme}://{parts.netloc}"


class Notification(db.Model):
    """One message for one recipient: a user (the in-app centre), or a citizen's report."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_events.id"), index=True)
    recipient_key: Mapped[str] = mapped_column(String(32))  # "u:<user id>" | "r:<report id>"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    kind: Mapped[str] = mapped_column(String(48))
    topic: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(255))
    tag: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("event_id", "recipient_key", name="uq_notifications_event_recipient"),
        Index("ix_notifications_user_unread", "user_id", "read_at", "id"),
    )


class Delivery(db.Model):
    """One notification to one device. Unique per (notification, device): a repeated job sends nothing twice."""

    __tablename__ = "push_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("push_subscriptions.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)  # the push service's HTTP status
    last_error: Mapped[str | None] = mapped_column(String(255))

    notification: Mapped[Notification] = relationship()
    subscription: Mapped[PushSubscription] = relationship()

    __table_args__ = (
        UniqueConstraint("notification_id", "subscription_id", name="uq_push_deliveries_notification_subscription"),
        Index("ix_push_deliveries_status", "status", "next_attempt_at"),
    )


class NotificationPreference(db.Model):
    """A user's choice per topic: push it to my devices or not (the in-app centre always keeps it)."""

    __tablename__ = "notification_preferences"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    topic: Mapped[str] = mapped_column(String(24))
    push: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "topic", name="uq_notification_preferences_user_topic"),)
