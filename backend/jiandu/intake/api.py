"""Intake's API: categories, submissions (idempotent), tracking, and the inspectors' view of reports."""
from __future__ import annotations

from flask import Response, current_app, request
from flask_smorest import Blueprint

from jiandu import apidoc
from jiandu.errors import NotFound, error_body
from jiandu.extensions import db
from jiandu import devices
from jiandu.intake import figures, limits, rating_tokens, service
from jiandu.intake.models import RATING_LEVELS, Report
from jiandu.intake.parse import submission_from_request
from jiandu.intake.schemas import (
    CategoryAdminSchema, CategoryCreateSchema, CategorySchema, CategoryUpdateSchema, ContactSchema, FeedbackIn,
    FigureArgs, RatingFiguresSchema, RatingTokenIn, RatingTokenSchema, ReasonSchema, ReportArgs,
    ReportCreatedSchema, ReportDetailSchema, ReportIn, ReportPage, SnippetSchema, TimelineSchema,
)
from jiandu.org import grants
from jiandu.org.auth import current_user, login_required
from jiandu.pagination import paginate
from jiandu.security import normalise_code
from jiandu.timeutil import iso_utc

blp = Blueprint("intake", __name__, url_prefix="/api/v1",
                description="Citizen reports and ratings (码上监督), tracking, and the inspectors' view")


@blp.errorhandler(limits.Limited)
def _too_many(error):
    seconds = error.retry_after
    body = error_body(429, "rate_limited", f"提交过于频繁，请在 {limits.wait_text(seconds)}后再试",
                      extra={"retry_after": seconds})
    response = current_app.json.response(body)
    response.status_code = 429
    response.headers["Retry-After"] = str(seconds)
    return response


# --- public ---------------------------------------------------------------------------------------

@blp.route("/report-categories", methods=["GET"])
@blp.response(200, CategorySchema(many=True))
def report_categories():
    """The kinds of problem a citizen can report: `[{"code", "name", "name_en"}]`."""
    if service.ensure_seeded():
        db.session.commit()
    return service.active_categories()


@blp.route("/rating-reasons", methods=["GET"])
@blp.response(200, ReasonSchema(many=True))
def rating_reasons():
    """Reasons offered with a rating: `good` for 1–3, `bad` (what went wrong) for 4–5."""
    if service.ensure_seeded():
        db.session.commit()
    return service.active_reasons()


@blp.route("/reports", methods=["POST"])
@limits.submission_limited
@blp.doc(**apidoc.body({"application/json": ReportIn, "multipart/form-data": ReportIn}),
         parameters=[{"in": "header", "name": "Idempotency-Key", "required": True, "schema": {"type": "string"},
                 "description": "made by the client when the form opens; a resend returns the first answer"}])
@blp.response(201, ReportCreatedSchema)
@blp.alt_response(400, description="no Idempotency-Key, or one too short to be random: `error.fields.idempotency_key`")
@blp.alt_response(409, description="the same Idempotency-Key was used with different content")
@blp.alt_response(422, description="a field is wrong: `error.fields` says which and why")
@blp.alt_response(429, description="too many submissions: `error.retry_after` seconds")
def create_report():
    """Send a rating or a report. A bad rating (4–5) or a report opens a case; the answer holds the tracking token.

    A rating needs a `rating_token` (from the landing page, or POST /rating-tokens). Reports and ratings
    have separate rate limits: ratings never use up what a report needs."""
    sub = submission_from_request("web" if request.headers.get(limits.DEVICE_HEADER) else "api",
                                  request.headers.get("Idempotency-Key"))
    outcome = service.submit(sub)
    headers = {limits.REPLAY_HEADER: "true"} if outcome.replayed else {}
    if outcome.body.get("tracking_url"):
        headers["Location"] = outcome.body["tracking_url"]
    return outcome.body, outcome.status, headers


@blp.route("/track/<token>", methods=["GET"])
@limits.tracking_limited
@blp.response(200, TimelineSchema)
def track(token):
    """The public-safe timeline of a report's case: states and public replies, nothing internal."""
    report = service.report_by_token(token)
    if report is None:
        raise NotFound("查询码对应的反映")
    return service.public_timeline(report, request.args.get("lang", "zh"))


@blp.route("/track/<token>/feedback", methods=["POST"])
@limits.tracking_limited
@blp.arguments(FeedbackIn)
@blp.response(200, TimelineSchema)
def track_feedback(data, token):
    """The reporter's answer to the return visit (回访): resolved? how satisfied (5 = 非常满意)? Once, after 核查."""
    report = service.report_by_token(token)
    if report is None:
        raise NotFound("查询码对应的反映")
    service.record_feedback(report, data)
    db.session.commit()
    return service.public_timeline(report, request.args.get("lang", "zh"))


@blp.route("/rating-tokens", methods=["POST"])
@limits.rating_token_limited
@blp.arguments(RatingTokenIn)
@blp.response(201, RatingTokenSchema)
@blp.alt_response(404, description="no active point has this code")
@blp.alt_response(429, description="too many tokens asked for from this address: `error.retry_after` seconds")
def new_rating_token(data):
    """A token for one rating of a point, for this device (a new device when the request shows none)."""
    code = normalise_code(data["point_code"])
    stamp = service.point_stamp(code)
    if stamp is None or not stamp[1]:
        raise NotFound("监督点位")
    device_id = devices.current()
    signed = devices.signed_form(device_id) if device_id else devices.issue()
    return {"rating_token": rating_tokens.issue(code, signed.split(".", 1)[0]), "device": signed,
            "point_code": code, "fresh_seconds": rating_tokens.fresh_seconds(),
            "grace_seconds": rating_tokens.grace_seconds()}


