"""Routes of fieldwork: checklists, tasks and their ledger, visits, the sync protocol, resumable uploads.
Thin: parse, call the service, dump."""
from __future__ import annotations

import io
import json
from datetime import date

from flask import Response, request, send_file
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from webargs.flaskparser import FlaskParser

from jiandu import apidoc
from jiandu.errors import ApiError, Invalid
from jiandu.extensions import db
from jiandu.fieldwork import ledger, service, sync
from jiandu.fieldwork.bodies import (
    AnswerCaseBody, ChecklistIssueBody, ChecklistTemplateBody, FieldVisitBody, SyncPushBody,
)
from jiandu.fieldwork.models import ChecklistTemplate, Visit
from jiandu.fieldwork.schemas import (
    ChecklistIssueResult, ChecklistLedgerPage, ChecklistTaskDetail, ChecklistTemplatePage, ChecklistTemplateView,
    FieldVisitDetail, FieldVisitPage, FieldVisitView, FindingCreated, SyncPullResult, SyncPushResult, UploadState,
    VisitKindList,
)
from jiandu.files import uploads
from jiandu.org.auth import current_user, login_required
from jiandu.org.scope import get_visible, visible
from jiandu.pagination import MAX_PER_PAGE, paginate


class _Parser(FlaskParser):
    """A body that is not JSON at all is refused like one that is not an object: a 422 in Chinese."""

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        raise Invalid({"_": "请求体应为 JSON 对象"})


class _Blueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()


blp = _Blueprint("fieldwork", __name__, url_prefix="/api/v1",
                description="Fieldwork: checklists (清单监督), visits, offline sync and resumable uploads")


# --- checklist templates ----------------------------------------------------------------------------

@blp.route("/checklist-templates", methods=["GET"])
@blp.response(200, ChecklistTemplatePage, description="a page of checklists (`all=1`: old versions too)")
@login_required
def list_templates():
    """The checklists the caller may see, current versions only unless `all=1`, newest first."""
    user = current_user()
    stmt = service.templates_for(user)
    if request.args.get("all") != "1":
        stmt = stmt.where(ChecklistTemplate.current)
    result = paginate(stmt.order_by(ChecklistTemplate.id.desc()), request.args.get("page", 1, type=int),
                      min(request.args.get("per_page", 50, type=int), MAX_PER_PAGE))
    result["items"] = [service.template_view(t) for t in result["items"]]
    return result


@blp.route("/checklist-templates", methods=["POST"])
@blp.arguments(ChecklistTemplateBody)
@blp.response(201, ChecklistTemplateView, description="version 1 of a new checklist")
@login_required
def create_template(body):
    """Turn a recurring problem into a checklist (inspectors and admins)."""
    template = service.create_template(current_user(), body)
    db.session.commit()
    return service.template_view(template)


@blp.route("/checklist-templates/<int:template_id>", methods=["GET"])
@blp.response(200, ChecklistTemplateView, description="the checklist version with its items")
@login_required
def get_template(template_id):
    """One version of a checklist, with its items."""
    return service.template_view(service.get_template(current_user(), template_id))


@blp.route("/checklist-templates/<int:template_id>/versions", methods=["POST"])
@blp.arguments(ChecklistTemplateBody)
@blp.response(201, ChecklistTemplateView, description="the new version, now the current one")
@login_required
def new_version(body, template_id):
    """A changed checklist as a new version; tasks and answers keep theirs."""
    template = service.new_version(current_user(), template_id, body)
    db.session.commit()
    return service.template_view(template)


# --- tasks and the ledger (台账) ------------------------------------------------------------------------

class LedgerArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))
    state = fields.String(validate=validate.OneOf(list(ledger.STATE_LABELS)))
    warning = fields.String(validate=validate.OneOf(("none", "yellow", "red")))
    overdue = fields.Boolean()
    template_id = fields.Integer()
    template_code = fields.String(validate=validate.Length(max=32))
    batch = fields.String(validate=validate.Length(max=32))


