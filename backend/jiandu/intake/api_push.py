"""A citizen's device follows the case of their report: subscribe and unsubscribe by tracking token.
Routes of intake's blueprint (the tracking page is intake's); the devices are notify's to keep."""
from __future__ import annotations

from flask import request

from jiandu import apidoc
from jiandu.errors import NotFound, json_object
from jiandu.extensions import db, limiter
from jiandu.intake.api import blp
from jiandu.intake.service import report_by_token
from jiandu.notify import service as notify_service
from jiandu.notify.schemas import PushSubscriptionIn, TrackSubscribed, TrackUnsubscribed, TrackUnsubscribeIn
from jiandu.ratelimit import device_key


def _report(token: str):
    report = report_by_token(token)
    if report is None:
        raise NotFound("查询码对应的反映")
    return report


@blp.route("/track/<token>/subscribe", methods=["POST"])
@blp.doc(**apidoc.json_body(PushSubscriptionIn))
@blp.alt_response(201, schema=TrackSubscribed, description="this device will be told when the case moves")
@limiter.limit("20 per hour", key_func=device_key)
def track_subscribe(token):
    """A citizen's device, told when this case moves (no account; only this case)."""
    report = _report(token)
    row = notify_service.subscribe_reporter(report, json_object(), token, request.headers.get("User-Agent"))
    db.session.commit()
    return {"subscribed": True, "id": row.id}, 201


@blp.route("/track/<token>/unsubscribe", methods=["POST"])
@blp.doc(**apidoc.json_body(TrackUnsubscribeIn))
@blp.alt_response(200, schema=TrackUnsubscribed, description="how many subscriptions were ended")
@limiter.limit("20 per hour", key_func=device_key)
def track_unsubscribe(token):
    """A citizen's device stops following the case."""
    report = _report(token)
    removed = notify_service.unsubscribe_reporter(report, json_object().get("endpoint"))
    db.session.commit()
    return {"removed": removed}
