"""The registry of major projects (admins and inspectors): a project, its departments and its
project code point (专属码). Every lookup goes through `jiandu.org.scope`."""
from __future__ import annotations

import re

from sqlalchemy import select, update

from jiandu import audit
from jiandu.errors import Invalid
from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, Point, Project, Unit, User
from jiandu.org.scope import get_visible, is_visible, visible
from jiandu.org.service import unique_code
from jiandu.projects import credit_code
from jiandu.projects.common import OUT_OF_SCOPE, STAFF, bump, check_version, require_role
from jiandu.projects.models import (
    STAGE_LABELS, STAGES, ApprovalItem, Blocker, Milestone, Payment, ProjectInvitation, project_departments,
)
from jiandu.projects.parsing import read_int, read_phone, read_text


PROJECT_TEXT = {"name": ("项目名称", 128, True), "project_code": ("项目代码", 64, True),
                "owner_enterprise": ("业主单位", 128, True), "construction_enterprise": ("施工单位", 128, False),
                "location": ("项目地址", 255, False), "liaison_name": ("包联干部", 64, False),
                "contact_name": ("企业联系人", 64, False), "description": ("项目简介", 2000, False)}


def get_project(user: User, project_id: int) -> Project:
    return get_visible(user, Project, project_id, "项目")


def departments_of(project_id: int) -> list[Unit]:
    return list(db.session.scalars(
        select(Unit).join(project_departments, project_departments.c.department_id == Unit.id)
        .where(project_departments.c.project_id == project_id).order_by(Unit.id)))


def point_of(project_id: int) -> Point | None:
    return db.session.scalar(select(Point).where(Point.project_id == project_id, Point.type == "project")
                             .order_by(Point.id).limit(1))


def _resolve_departments(actor: User, ids, errors: dict, field="department_ids") -> list[Unit] | None:
    if ids is None:
        return None
    if isinstance(ids, str):
        ids = [p for p in re.split(r"[,，\s]+", ids) if p]
    if not isinstance(ids, list):
        errors[field] = "应为部门编号列表"
        return None
    try:
        wanted = {int(i) for i in ids}
    except (TypeError, ValueError):
        errors[field] = "应为部门编号列表"
        return None
    found = list(db.session.scalars(visible(actor, Unit).where(Unit.id.in_(wanted), Unit.kind == "department")))
    missing = wanted - {u.id for u in found}
    if missing:
        errors[field] = f"部门（编号 {'、'.join(map(str, sorted(missing)))}）{OUT_OF_SCOPE}或不是职能部门"
        return None
    return sorted(found, key=lambda u: u.id)


def _project_fields(actor: User, data: dict, project: Project | None) -> tuple[dict, list[Unit] | None]:
    errors: dict = {}
    clean: dict = {}
    for name, (label, limit, required) in PROJECT_TEXT.items():
        if name in data or project is None:
            clean[name] = read_text(data, name, errors, required=required, limit=limit, label=label)
    for name, label, required in (("owner_credit_code", "业主单位统一社会信用代码", True),
                                  ("construction_credit_code", "施工单位统一社会信用代码", False)):
        if name in data or project is None:
            value = credit_code.normalise(data.get(name))
            if not value:
                if required:
                    errors[name] = f"请填写{label}"
                clean[name] = None
            else:
                reason = credit_code.problem(value)
                if reason:
                    errors[name] = f"{label}：{reason}"
                clean[name] = value
    for name, label in (("liaison_phone", "包联干部电话"), ("contact_phone", "企业联系人电话")):
        if name in data:
            clean[name] = read_phone(data, name, errors, label)
    if "stage" in data or project is None:
        stage = data.get("stage") or "land_planning"
        stage = {v: k for k, v in STAGE_LABELS.items()}.get(stage, stage)
        if stage not in STAGES:
            errors["stage"] = "阶段须为：" + " → ".join(STAGE_LABELS.values())
        clean["stage"] = stage
    if "investment_wan" in data:
        clean["investment_wan"] = read_int(data, "investment_wan", errors, low=0, high=10**9, label="总投资（万元）")
    if "jurisdiction_id" in data or project is None:
        jid = read_int(data, "jurisdiction_id", errors, required=True, label="所属辖区")
        if jid is not None and not is_visible(actor, Jurisdiction, jid):
            errors["jurisdiction_id"] = f"辖区{OUT_OF_SCOPE}"
        clean["jurisdiction_id"] = jid
    if clean.get("project_code"):
        clash = select(Project.id).where(Project.project_code == clean["project_code"])
        if project is not None:
            clash = clash.where(Project.id != project.id)
        if db.session.scalar(clash) is not None:
            errors["project_code"] = "该项目代码已登记"
    departments = _resolve_departments(actor, data.get("department_ids"), errors) if "department_ids" in data \
        else None
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = "应为是或否"
        clean["active"] = data["active"]
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