@blp.route("/checklist-tasks", methods=["POST"])
@blp.arguments(ChecklistIssueBody)
@blp.response(201, ChecklistIssueResult, description="one task per target, in one batch")
@login_required
def issue_tasks(body):
    """Issue a checklist to units or points with a deadline in working days (举一反三)."""
    tasks = service.issue_tasks(current_user(), body)
    db.session.commit()
    return {"batch": tasks[0].batch, "count": len(tasks), "items": [service.task_view(t) for t in tasks]}


@blp.route("/checklist-tasks", methods=["GET"])
@blp.response(200, ChecklistLedgerPage, description="a page of the ledger, with counts")
@login_required
@blp.arguments(LedgerArgs, location="query")
def list_tasks(args):
    """The checklist ledger (清单台账): the tasks the caller may see, soonest deadline first."""
    return ledger.page(current_user(), args)


@blp.route("/checklist-tasks/export.xlsx", methods=["GET"])
@blp.doc(**apidoc.binary_answer("the filtered ledger as an Excel workbook",
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
@login_required
@blp.arguments(LedgerArgs, location="query")
def export_tasks(args):
    """The filtered ledger as .xlsx (the same filters as the list)."""
    content = ledger.export_xlsx(current_user(), args)
    return send_file(io.BytesIO(content), as_attachment=True, download_name=f"清单台账-{date.today():%Y%m%d}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@blp.route("/checklist-tasks/<int:task_id>", methods=["GET"])
@blp.response(200, ChecklistTaskDetail, description="the task, its checklist and its answer sets")
@login_required
def get_task(task_id):
    """One task with its checklist version and every answer set."""
    return ledger.task_detail(current_user(), task_id)


@blp.route("/checklist-answers/<int:answer_id>/case", methods=["POST"])
@blp.arguments(AnswerCaseBody)
@blp.response(201, FindingCreated, description="the finding, its report and its case")
@blp.alt_response(200, schema=FindingCreated, description="the same `id` again: the first answer, nothing new")
@login_required
def answer_to_case(body, answer_id):
    """A "no" becomes a case in one tap (online). Body: {"id": client UUID, "description", "category"}."""
    key = body.get("id")
    result = sync.push(current_user(), [{"id": key, "op": "finding.create",
                                         "body": {"answer_id": answer_id, "description": body.get("description"),
                                                  "category": body.get("category"),
                                                  "photos": body.get("photos") or []}}])["results"][0]
    if result["status"] in ("applied", "duplicate"):
        return result["result"], 201 if result["status"] == "applied" else 200
    raise ApiError(result.get("http_status", 409), result.get("code"), result.get("message"), result.get("fields"))


# --- visits -----------------------------------------------------------------------------------------------

@blp.route("/visit-kinds", methods=["GET"])
@blp.response(200, VisitKindList, description="the active kinds of visit")
@login_required
def list_visit_kinds():
    """The kinds of field visit (大走访, 体验式监督…)."""
    kinds = service.visit_kinds()
    db.session.commit()
    return {"items": kinds}


@blp.route("/visits", methods=["GET"])
@blp.response(200, FieldVisitPage, description="a page of visits")
@login_required
def list_visits():
    """My visits (`all=1`: every visit in scope; `state` filters), newest first."""
    user = current_user()
    stmt = visible(user, Visit) if request.args.get("all") == "1" else service.my_visits(user)
    if request.args.get("state"):
        stmt = stmt.where(Visit.state == request.args["state"])
    result = paginate(stmt.order_by(Visit.id.desc()), request.args.get("page", 1, type=int),
                      min(request.args.get("per_page", 50, type=int), MAX_PER_PAGE))
    result["items"] = [service.visit_view(v) for v in result["items"]]
    return result


@blp.route("/visits", methods=["POST"])
@blp.arguments(FieldVisitBody)
@blp.response(201, FieldVisitView, description="the planned visit")
@login_required
def plan_visit(body):
    """Plan a visit to a point or a project, for oneself or another inspector in scope."""
    visit = service.plan_visit(current_user(), body)
    db.session.commit()
    return service.visit_view(visit)


@blp.route("/visits/<int:visit_id>", methods=["GET"])
@blp.response(200, FieldVisitDetail, description="the visit with its records, answers and findings")
@login_required
def get_visit(visit_id):
    """One visit with what was recorded, answered and found on it."""
    user = current_user()
    return service.visit_view(get_visible(user, Visit, visit_id, "走访"), detail=True, viewer=user)


# --- the sync protocol ------------------------------------------------------------------------------------

@blp.route("/sync/push", methods=["POST"])
@blp.arguments(SyncPushBody)
@blp.alt_response(200, schema=SyncPushResult, description="one answer per write, and the batch's counts")
@login_required
def sync_push(body):
    """{"device": "...", "writes": [{"id": UUID, "op": "...", "body": {...}}…]} → one answer per write."""
    return sync.push(current_user(), body.get("writes"), device=body.get("device"))


@blp.route("/sync/pull", methods=["GET"])
@blp.doc(parameters=[{"in": "query", "name": "since", "required": False, "schema": {"type": "string"},
                      "description": "the cursor of the last pull; none: everything needed offline"}])
@blp.alt_response(200, schema=SyncPullResult, description="what changed since the cursor, and the next cursor")
@login_required
def sync_pull():
    """What changed for the caller since a cursor (no cursor: everything a device needs offline)."""
    return sync.pull(current_user(), request.args.get("since"))


# --- resumable uploads --------------------------------------------------------------------------------------

def _status_response(status: uploads.Status, code: int = 200) -> Response:
    response = Response(None if request.method == "HEAD" else _dumps(status.view()), status=code,
                        mimetype="application/json")
    response.headers["Upload-Offset"] = str(status.received)
    response.headers["Upload-Length"] = str(status.size)
    if status.received:
        response.headers["Range"] = f"bytes=0-{status.received - 1}"
    return response


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


# HEAD comes with GET (werkzeug adds it to every GET rule): named here too, the document would promise
# HEAD the JSON body it never has.
@blp.route("/uploads/<uuid>", methods=["GET"])
@blp.alt_response(200, schema=UploadState, description="how many bytes the server holds (also in Upload-Offset)")
@login_required
def upload_status(uuid):
    """Where an upload stands (HEAD: the same headers, no body); a client cut off asks, then sends the rest."""
    return _status_response(uploads.status(current_user(), uuid))


@blp.route("/uploads/<uuid>", methods=["PUT"])
@blp.doc(**apidoc.body({"application/octet-stream": apidoc.BINARY}),
         parameters=[{"in": "header", "name": "Content-Range", "required": True, "schema": {"type": "string"},
                 "description": "`bytes a-b/total`: where this piece goes, and the photo's total length"}])
@blp.alt_response(200, schema=UploadState, description="how many bytes the server holds now")
@blp.alt_response(409, schema=UploadState,
                  description="the piece starts past what the server holds: resend from `received`")
@blp.alt_response(403, description="`upload_forbidden`: the user's role may not upload (UPLOAD_QUOTAS)")
@blp.alt_response(429, description="`upload_quota_open` / `upload_quota_bytes`: a new upload would take the user "
                                   "past their unfinished photos or bytes; room comes back as photos are used")
@login_required
def upload_chunk(uuid):
    """Content-Range: bytes a-b/total; answers how many bytes the server holds now."""
    length = request.content_length
    if length is None:  # no Content-Length (chunked transfer): read it all, then check
        body = request.get_data(cache=False)
        length, source = len(body), body
    else:
        source = request.stream  # kept piece by piece as it arrives: a cut connection loses nothing
    start, total = uploads.parse_range(request.headers.get("Content-Range"), length)
    try:
        status = uploads.receive(current_user(), uuid, start, total, source)
    except ApiError as error:
        if error.code == "range_gap":  # what the server holds, so that the client resends from there
            return _status_response(uploads.Status(uuid, total, error.extra["received"], "receiving"), 409)
        raise
    return _status_response(status)


@blp.route("/uploads/<uuid>/content", methods=["GET"])
@blp.doc(**apidoc.binary_answer("the checked photo, re-encoded without metadata", "image/jpeg"))
@login_required
def upload_content(uuid):
    """A checked photo's bytes (once it has been used by a write)."""
    row, data = uploads.content(current_user(), uuid)
    response = Response(data, mimetype=row.content_type)
    return response
