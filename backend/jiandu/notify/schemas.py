"""Shapes of notify's API for the OpenAPI document: push key and devices, preferences, the in-app centre,
a citizen's one-case subscription, delivery failures. The routes build their JSON by hand; these only
describe it."""
from marshmallow import INCLUDE, Schema, fields, validate

from jiandu.notify.models import EVENT_STATES, SUBSCRIPTION_STATES


class PushPublicKey(Schema):
    public_key = fields.String(required=True, allow_none=True,
                               metadata={"description": "VAPID public key (base64url); null when push is off"})
    enabled = fields.Boolean(required=True)


class PushKeysIn(Schema):
    p256dh = fields.String(required=True, validate=validate.Length(max=128))
    auth = fields.String(required=True, validate=validate.Length(max=48))


class PushSubscriptionIn(Schema):
    """The browser's `PushSubscription.toJSON()`; other keys it holds are ignored."""

    class Meta:
        unknown = INCLUDE

    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=1024),
                             metadata={"description": "the push service's https address"})
    keys = fields.Nested(PushKeysIn, required=True)
    expirationTime = fields.Raw(allow_none=True, metadata={"description": "as the browser gives it; unused"})
    label = fields.String(allow_none=True, validate=validate.Length(max=120),
                          metadata={"description": "a name for the device; default: from its User-Agent"})


class PushSubscriptionView(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, metadata={"enum": list(SUBSCRIPTION_STATES)})
    push_service = fields.String(required=True, metadata={"description": "the endpoint's origin"})
    created_at = fields.DateTime(required=True)
    last_success_at = fields.DateTime(required=True, allow_none=True)
    last_failure_at = fields.DateTime(required=True, allow_none=True)
    last_error = fields.String(required=True, allow_none=True)
    ended_at = fields.DateTime(required=True, allow_none=True)


class PushSubscriptionList(Schema):
    items = fields.List(fields.Nested(PushSubscriptionView), required=True)


class PushTestQueued(Schema):
    queued = fields.Boolean(required=True)


class NotificationPreferenceView(Schema):
    topic = fields.String(required=True)
    label = fields.String(required=True)
    label_en = fields.String(required=True)
    push = fields.Boolean(required=True, metadata={"description": "pushed to my devices (the centre keeps it anyway)"})


class NotificationPreferenceList(Schema):
    items = fields.List(fields.Nested(NotificationPreferenceView), required=True)


class NotificationPreferenceItemIn(Schema):
    topic = fields.String(required=True)
    push = fields.Boolean(required=True)


class NotificationPreferencesIn(Schema):
    items = fields.List(fields.Nested(NotificationPreferenceItemIn), required=True)


# PUT /notifications/preferences takes either {"items": [{"topic", "push"}]} or {"<topic>": true|false, …}.
PREFERENCES_BODY = {"oneOf": [
    NotificationPreferencesIn,
    {"type": "object", "additionalProperties": {"type": "boolean"}, "description": "topic → push or not"},
]}


class NotificationView(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "the event that caused it"})
    topic = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    url = fields.String(required=True, allow_none=True, metadata={"description": "where a click leads"})
    tag = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(required=True, allow_none=True)
    read = fields.Boolean(required=True)


class NotificationPage(Schema):
    items = fields.List(fields.Nested(NotificationView), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    unread = fields.Integer(required=True, metadata={"description": "all my unread notifications"})


class NotificationRead(NotificationView):
    unread = fields.Integer(required=True, metadata={"description": "unread left"})


class NotificationUnreadCount(Schema):
    unread = fields.Integer(required=True)


class NotificationsReadAll(Schema):
    updated = fields.Integer(required=True, metadata={"description": "how many were marked read"})
    unread = fields.Integer(required=True)


class TrackSubscribed(Schema):
    subscribed = fields.Boolean(required=True)
    id = fields.Integer(required=True)


class TrackUnsubscribeIn(Schema):
    endpoint = fields.String(required=True, metadata={"description": "the push address to forget"})


class TrackUnsubscribed(Schema):
    removed = fields.Integer(required=True, metadata={"description": "subscriptions ended (0 when none was active)"})


class NotifyEventView(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    payload = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
    status = fields.String(required=True, metadata={"enum": list(EVENT_STATES)})
    attempts = fields.Integer(required=True)
    error = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    processed_at = fields.DateTime(required=True, allow_none=True)


class NotifyEventList(Schema):
    items = fields.List(fields.Nested(NotifyEventView), required=True)


class NotifyStatus(Schema):
    events = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                         metadata={"description": "outbox events by status"})
    deliveries = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                             metadata={"description": "pushes by status"})
    devices = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                          metadata={"description": "push subscriptions by status"})
    push_enabled = fields.Boolean(required=True)
