"""Routes of the closed loop and the ledger: thin — parse, call the service, dump."""
from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

from flask import request, send_file
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from webargs.fields import DelimitedList

from jiandu import apidoc
from jiandu.cases import attachment_limit
from jiandu.cases import figures as case_figures
from jiandu.cases import api_recommendations, api_rules  # noqa: F401  (their routes join the blueprint)
from jiandu.cases import bodies, labels, ledger, service
from jiandu.cases import schemas as doc
from jiandu.cases.blueprint import blp
from jiandu.cases.models import CASE_TYPES, CHANNELS, STATES, Case, CaseAttachment
from jiandu.errors import ApiError, Conflict, Invalid, NotFound
from jiandu.extensions import db
from jiandu.files.photos import PhotoRejected, clean_photo, storage
from jiandu.org.auth import current_user, login_required
from jiandu.org.models import User
from jiandu.org.scope import is_supervised
from jiandu.pagination import MAX_PER_PAGE
from jiandu.timeutil import iso_utc


class LedgerArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))
    jurisdiction = fields.Integer()
    state = DelimitedList(fields.String(validate=validate.OneOf(STATES)))
    warning = fields.String(validate=validate.OneOf(("none", "yellow", "red")))
    category = fields.String()
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    case_type = fields.String(validate=validate.OneOf(CASE_TYPES))
    point = fields.Integer()
    hall = fields.Integer()
    department = fields.Integer()
    date_from = fields.Date()
    date_to = fields.Date()
    overdue = fields.Boolean()
    open = fields.Boolean()
    q = fields.String(validate=validate.Length(max=100))
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(
        [f"{sign}{name}" for name in ledger.SORTS for sign in ("", "-")]))


class FigureArgs(Schema):
    from_ = fields.Date(data_key="from", required=True)
    to = fields.Date(required=True)
    jurisdiction = fields.Integer()


def _commit_or_conflict(case: Case | None = None, work=None):
    """Do the work and commit; when another request won the race (UPDATE … WHERE version), answer 409
    with the state now."""
    try:
        if work is not None:
            work()
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        current = db.session.get(Case, case.id) if case is not None else None
        raise Conflict("案件已被他人处理，请查看最新状态后再操作", code="stale_version",
                       extra={"state": current.state, "version": current.version} if current else {})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the ledger -------------------------------------------------------------------------------------

@blp.route("/cases", methods=["GET"])
@blp.alt_response(200, schema=doc.CaseLedgerPage, description="a page of the ledger, with per-state counts")
@login_required
@blp.arguments(LedgerArgs, location="query")
def list_cases(args):
    """台账: filtered, sorted, paginated, with per-state counts under the same filters."""
    return ledger.page(current_user(), args)


@blp.route("/cases/export.xlsx", methods=["GET"])
@blp.doc(**apidoc.binary_answer("the filtered ledger (every page, up to 100 000 cases) as an Excel file", XLSX))
@login_required
@blp.arguments(LedgerArgs, location="query")
def export_cases(args):
    """The ledger under the same filters and sort, as .xlsx (Chinese headers, times in Asia/Shanghai)."""
    content = ledger.export_xlsx(current_user(), args)
    name = f"案件台账-{date.today():%Y%m%d}.xlsx"
    return send_file(io.BytesIO(content), as_attachment=True, download_name=name, mimetype=XLSX)


@blp.route("/cases/figures", methods=["GET"])
@blp.alt_response(200, schema=doc.CaseFigures, description="the figures of the period (FIGURES.md)")
@login_required
@blp.arguments(FigureArgs, location="query")
def get_figures(args):
    """Case figures for [from, to] (Asia/Shanghai days) over the cases the user may see."""
    if args["to"] < args["from_"]:
        raise Invalid({"to": "结束日期不能早于开始日期"})
    return case_figures.figures(current_user(), args["from_"], args["to"], args.get("jurisdiction"))


