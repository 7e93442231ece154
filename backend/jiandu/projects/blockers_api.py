"""Routes of blockers (堵点/痛点): their categories, the enterprise's submissions, the lists and the
return visit."""
from __future__ import annotations

from flask import Response, request
from sqlalchemy.exc import IntegrityError

from jiandu import apidoc
from jiandu.errors import json_object
from jiandu.extensions import db
from jiandu.org import grants
from jiandu.org.auth import current_user, login_required
from jiandu.org.scope import visible
from jiandu.projects import bodies, service
from jiandu.projects import schemas as sch
from jiandu.projects.models import Blocker
from jiandu.projects.web import before_body, blp


@blp.route("/blocker-categories", methods=["GET"])
@login_required
@blp.response(200, sch.BlockerCategoryList, description="the active categories, in order")
def blocker_categories():
    """The active blocker categories, in their order (the first call of an installation makes them)."""
    rows = service.active_categories()
    db.session.commit()
    return {"items": rows}


@blp.route("/blocker-categories/<code>", methods=["PUT"])
@login_required
@before_body(lambda code: grants.require_top_admin(current_user(), "维护堵点类别"))
@blp.arguments(bodies.BlockerCategoryIn)
@blp.response(200, sch.BlockerCategoryAdminView, description="the category")
def put_blocker_category(body, code):
    """The city's admin: create or change a blocker category (the fields sent); a lead stays a lead."""
    row = service.upsert_category(current_user(), code, body)
    db.session.commit()
    return row


def _blocker_submission():
    """JSON, or multipart (fields + `photos` files). The client id: Idempotency-Key header or field."""
    if request.mimetype == "multipart/form-data":
        fields = {k: v for k, v in request.form.items()}
        uploads = [f.read() for f in request.files.getlist("photos")]
    else:
        fields, uploads = json_object(), []
    client_id = request.headers.get("Idempotency-Key") or fields.get("client_id")
    return fields, uploads, client_id


@blp.route("/blockers", methods=["POST"])
@blp.alt_response(201, schema=sch.BlockerSubmitted, description="the blocker and its case")
@blp.alt_response(200, schema=sch.BlockerSubmitted, description="a replay: the blocker sent before with this client id")
@blp.doc(**apidoc.body({"application/json": bodies.BlockerIn, "multipart/form-data": bodies.BlockerFormIn}),
         parameters=[{"in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string"},
                      "description": "the client id (8–80 characters), instead of the client_id field"}])
@login_required
def create_blocker():
    """堵点/痛点 from the enterprise: category, description, department_id (one of the project's),
    contact_ok, photos; exactly once per client id (201 the first time, 200 on a replay)."""
    user = current_user()
    fields, uploads, client_id = _blocker_submission()
    try:
        blocker, replayed = service.submit_blocker(user, fields, uploads, client_id)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        service.discard_saved_photos()
        blocker = db.session.scalar(visible(user, Blocker).where(Blocker.client_id == (client_id or "").strip()))
        if blocker is None:
            raise
        replayed = True
    except BaseException:
        db.session.rollback()
        service.discard_saved_photos()
        raise
    view = service.blocker_view(blocker, user, with_events=True)
    return {**view, "replayed": replayed}, 200 if replayed else 201


@blp.route("/blockers", methods=["GET"])
@login_required
@blp.arguments(bodies.BlockerQuery, location="query")
@blp.alt_response(200, schema=sch.BlockerPage, description="a page of blockers, newest first")
def list_blockers(args):
    """The blockers in the asker's scope, newest first."""
    user = current_user()
    page, per_page = args["page"], args["per_page"]
    statement = service.list_blockers(user, args.get("project"), args.get("open", False))
    rows = db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()
    labels = service.category_labels()
    return {"items": [service.blocker_view(b, user, labels) for b in rows], "page": page, "per_page": per_page}


@blp.route("/blockers/<int:blocker_id>", methods=["GET"])
@blp.alt_response(200, schema=sch.BlockerDetail, description="the blocker and the moves of its case")
@login_required
def get_blocker(blocker_id):
    """One blocker with the moves of its case."""
    user = current_user()
    return service.blocker_view(service.get_blocker(user, blocker_id), user, with_events=True)


@blp.route("/blockers/<int:blocker_id>/feedback", methods=["POST"])
@login_required
@before_body(lambda blocker_id: service.open_for_feedback(current_user(), blocker_id))
@blp.arguments(bodies.BlockerFeedbackIn)
@blp.alt_response(200, schema=sch.BlockerDetail, description="the blocker after the return visit")
def blocker_feedback(body, blocker_id):
    """The reporter answers the return visit (回访) of its blocker's case."""
    user = current_user()
    blocker = service.blocker_feedback(user, blocker_id, body)
    db.session.commit()
    return service.blocker_view(blocker, user, with_events=True)


@blp.route("/blockers/<int:blocker_id>/photos/<int:photo_id>", methods=["GET"])
@blp.doc(**apidoc.binary_answer("the photo, re-encoded as JPEG without its metadata", "image/jpeg"))
@login_required
def blocker_photo(blocker_id, photo_id):
    """A photo of a blocker."""
    photo, data = service.blocker_photo(current_user(), blocker_id, photo_id)
    response = Response(data, mimetype=photo.content_type)
    return response
