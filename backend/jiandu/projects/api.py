"""Routes of the projects capability: thin — parse, call the service, dump."""
from __future__ import annotations

import functools

from flask import Response, current_app, g, request
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError

from jiandu import apidoc
from jiandu.errors import ApiError, Invalid, json_object
from jiandu.extensions import db, limiter
from jiandu.org import grants
from jiandu.org.auth import csrf_token, current_user, login_required, start_session
from jiandu.org.models import Point, Project
from jiandu.org.scope import visible
from jiandu.pagination import MAX_PER_PAGE, PageArgs, paginate
from jiandu.projects import bodies, importer, rules, service
from jiandu.projects.models import PAYER_KIND_LABELS, STAGE_LABELS, Blocker
from jiandu.projects import schemas as sch
from jiandu.projects.schemas import ProjectPage
from jiandu.security import normalise_code
from jiandu.workdays import Calendar

blp = Blueprint("projects", __name__, url_prefix="/api/v1",
                description="Major projects (掌上监督): registry, approvals, payments, blockers, the board")

invite_throttle = limiter.shared_limit("30 per 15 minutes", scope="project-invitation")


def _page_args():
    try:
        page = max(1, int(request.args.get("page", 1)))
        per_page = min(MAX_PER_PAGE, max(1, int(request.args.get("per_page", 50))))
    except ValueError:
        raise Invalid({"page": "应为整数"}) from None
    return page, per_page




def before_body(check):
    """Run `check(**path arguments)` before the body is read: a record outside the asker's scope is a
    404 and a forbidden change a 403, whatever the body says (the service decides them)."""
    def decorate(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            check(**kwargs)
            return view(*args, **kwargs)
        return checked
    return decorate


def staff_change_of(lookup, arg: str):
    """The check of a change only staff make to a record in scope (looked up by `lookup`)."""
    def check(**kwargs):
        user = current_user()
        lookup(user, kwargs[arg])
        service.require_role(user, *service.STAFF)
    return check


def _views():
    today = rules.local_today()
    s = service.settings()
    return today, Calendar.load(), s


# --- registry ------------------------------------------------------------------------------------

@blp.route("/projects", methods=["GET"])
@login_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, ProjectPage)
def list_projects(args):
    """The registry in the asker's scope, oldest first."""
    return paginate(visible(current_user(), Project).order_by(Project.id), args["page"], args["per_page"])


@blp.route("/projects/<int:project_id>", methods=["GET"])
@blp.alt_response(200, schema=sch.ProjectView, description="the project")
@login_required
def get_project(project_id):
    """One project as POST and PATCH answer it (its version included, for the next PATCH)."""
    user = current_user()
    return service.project_view(service.get_project(user, project_id), user)


@blp.route("/projects", methods=["POST"])
@blp.alt_response(201, schema=sch.ProjectView, description="the project, registered with its project code point")
@blp.doc(**apidoc.json_body(bodies.ProjectIn))
@login_required
def create_project():
    """登记项目: name, project_code, owner/construction enterprise with credit codes, jurisdiction_id,
    location, investment_wan, stage, department_ids, liaison cadre, contact."""
    project = service.create_project(current_user(), json_object())
    db.session.commit()
    return service.project_view(project, current_user()), 201


@blp.route("/projects/<int:project_id>", methods=["PATCH"])
@blp.alt_response(200, schema=sch.ProjectView, description="the project as changed")
@blp.doc(**apidoc.json_body(bodies.ProjectPatchIn))
@login_required
def update_project(project_id):
    """Change a project's registry entry: the fields sent, checked against `version`."""
    project = service.update_project(current_user(), project_id, json_object())
    db.session.commit()
    return service.project_view(project, current_user())


@blp.route("/projects/import", methods=["POST"])
@blp.alt_response(201, schema=sch.ProjectImportResult, description="the projects registered")
@blp.doc(**apidoc.multipart_body(bodies.ProjectImportIn))
@login_required
def import_projects():
    """Register projects from an Excel (.xlsx) or CSV file: all rows, or none."""
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, "invalid", "请上传 Excel（.xlsx）或 CSV 文件", {"file": "缺少文件"})
    created = importer.import_projects(current_user(), upload.filename or "", upload.read())
    db.session.commit()
    return {"created": len(created), "projects": [{"id": p.id, "name": p.name, "project_code": p.project_code}
                                                  for p in created]}, 201