@blp.route("/cases/meta", methods=["GET"])
@blp.alt_response(200, schema=doc.CaseMeta, description="labels and choices")
@login_required
def meta():
    """Labels for the PWA: states, moves (with their required fields), types, channels."""
    return {
        "states": [{"key": k, "label": service.STATE_LABELS[k]} for k in STATES],
        "actions": [{"key": m.name, "label": m.label, "from": list(m.sources), "roles": list(m.roles),
                     "required": list(m.required)} for m in service.MOVES.values()],
        "case_types": [{"key": k, "label": service.CASE_TYPE_LABELS[k]} for k in CASE_TYPES],
        "channels": [{"key": k, "label": ledger.CHANNEL_LABELS.get(k, k)} for k in CHANNELS],
        "satisfaction": [{"key": k, "label": v} for k, v in service.SATISFACTION_LABELS.items()],
        "severities": [{"key": k, "label": v} for k, v in ledger.SEVERITY_LABELS.items()],
        "categories": labels.categories(),
    }


# --- one case --------------------------------------------------------------------------------------

def _actor_name(event, names):
    if event.actor_kind == "reporter":
        return "群众"
    if event.actor_kind == "system" or event.actor_id is None:
        return "系统"
    return names.get(event.actor_id, "")


def _note_for(event, supervised: bool) -> str | None:
    """The citizen's own words (their return-visit comment) are for the commission: they can tell the
    department who complained."""
    return None if supervised and event.actor_kind == "reporter" else event.note


def case_view(user: User, case: Case) -> dict:
    """A case for staff. Reporter identity lives in intake's report and never leaves this module."""
    view = ledger.item(case)
    supervised = is_supervised(user)
    actor_ids = {e.actor_id for e in case.events if e.actor_id}
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(actor_ids))).all()) \
        if actor_ids else {}
    view.update({
        "events": [{"seq": e.seq, "action": e.action, "label": service.ACTION_LABELS.get(e.action, e.action),
                    "from_state": e.from_state, "to_state": e.to_state, "actor": _actor_name(e, names),
                    "actor_kind": e.actor_kind, "note": _note_for(e, supervised), "public_note": e.public_note,
                    "data": json.loads(e.data) if e.data else None, "at": iso_utc(e.at)} for e in case.events],
        "allowed_actions": service.allowed_actions(user, case),
        "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
                         "url": f"/api/v1/cases/{case.id}/attachments/{a.id}"}
                        for a in db.session.scalars(select(CaseAttachment).where(CaseAttachment.case_id == case.id)
                                                    .order_by(CaseAttachment.id))],
        "sign_due_at": iso_utc(case.sign_due_at), "handle_due_at": iso_utc(case.handle_due_at),
        "signed_at": iso_utc(case.signed_at), "answered_at": iso_utc(case.answered_at),
        "resolved": case.resolved, "satisfaction": case.satisfaction,
        "extension_requested_days": case.extension_requested_days,
        "parked_review_at": iso_utc(case.parked_review_at), "merged_into_id": case.merged_into_id,
        "co_department_ids": [u.id for u in case.co_departments],
        "restricted": case.restricted,
    })
    return view


@blp.route("/cases/<int:case_id>", methods=["GET"])
@blp.alt_response(200, schema=doc.CaseView, description="the case file")
@login_required
def get_case(case_id):
    """A case file: the case, its events, the moves the user may make, its attachments."""
    user = current_user()
    return case_view(user, service.get_case(user, case_id))


@blp.route("/cases/<int:case_id>/actions/<action>", methods=["POST"])
@blp.alt_response(200, schema=doc.CaseView, description="the case file after the move")
@login_required
@blp.arguments(bodies.MoveBody)
def act(body, case_id, action):
    """One move: body {"version": n, ...the move's fields}. 409 with the current state when stale."""
    user = current_user()
    case = service.get_case(user, case_id)
    _commit_or_conflict(case, lambda: service.act(user, case, action, body, version=body.get("version")))
    return case_view(user, case)


@blp.route("/cases/bulk-assign", methods=["POST"])
@blp.response(200, doc.CaseBulkAssignAnswer, description="one result per case, in the order sent")
@login_required
@blp.arguments(bodies.BulkAssignBody)
def bulk_assign(body):
    """批量转办: {"department_id", "cases": [{"id", "version"}…]}; answered per case."""
    user = current_user()
    assignment = {name: value for name, value in body.items() if name != "cases"}
    results = [_assign_one(user, assignment, entry) for entry in body["cases"]]
    db.session.commit()
    return {"results": results, "assigned": sum(r["result"] == "assigned" for r in results)}


