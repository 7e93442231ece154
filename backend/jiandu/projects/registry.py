"""The registry of major projects (admins and inspectors): a project, its departments and its
project code point (专属码). Every lookup goes through `jiandu.org.scope`."""
from __future__ import annotations

from sqlalchemy import select, update

from jiandu import audit
from jiandu.errors import Invalid
from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, Point, Project, Unit, User
from jiandu.org.scope import get_visible, is_visible, visible
from jiandu.org.service import unique_code
from jiandu.projects.common import OUT_OF_SCOPE, STAFF, bump, check_version, require_role
from jiandu.projects.models import (
    STAGE_LABELS, ApprovalItem, Blocker, Milestone, Payment, ProjectInvitation, project_departments,
)


PROJECT_FIELDS = ("name", "project_code", "owner_enterprise", "owner_credit_code", "construction_enterprise",
                  "construction_credit_code", "jurisdiction_id", "location", "investment_wan", "stage",
                  "liaison_name", "liaison_phone", "contact_name", "contact_phone", "description", "active")


def get_project(user: User, project_id: int) -> Project:
    return get_visible(user, Project, project_id, "项目")


def departments_of(project_id: int) -> list[Unit]:
    return list(db.session.scalars(
        select(Unit).join(project_departments, project_departments.c.department_id == Unit.id)
        .where(project_departments.c.project_id == project_id).order_by(Unit.id)))


def point_of(project_id: int) -> Point | None:
    return db.session.scalar(select(Point).where(Point.project_id == project_id, Point.type == "project")
                             .order_by(Point.id).limit(1))


def _resolve_departments(actor: User, ids: list[int], errors: dict) -> list[Unit]:
    found = list(db.session.scalars(visible(actor, Unit).where(Unit.id.in_(ids), Unit.kind == "department")))
    missing = set(ids) - {u.id for u in found}
    if missing:
        errors["department_ids"] = f"部门（编号 {'、'.join(map(str, sorted(missing)))}）{OUT_OF_SCOPE}或不是职能部门"
    return sorted(found, key=lambda u: u.id)


def _project_fields(actor: User, data: dict, project: Project | None) -> tuple[dict, list[Unit] | None]:
    """The fields sent (loaded by registry_bodies.ProjectIn), checked against the actor's scope and
    the projects registered: (fields, departments or None when not sent)."""
    clean = {k: data[k] for k in PROJECT_FIELDS if k in data}
    errors: dict = {}
    jid = clean.get("jurisdiction_id")
    if jid is not None and not is_visible(actor, Jurisdiction, jid):
        errors["jurisdiction_id"] = f"辖区{OUT_OF_SCOPE}"
    if clean.get("project_code"):
        clash = select(Project.id).where(Project.project_code == clean["project_code"])
        if project is not None:
            clash = clash.where(Project.id != project.id)
        if db.session.scalar(clash) is not None:
            errors["project_code"] = "该项目代码已登记"
    departments = None
    if data.get("department_ids") is not None:
        departments = _resolve_departments(actor, data["department_ids"], errors)
    if errors:
        raise Invalid(errors)
    return clean, departments


def _set_departments(project: Project, units: list[Unit]) -> None:
    db.session.execute(project_departments.delete().where(project_departments.c.project_id == project.id))
    if units:
        db.session.execute(project_departments.insert(),
                           [{"project_id": project.id, "department_id": u.id} for u in units])


def create_project(actor: User, data: dict) -> Project:
    require_role(actor, *STAFF)
    clean, departments = _project_fields(actor, data, None)
    project = Project(**clean)
    db.session.add(project)
    db.session.flush()
    _set_departments(project, departments or [])
    # 专属码: the project's own point, printable as the project-a3 poster.
    db.session.add(Point(code=unique_code(), type="project", name=project.name, project_id=project.id,
                         jurisdiction_id=project.jurisdiction_id, address=project.location))
    db.session.flush()
    audit.record(actor.id, "project_create", project, code=project.project_code)
    return project


def update_project(actor: User, project_id: int, data: dict) -> Project:
    project = get_project(actor, project_id)
    require_role(actor, *STAFF)
    check_version(project, data.get("version"))
    clean, departments = _project_fields(actor, data, project)
    moved = "jurisdiction_id" in clean and clean["jurisdiction_id"] != project.jurisdiction_id
    for key, value in clean.items():
        setattr(project, key, value)
    if departments is not None:
        _set_departments(project, departments)
    if moved:  # children carry the project's jurisdiction for the scope rule
        for model in (ApprovalItem, Payment, Milestone, Blocker, ProjectInvitation):
            db.session.execute(update(model).where(model.project_id == project.id)
                               .values(jurisdiction_id=project.jurisdiction_id))
        db.session.execute(update(Point).where(Point.project_id == project.id, Point.type == "project")
                           .values(jurisdiction_id=project.jurisdiction_id))
    point = point_of(project.id)
    if point is not None and "name" in clean:
        point.name = project.name
    bump(project)
    audit.record(actor.id, "project_update", project,
                 **{k: v for k, v in data.items() if k not in ("version", "description")})
    return project


def project_view(project: Project, user: User | None = None) -> dict:
    point = point_of(project.id)
    staff = user is None or user.role in STAFF
    view = {
        "id": project.id, "name": project.name, "project_code": project.project_code,
        "owner_enterprise": project.owner_enterprise, "owner_credit_code": project.owner_credit_code,
        "construction_enterprise": project.construction_enterprise,
        "construction_credit_code": project.construction_credit_code,
        "jurisdiction_id": project.jurisdiction_id,
        "jurisdiction": project.jurisdiction.name if project.jurisdiction else None,
        "location": project.location, "stage": project.stage, "stage_label": STAGE_LABELS.get(project.stage),
        "stages": [{"key": k, "label": v} for k, v in STAGE_LABELS.items()],
        "investment_wan": project.investment_wan, "description": project.description,
        "liaison_name": project.liaison_name, "liaison_phone": project.liaison_phone,
        "contact_name": project.contact_name, "contact_phone": project.contact_phone if staff else None,
        "departments": [{"id": u.id, "name": u.name} for u in departments_of(project.id)],
        "point": {"id": point.id, "code": point.code, "url": f"/q/{point.code}"} if point else None,
        "active": project.active, "version": project.version,
    }
    return view


def my_projects(user: User) -> list[Project]:
    return list(db.session.scalars(visible(user, Project).where(Project.active.is_(True)).order_by(Project.id)))