@blp.route("/projects/mine", methods=["GET"])
@blp.alt_response(200, schema=sch.ProjectList, description="the active projects in the asker's scope")
@login_required
def my_projects():
    """The active projects the asker may see (an enterprise user: its own)."""
    user = current_user()
    return {"items": [service.project_view(p, user) for p in service.my_projects(user)]}


@blp.route("/projects/meta", methods=["GET"])
@blp.alt_response(200, schema=sch.ProjectMeta, description="stages, payer kinds, blocker categories, settings")
@login_required
def meta():
    """What the forms offer: stages, payer kinds, active blocker categories and the settings."""
    return {"stages": [{"key": k, "label": v} for k, v in STAGE_LABELS.items()],
            "payer_kinds": [{"key": k, "label": v} for k, v in PAYER_KIND_LABELS.items()],
            "categories": [{"code": c.code, "name": c.name, "name_en": c.name_en, "case_type": c.case_type}
                           for c in service.active_categories()],
            "settings": service.settings()}


@blp.route("/projects/settings", methods=["GET"])
@blp.alt_response(200, schema=sch.ProjectSettingsView, description="the settings and their labels")
@login_required
def get_settings():
    """The settings of approvals, payments and invitations, with their labels."""
    return {"settings": service.settings(), "labels": rules.SETTING_LABELS}


@blp.route("/projects/settings", methods=["PUT"])
@login_required
@before_body(lambda: grants.require_top_admin(current_user(), "修改项目设置"))
@blp.arguments(bodies.ProjectSettingsIn)
@blp.alt_response(200, schema=sch.ProjectSettingsView, description="every setting after the change")
def put_settings(body):
    """The city's admin: change some settings (the ones sent); they hold for every project."""
    merged = service.set_settings(current_user(), body)
    db.session.commit()
    return {"settings": merged, "labels": rules.SETTING_LABELS}


@blp.route("/projects/by-code/<code>", methods=["GET"])
@blp.alt_response(200, schema=sch.ProjectView, description="the project")
@login_required
def project_by_code(code):
    """The project behind a scanned project code (专属码), when the user may see it."""
    user = current_user()
    point = db.session.scalar(visible(user, Point).where(Point.code == normalise_code(code), Point.type == "project"))
    if point is None or point.project_id is None:
        raise ApiError(404, "not_found", "找不到该项目")
    return service.project_view(service.get_project(user, point.project_id), user)


@blp.route("/projects/board", methods=["GET"])
@blp.alt_response(200, schema=sch.ProjectBoard, description="a page of the board, projects with problems first")
@blp.doc(**apidoc.query(("jurisdiction", "integer", "only this jurisdiction and the ones under it"),
                  ("problems", "string", "1, true or yes: only projects with something overdue or open"),
                  ("q", "string", "in the name, project code or owner"), *apidoc.PAGE_QUERY))
@login_required
def board():
    """The inspector's board: every project in scope with open blockers, overdue approvals and payments."""
    page, per_page = _page_args()
    jurisdiction = request.args.get("jurisdiction", type=int)
    problems = request.args.get("problems") in ("1", "true", "yes")
    return service.board(current_user(), jurisdiction_id=jurisdiction, problems_only=problems,
                         q=(request.args.get("q") or "").strip() or None, page=page, per_page=per_page)


@blp.route("/projects/<int:project_id>/timeline", methods=["GET"])
@blp.alt_response(200, schema=sch.ProjectTimeline, description="the project's page")
@login_required
def timeline(project_id):
    """A project's page: registry, approvals, payments, milestones, blockers (staff: cases, visits), one stream."""
    return service.timeline(current_user(), project_id)


# --- approvals, payments, milestones -------------------------------------------------------------