def _assign_one(user: User, assignment: dict, entry: dict) -> dict:
    """转办 of one case in a savepoint of its own: a refusal undoes that case only."""
    savepoint = db.session.begin_nested()
    try:
        case = service.get_case(user, entry["id"])
        service.act(user, case, "assign", {**assignment, **entry}, version=entry.get("version"))
        db.session.flush()
        savepoint.commit()
        return {"id": entry["id"], "result": "assigned", "version": case.version}
    except (ApiError, StaleDataError) as error:
        savepoint.rollback()
        return {"id": entry["id"], "result": "refused", "code": getattr(error, "code", "invalid"),
                "message": getattr(error, "message", "无效的案件"), "fields": getattr(error, "fields", {})}


# --- attachments -----------------------------------------------------------------------------------

FILE_TYPES = {".pdf": "application/pdf",
              ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".txt": "text/plain"}


@blp.route("/cases/<int:case_id>/attachments", methods=["POST"])
@blp.doc(**apidoc.multipart_body(doc.CaseAttachmentIn))
@blp.alt_response(201, schema=doc.CaseAttachmentView, description="the stored attachment")
@blp.alt_response(409, description="`attachment_limit`: the case has CASE_ATTACHMENTS_MAX files already")
@login_required
def upload_attachment(case_id):
    """Attach a photo or a file to a case (the case's departments and inspectors)."""
    user = current_user()
    case = service.get_case(user, case_id)
    if not service.roles_of(user, case):
        raise ApiError(403, "forbidden", "您无权为本案件上传附件")
    attachment_limit.require_room_for_one_more(case.id)
    upload = request.files.get("file")
    if upload is None:
        raise Invalid({"file": "缺少文件"})
    raw = upload.read()
    if not raw:
        raise Invalid({"file": "文件为空"})
    name = Path(upload.filename or "file").name[-100:]
    suffix = Path(name).suffix.lower()
    if suffix in FILE_TYPES:
        content, content_type = raw, FILE_TYPES[suffix]
    else:
        # Anything else must be a photo: checked and re-encoded as the citizens' photos are.
        try:
            photo = clean_photo(raw)
        except PhotoRejected as refusal:
            raise Invalid({"file": f"{refusal}（附件只支持图片、PDF、Word、Excel 和文本文件）"}) from None
        content, content_type, suffix = photo.data, photo.content_type, ".jpg"
        if Path(name).suffix.lower() not in (".jpg", ".jpeg"):  # the name says what the file now is
            stem = Path(name).stem if Path(name).suffix else name
            name = f"{stem[:96]}.jpg"
    stored = storage().save(content, suffix)  # the uploads' one storage (filesystem or object store)
    attachment = CaseAttachment(case_id=case.id, uploaded_by=user.id, filename=name, stored_name=stored,
                                content_type=content_type, size=len(content))
    db.session.add(attachment)
    db.session.commit()
    return {"id": attachment.id, "filename": name, "content_type": content_type, "size": len(content),
            "url": f"/api/v1/cases/{case.id}/attachments/{attachment.id}"}, 201


@blp.route("/cases/<int:case_id>/attachments/<int:attachment_id>", methods=["GET"])
@blp.doc(**apidoc.binary_answer("the file; images inline, other files as a download", "image/jpeg",
                                *FILE_TYPES.values()))
@login_required
def download_attachment(case_id, attachment_id):
    """An attachment of a case, as uploaded (photos re-encoded as JPEG)."""
    case = service.get_case(current_user(), case_id)
    attachment = db.session.scalar(select(CaseAttachment).where(CaseAttachment.id == attachment_id,
                                                                CaseAttachment.case_id == case.id))
    if attachment is None:
        raise NotFound("附件")
    return send_file(io.BytesIO(storage().load(attachment.stored_name)), mimetype=attachment.content_type,
                     as_attachment=not attachment.content_type.startswith("image/"),
                     download_name=attachment.filename)
