"""Routes of the registry: projects, their import, the forms' choices, the settings, the board and a
project's timeline."""
from __future__ import annotations

from flask import request

from jiandu import apidoc
from jiandu.errors import ApiError
from jiandu.extensions import db
from jiandu.org import grants
from jiandu.org.auth import current_user, login_required
from jiandu.org.models import Point, Project
from jiandu.org.scope import visible
from jiandu.pagination import PageArgs, paginate
from jiandu.projects import bodies, importer, registry_bodies, rules, service
from jiandu.projects import schemas as sch
from jiandu.projects.models import PAYER_KIND_LABELS, STAGE_LABELS
from jiandu.projects.schemas import ProjectPage
from jiandu.projects.web import before_body, blp, staff_change_of
from jiandu.security import normalise_code


@blp.route("/projects", methods=["GET"])
@login_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, ProjectPage)
def list_projects(args):
    """The registry in the asker's scope, oldest first."""
    return paginate(visible(current_user(), Project).order_by(Project.id), args["page"], args["per_page"])


@blp.route("/projects/<int:project_id>", methods=["GET"])
@login_required
@blp.response(200, sch.ProjectView, description="the project")
def get_project(project_id):
    """One project as POST and PATCH answer it (its version included, for the next PATCH)."""
    user = current_user()
    return service.project_view(service.get_project(user, project_id), user)


@blp.route("/projects", methods=["POST"])
@login_required
@before_body(lambda: service.require_role(current_user(), *service.STAFF))
@blp.arguments(registry_bodies.ProjectIn)
@blp.response(201, sch.ProjectView, description="the project, registered with its project code point")
def create_project(body):
    """登记项目: name, project_code, owner/construction enterprise with credit codes, jurisdiction_id,
    location, investment_wan, stage, department_ids, liaison cadre, contact."""
    project = service.create_project(current_user(), body)
    db.session.commit()
    return service.project_view(project, current_user())


@blp.route("/projects/<int:project_id>", methods=["PATCH"])
@login_required
@before_body(staff_change_of(service.get_project, "project_id"))
@blp.arguments(registry_bodies.ProjectPatchIn)
@blp.response(200, sch.ProjectView, description="the project as changed")
def update_project(body, project_id):
    """Change a project's registry entry: the fields sent, checked against `version`."""
    project = service.update_project(current_user(), project_id, body)
    db.session.commit()
    return service.project_view(project, current_user())


@blp.route("/projects/import", methods=["POST"])
@blp.doc(**apidoc.multipart_body(registry_bodies.ProjectImportIn))
@login_required
@blp.response(201, sch.ProjectImportResult, description="the projects registered")
def import_projects():
    """Register projects from an Excel (.xlsx) or CSV file: all rows, or none."""
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, "invalid", "请上传 Excel（.xlsx）或 CSV 文件", {"file": "缺少文件"})
    created = importer.import_projects(current_user(), upload.filename or "", upload.read())
    db.session.commit()
    return {"created": len(created), "projects": created}


@blp.route("/projects/mine", methods=["GET"])
@login_required
@blp.response(200, sch.ProjectList, description="the active projects in the asker's scope")
def my_projects():
    """The active projects the asker may see (an enterprise user: its own)."""
    user = current_user()
    return {"items": [service.project_view(p, user) for p in service.my_projects(user)]}


@blp.route("/projects/meta", methods=["GET"])
@login_required
@blp.response(200, sch.ProjectMeta, description="stages, payer kinds, blocker categories, settings")
def meta():
    """What the forms offer: stages, payer kinds, active blocker categories and the settings."""
    return {"stages": [{"key": k, "label": v} for k, v in STAGE_LABELS.items()],
            "payer_kinds": [{"key": k, "label": v} for k, v in PAYER_KIND_LABELS.items()],
            "categories": service.active_categories(), "settings": service.settings()}


@blp.route("/projects/settings", methods=["GET"])
@login_required
@blp.response(200, sch.ProjectSettingsView, description="the settings and their labels")
def get_settings():
    """The settings of approvals, payments and invitations, with their labels."""
    return {"settings": service.settings(), "labels": rules.SETTING_LABELS}


@blp.route("/projects/settings", methods=["PUT"])
@login_required
@before_body(lambda: grants.require_top_admin(current_user(), "修改项目设置"))
@blp.arguments(bodies.ProjectSettingsIn)
@blp.response(200, sch.ProjectSettingsView, description="every setting after the change")
def put_settings(body):
    """The city's admin: change some settings (the ones sent); they hold for every project."""
    merged = service.set_settings(current_user(), body)
    db.session.commit()
    return {"settings": merged, "labels": rules.SETTING_LABELS}


@blp.route("/projects/by-code/<code>", methods=["GET"])
@login_required
@blp.response(200, sch.ProjectView, description="the project")
def project_by_code(code):
    """The project behind a scanned project code (专属码), when the user may see it."""
    user = current_user()
    point = db.session.scalar(visible(user, Point).where(Point.code == normalise_code(code), Point.type == "project"))
    if point is None or point.project_id is None:
        raise ApiError(404, "not_found", "找不到该项目")
    return service.project_view(service.get_project(user, point.project_id), user)


@blp.route("/projects/board", methods=["GET"])
@login_required
@blp.arguments(bodies.BoardQuery, location="query")
@blp.alt_response(200, schema=sch.ProjectBoard, description="a page of the board, projects with problems first")
def board(args):
    """The inspector's board: every project in scope with open blockers, overdue approvals and payments."""
    return service.board(current_user(), jurisdiction_id=args.get("jurisdiction"),
                         problems_only=args.get("problems", False), q=args.get("q"), page=args["page"],
                         per_page=args["per_page"])


@blp.route("/projects/<int:project_id>/timeline", methods=["GET"])
@blp.alt_response(200, schema=sch.ProjectTimeline, description="the project's page")
@login_required
def timeline(project_id):
    """A project's page: registry, approvals, payments, milestones, blockers (staff: cases, visits), one stream."""
    return service.timeline(current_user(), project_id)