@blp.route("/projects/<int:project_id>/approvals", methods=["POST"])
@login_required
@before_body(staff_change_of(service.get_project, "project_id"))
@blp.arguments(bodies.ApprovalItemIn)
@blp.alt_response(201, schema=sch.ApprovalItemView, description="the approval item with its dates")
def create_approval(body, project_id):
    """Record an approval item (审批事项) of the project; its yellow and due days follow."""
    item = service.create_approval(current_user(), project_id, body)
    db.session.commit()
    today, calendar, s = _views()
    return service.approval_view(item, today, calendar, s["approval_yellow_percent"]), 201


@blp.route("/projects/approvals/<int:item_id>", methods=["PATCH"])
@login_required
@before_body(staff_change_of(service.get_approval, "item_id"))
@blp.arguments(bodies.ApprovalItemPatchIn)
@blp.alt_response(200, schema=sch.ApprovalItemView, description="the approval item as changed")
def update_approval(body, item_id):
    """Change an approval item (e.g. its done_on), checked against `version`."""
    item = service.update_approval(current_user(), item_id, body)
    db.session.commit()
    today, calendar, s = _views()
    return service.approval_view(item, today, calendar, s["approval_yellow_percent"])


@blp.route("/projects/approvals/<int:item_id>", methods=["GET"])
@blp.alt_response(200, schema=sch.ApprovalItemView, description="the approval item")
@login_required
def get_approval(item_id):
    """One approval item with its colour today."""
    today, calendar, s = _views()
    return service.approval_view(service.get_approval(current_user(), item_id), today, calendar,
                                 s["approval_yellow_percent"])


@blp.route("/projects/<int:project_id>/payments", methods=["POST"])
@blp.alt_response(201, schema=sch.PaymentView, description="the payment with its due day")
@blp.doc(**apidoc.json_body(bodies.PaymentIn))
@login_required
def create_payment(project_id):
    """Record a payment owed to the project's enterprise; its due day follows from the rules."""
    payment = service.create_payment(current_user(), project_id, json_object())
    db.session.commit()
    return service.payment_view(payment, rules.local_today(), service.settings()["payment_warn_days"]), 201


@blp.route("/projects/payments/<int:payment_id>", methods=["PATCH"])
@blp.alt_response(200, schema=sch.PaymentView, description="the payment as changed")
@blp.doc(**apidoc.json_body(bodies.PaymentPatchIn))
@login_required
def update_payment(payment_id):
    """Change a payment (e.g. its paid_on), checked against `version`."""
    payment = service.update_payment(current_user(), payment_id, json_object())
    db.session.commit()
    return service.payment_view(payment, rules.local_today(), service.settings()["payment_warn_days"])


@blp.route("/projects/payments/<int:payment_id>", methods=["GET"])
@blp.alt_response(200, schema=sch.PaymentView, description="the payment")
@login_required
def get_payment(payment_id):
    """One payment with its colour today."""
    return service.payment_view(service.get_payment(current_user(), payment_id), rules.local_today(),
                                service.settings()["payment_warn_days"])


@blp.route("/projects/<int:project_id>/milestones", methods=["POST"])
@login_required
@before_body(staff_change_of(service.get_project, "project_id"))
@blp.arguments(bodies.MilestoneIn)
@blp.alt_response(201, schema=sch.MilestoneView, description="the milestone")
def create_milestone(body, project_id):
    """Record a milestone (节点) of the project."""
    milestone = service.create_milestone(current_user(), project_id, body)
    db.session.commit()
    return service.milestone_view(milestone, rules.local_today()), 201


@blp.route("/projects/milestones/<int:milestone_id>", methods=["PATCH"])
@login_required
@before_body(staff_change_of(service.get_milestone, "milestone_id"))
@blp.arguments(bodies.MilestonePatchIn)
@blp.alt_response(200, schema=sch.MilestoneView, description="the milestone as changed")
def update_milestone(body, milestone_id):
    """Change a milestone (e.g. its done_on), checked against `version`."""
    milestone = service.update_milestone(current_user(), milestone_id, body)
    db.session.commit()
    return service.milestone_view(milestone, rules.local_today())


# --- invitations -----------------------------------------------------------------------------------