# --- categories, edited by admins ------------------------------------------------------------------

@blp.route("/report-categories/all", methods=["GET"])
@login_required
@blp.response(200, CategoryAdminSchema(many=True))
def all_categories():
    """Every category, inactive ones too (admins)."""
    service.require_role(current_user(), "admin")
    return service.all_categories()


@blp.route("/report-categories", methods=["POST"])
@login_required
@blp.arguments(CategoryCreateSchema)
@blp.response(201, CategoryAdminSchema)
def create_category(data):
    grants.require_top_admin(current_user(), "维护问题类型")  # the categories hold city-wide
    category = service.create_category(current_user(), data)
    db.session.commit()
    return category


@blp.route("/report-categories/<code>", methods=["PATCH"])
@login_required
@blp.arguments(CategoryUpdateSchema)
@blp.response(200, CategoryAdminSchema)
def update_category(data, code):
    grants.require_top_admin(current_user(), "维护问题类型")
    category = service.update_category(current_user(), code, data)
    db.session.commit()
    return category


# --- inspectors ---------------------------------------------------------------------------------------

def _point_brief(point) -> dict:
    return {"id": point.id, "code": point.code, "type": point.type, "name": point.name, "number": point.number,
            "hall": point.hall.name if point.hall else None, "label": service.point_label(point)}


def dump_report(report: Report, names: dict) -> dict:
    return {
        "id": report.id, "kind": report.kind, "rating": report.rating,
        "rating_label": RATING_LEVELS.get(report.rating),
        "reasons": [names["reasons"].get(c, c) for c in report.reason_codes],
        "category": report.category, "category_name": names["categories"].get(report.category),
        "description": report.description, "anonymous": report.anonymous, "has_contact": report.has_contact,
        "point": _point_brief(report.point), "department_id": report.department_id,
        "jurisdiction_id": report.jurisdiction_id, "case_id": report.case_id,
        "case_number": report.case.number if report.case else None,
        "case_state": report.case.state if report.case else None, "channel": report.channel,
        "origin_site": report.origin_site, "photo_count": len(report.photos),
        "feedback": service.feedback_view(report), "created_at": iso_utc(report.created_at),
    }


@blp.route("/reports", methods=["GET"])
@login_required
@blp.arguments(ReportArgs, location="query")
@blp.response(200, ReportPage)
def list_reports(args):
    """Reports and ratings in the caller's scope, newest first (inspectors and admins)."""
    page, per_page = args.pop("page"), args.pop("per_page")
    statement = service.reports_query(current_user(), service.ReportFilters(**args))
    result = paginate(statement, page, per_page)
    names = service.labels()
    result["items"] = [dump_report(r, names) for r in result["items"]]
    return result


@blp.route("/ratings/figures", methods=["GET"])
@login_required
@blp.arguments(FigureArgs, location="query")
@blp.response(200, RatingFiguresSchema)
def rating_figures(args):
    """好差评 per point over a period (local days), in the caller's scope; flagged points first, with why."""
    when = figures.period(args.get("since"), args.get("until"))
    limits_now = figures.thresholds(current_app.config)
    found = figures.figures(current_user(), when, limits_now, args.get("point_id"))
    page, per_page = args["page"], args["per_page"]
    items = found[(page - 1) * per_page:page * per_page]
    return {"since": when.since, "until": when.until, "thresholds": limits_now, "total": len(found), "page": page,
            "per_page": per_page, "items": [{**item, "point": _point_brief(item["point"])} for item in items]}


@blp.route("/reports/<int:report_id>", methods=["GET"])
@login_required
@blp.response(200, ReportDetailSchema)
def get_report(report_id):
    """One report with its photos; of the contact only whether there is one (reveal it with /contact, logged)."""
    user = current_user()
    report = service.get_report(user, report_id)
    body = dump_report(report, service.labels())
    body["photos"] = [{"id": p.id, "url": f"/api/v1/reports/{report.id}/photos/{p.id}", "width": p.width,
                       "height": p.height, "size": p.size} for p in report.photos]
    body["origin_page"] = report.origin_page
    body["can_reveal_contact"] = report.has_contact and user.role in service.CONTACT_ROLES
    return body


@blp.route("/reports/<int:report_id>/contact", methods=["GET"])
@login_required
@blp.response(200, ContactSchema)
def reveal_contact(report_id):
    """The reporter's name and phone, for inspectors and admins only; every read is an audit event."""
    contact = service.reveal_contact(current_user(), report_id)
    db.session.commit()
    return contact


@blp.route("/reports/<int:report_id>/photos/<int:photo_id>", methods=["GET"])
@blp.doc(**apidoc.binary_answer("the photo (JPEG, metadata stripped)", "image/jpeg"))
@login_required
def report_photo(report_id, photo_id):
    """A photo's bytes (JPEG, metadata stripped)."""
    photo, data = service.photo_of(current_user(), report_id, photo_id)
    response = Response(data, mimetype=photo.content_type)
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


@blp.route("/points/<int:point_id>/embed-snippet", methods=["GET"])
@login_required
@blp.response(200, SnippetSchema)
def embed_snippet(point_id):
    """The `<script>` a website point puts on its pages to show the 我要监督 button."""
    return service.embed_snippet_for(current_user(), point_id, current_app.config["PUBLIC_BASE_URL"])
