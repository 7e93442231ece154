"""Routes of notify: the VAPID public key, devices, choices, the in-app centre, and what admins need
to see when delivery fails. Thin: parse, call the service, dump. (A citizen's one-case subscription
is a route of intake's, intake/api_push.py.)"""
from __future__ import annotations

from flask import g, request, session
from flask_smorest import Blueprint

from jiandu import apidoc
from jiandu.errors import json_object
from jiandu.extensions import db
from jiandu.notify import service
from jiandu.notify.keys import vapid_keys
from jiandu.notify.schemas import (
    PREFERENCES_BODY, NotificationPage, NotificationPreferenceList, NotificationRead, NotificationsReadAll,
    NotificationUnreadCount, NotifyEventList, NotifyEventView, NotifyStatus, PushPublicKey, PushSubscriptionIn,
    PushSubscriptionList, PushSubscriptionView, PushTestQueued,
)
from jiandu.org.auth import current_user, login_required
from jiandu.pagination import MAX_PER_PAGE, paginate

blp = Blueprint("notify", __name__, url_prefix="/api/v1",
                description="Notifications: Web Push devices, preferences, the in-app centre")


# --- push: key and devices ------------------------------------------------------------------------------

@blp.route("/push/public-key", methods=["GET"])
@blp.alt_response(200, schema=PushPublicKey, description="the key, or null when push is off")
def public_key():
    """The VAPID public key, for `pushManager.subscribe({applicationServerKey})`; null when push is off."""
    public, _private = vapid_keys()
    return {"public_key": public, "enabled": public is not None}


@blp.route("/push/subscriptions", methods=["POST"])
@blp.doc(**apidoc.json_body(PushSubscriptionIn))
@blp.alt_response(201, schema=PushSubscriptionView, description="this device, subscribed (or refreshed)")
@login_required
def subscribe():
    """This device: the browser's `PushSubscription.toJSON()` (+ optional "label"). Again = refreshed."""
    row = service.subscribe_user(current_user(), json_object(), request.headers.get("User-Agent"),
                                 session.get("sid") if g.get("auth") == "session" else None)
    db.session.commit()
    return service.device_view(row), 201


@blp.route("/push/subscriptions", methods=["GET"])
@blp.alt_response(200, schema=PushSubscriptionList, description="my devices")
@login_required
def devices():
    """My devices (active, and the ones whose subscription died), newest first."""
    return {"items": [service.device_view(r) for r in service.my_devices(current_user())]}


@blp.route("/push/subscriptions/<int:subscription_id>", methods=["DELETE"])
@blp.alt_response(204, description="the device gets no more pushes")
@login_required
def remove_device(subscription_id):
    """Forget one of my devices: no more pushes to it."""
    service.remove_device(current_user(), subscription_id)
    db.session.commit()
    return "", 204


@blp.route("/push/test", methods=["POST"])
@blp.doc(**apidoc.NO_BODY)
@blp.alt_response(202, schema=PushTestQueued, description="the test notification is on its way")
@login_required
def push_test():
    """A test notification to myself (all my devices, and the centre)."""
    user = current_user()
    service.send_test(user, user)
    db.session.commit()
    return {"queued": True}, 202


# --- preferences ---------------------------------------------------------------------------------------

@blp.route("/notifications/preferences", methods=["GET"])
@blp.alt_response(200, schema=NotificationPreferenceList, description="my choice for each topic of my role")
@login_required
def get_preferences():
    """Per topic: push to my devices or not. The in-app centre keeps every notification either way."""
    return {"items": service.preferences(current_user())}


@blp.route("/notifications/preferences", methods=["PUT"])
@blp.doc(**apidoc.json_body(PREFERENCES_BODY))
@blp.alt_response(200, schema=NotificationPreferenceList, description="every topic, as now chosen")
@login_required
def put_preferences():
    """Push a topic to my devices or not: {"items": [{"topic", "push"}]} or {"<topic>": true|false}."""
    items = service.set_preferences(current_user(), json_object())
    db.session.commit()
    return {"items": items}


# --- the in-app centre -------------------------------------------------------------------------------------

@blp.route("/notifications", methods=["GET"])
@blp.alt_response(200, schema=NotificationPage, description="a page of my notifications, and my unread count")
@login_required
def list_notifications():
    """Mine, newest first: {"items", "total", "page", "per_page", "unread"}; `?unread=1` for unread only."""
    user = current_user()
    page = paginate(service.listing(user, request.args.get("unread") in ("1", "true")),
                    max(1, request.args.get("page", 1, type=int)),
                    min(max(1, request.args.get("per_page", 30, type=int)), MAX_PER_PAGE))
    page["items"] = [service.notification_view(n) for n in page["items"]]
    page["unread"] = service.unread_count(user)
    return page


@blp.route("/notifications/unread-count", methods=["GET"])
@blp.alt_response(200, schema=NotificationUnreadCount, description="how many of mine are unread")
@login_required
def unread_count():
    """How many of my notifications are unread (the badge)."""
    return {"unread": service.unread_count(current_user())}


@blp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@blp.doc(**apidoc.NO_BODY)
@blp.alt_response(200, schema=NotificationRead, description="the notification, read, and the unread left")
@login_required
def mark_read(notification_id):
    """Mark one of my notifications read."""
    user = current_user()
    n = service.mark_read(user, notification_id)
    db.session.commit()
    return {**service.notification_view(n), "unread": service.unread_count(user)}


@blp.route("/notifications/read-all", methods=["POST"])
@blp.doc(**apidoc.NO_BODY)
@blp.alt_response(200, schema=NotificationsReadAll, description="how many were marked read")
@login_required
def mark_all_read():
    """Mark all my notifications read."""
    user = current_user()
    updated = service.mark_all_read(user)
    db.session.commit()
    return {"updated": updated, "unread": 0}


# --- admins ------------------------------------------------------------------------------------------------------

@blp.route("/notify/parked", methods=["GET"])
@blp.alt_response(200, schema=NotifyEventList, description="parked events the admin may see, newest first")
@login_required
def parked():
    """Events that could not be turned into notifications after the last retry, with their error."""
    return {"items": [service.event_view(e) for e in service.parked_events(current_user())]}


@blp.route("/notify/parked/<int:event_id>/retry", methods=["POST"])
@blp.doc(**apidoc.NO_BODY)
@blp.alt_response(200, schema=NotifyEventView, description="the event, pending again")
@login_required
def retry_parked(event_id):
    """Try a parked event again from the start (admins)."""
    event = service.retry_parked(current_user(), event_id)
    db.session.commit()
    return service.event_view(event)


@blp.route("/notify/status", methods=["GET"])
@blp.alt_response(200, schema=NotifyStatus, description="counts by status")
@login_required
def status():
    """Counts of events, deliveries and devices by state (city admins)."""
    return service.status_counts(current_user())