def _invite_url(code: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/#/invite/{code}"


@blp.route("/projects/<int:project_id>/invitations", methods=["POST"])
@login_required
@before_body(lambda project_id: service.get_project(current_user(), project_id))
@blp.arguments(bodies.InvitationIn, required=False)
@blp.alt_response(201, schema=sch.InvitationCreated, description="the invitation, its code and sign-up address")
def invite(body, project_id):
    """Staff invite the project's contact; the contact invites up to two colleagues. The code is shown once."""
    invitation, code = service.invite(current_user(), project_id, body)
    db.session.commit()
    return {**service.invitation_view(invitation), "code": code, "url": _invite_url(code)}, 201


@blp.route("/projects/<int:project_id>/invitations", methods=["GET"])
@blp.alt_response(200, schema=sch.InvitationList, description="the invitations, newest first")
@login_required
def list_invitations(project_id):
    """The project's invitations (an enterprise user: the ones it made), newest first."""
    user = current_user()
    rows = service.list_invitations(user, project_id)
    return {"items": [service.invitation_view(i) for i in rows],
            "colleagues_left": (max(0, service.settings()["colleague_limit"]
                                    - service.colleague_invitations_used(user)) if user.role == "enterprise" else None)}


@blp.route("/projects/invitations/<int:invitation_id>", methods=["DELETE"])
@blp.alt_response(200, schema=sch.InvitationView, description="the invitation, revoked unless already used")
@login_required
def revoke_invitation(invitation_id):
    """Revoke an invitation not yet used."""
    invitation = service.revoke_invitation(current_user(), invitation_id)
    db.session.commit()
    return service.invitation_view(invitation)


@blp.route("/invitations/<code>", methods=["GET"])
@blp.alt_response(200, schema=sch.InvitationPeek, description="the project and whom the invitation is for")
@invite_throttle
def peek_invitation(code):
    """Public: which project an invitation code is for (before setting a password)."""
    return service.peek_invitation(code)


@blp.route("/invitations/<code>/redeem", methods=["POST"])
@invite_throttle
@before_body(lambda code: service.usable_invitation(code))
@blp.arguments(bodies.InvitationRedeemIn)
@blp.alt_response(201, schema=sch.InvitationAccount, description="the new account, signed in")
def redeem_invitation(body, code):
    """Public: set username and password; the new enterprise account is signed in on this device."""
    user = service.redeem_invitation(code, body)
    start_session(user)
    db.session.commit()
    g.auth = "session"
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role,
            "project_id": user.project_id, "csrf_token": csrf_token()}, 201


# --- blockers --------------------------------------------------------------------------------------

@blp.route("/blocker-categories", methods=["GET"])
@blp.alt_response(200, schema=sch.BlockerCategoryList, description="the active categories, in order")
@login_required
def blocker_categories():
    """The active blocker categories, in their order."""
    rows = service.active_categories()
    db.session.commit()
    return {"items": [{"code": c.code, "name": c.name, "name_en": c.name_en, "case_type": c.case_type}
                      for c in rows]}


@blp.route("/blocker-categories/<code>", methods=["PUT"])
@login_required
@before_body(lambda code: grants.require_top_admin(current_user(), "维护堵点类别"))
@blp.arguments(bodies.BlockerCategoryIn)
@blp.alt_response(200, schema=sch.BlockerCategoryAdminView, description="the category")
def put_blocker_category(body, code):
    """The city's admin: create or change a blocker category (the fields sent); a lead stays a lead."""
    row = service.upsert_category(current_user(), code, body)
    db.session.commit()
    return {"code": row.code, "name": row.name, "name_en": row.name_en, "case_type": row.case_type,
            "sort": row.sort, "active": row.active}


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
@blp.alt_response(200, schema=sch.BlockerPage, description="a page of blockers, newest first")
@blp.doc(**apidoc.query(("project", "integer", "only this project's"), ("open", "string", "1, true or yes: open cases only"),
                  *apidoc.PAGE_QUERY))
@login_required
def list_blockers():
    """The blockers in the asker's scope, newest first."""
    user = current_user()
    project = request.args.get("project", type=int)
    open_only = request.args.get("open") in ("1", "true", "yes")
    page, per_page = _page_args()
    statement = service.list_blockers(user, project, open_only)
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
