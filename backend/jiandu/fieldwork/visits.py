"""Field visits: their kinds, planned or started on the spot, and what was recorded on them."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from jiandu.errors import ApiError, Invalid
from jiandu.extensions import db
from jiandu.fieldwork.checklists import get_template
from jiandu.fieldwork.common import STAFF, dumps, read_int, read_moment, read_photos, read_text, require_role
from jiandu.fieldwork.models import Visit, VisitKind, VisitRecord
from jiandu.files.uploads import require_photos
from jiandu.org.models import Point, Project, User
from jiandu.org.scope import get_visible, visible
from jiandu.timeutil import iso_utc, utcnow

DEFAULT_VISIT_KINDS = (
    ("big_visit", "大走访", "Enterprise visit"),
    ("experience", "体验式监督", "Experience it yourself"),
    ("rectification", "集中整治", "Concentrated rectification"),
    ("help_enterprise", "助企护企", "Helping enterprises"),
    ("fault_tolerance", "容错纠错", "Fault tolerance and correction"),
)


def ensure_visit_kinds() -> None:
    have = set(db.session.scalars(select(VisitKind.code)))
    for sort, (code, name, name_en) in enumerate(DEFAULT_VISIT_KINDS):
        if code not in have:
            db.session.add(VisitKind(code=code, name=name, name_en=name_en, sort=(sort + 1) * 10))
    db.session.flush()


def visit_kinds() -> list[VisitKind]:
    rows = list(db.session.scalars(select(VisitKind).where(VisitKind.active).order_by(VisitKind.sort, VisitKind.id)))
    if not rows:
        ensure_visit_kinds()
        rows = list(db.session.scalars(select(VisitKind).where(VisitKind.active).order_by(VisitKind.sort)))
    return rows


def place(user: User, data: dict) -> tuple[Point | None, Project | None]:
    point_id, project_id = read_int(data.get("point_id"), "point_id"), read_int(data.get("project_id"), "project_id")
    if (point_id is None) == (project_id is None):
        raise Invalid({"point_id": "请选择一个点位或一个项目"})
    if point_id is not None:
        point = get_visible(user, Point, point_id, "点位")
        return point, point.project
    return None, get_visible(user, Project, project_id, "项目")


def _visit_fields(user: User, visit: Visit, data: dict) -> None:
    kinds = {k.code for k in visit_kinds()}
    if data.get("kind") not in kinds:
        raise Invalid({"kind": "请选择走访类型"})
    point, project = place(user, data)
    template_id = read_int(data.get("template_id"), "template_id")
    if template_id is not None:
        get_template(user, template_id)
    visit.kind, visit.template_id = data["kind"], template_id
    visit.point_id = point.id if point else None
    visit.project_id = project.id if project else None
    visit.jurisdiction_id = point.jurisdiction_id if point else project.jurisdiction_id
    visit.department_id = point.department_id if point else None
    visit.title = read_text(data.get("title"), "title", 128)
    planned = data.get("planned_for")
    if planned:
        try:
            visit.planned_for = date.fromisoformat(str(planned))
        except ValueError:
            raise Invalid({"planned_for": "日期格式应为 YYYY-MM-DD"}) from None


def plan_visit(actor: User, data: dict) -> Visit:
    """A visit planned for an inspector (self, or another inspector in scope)."""
    require_role(actor, *STAFF)
    inspector_id = read_int(data.get("inspector_id"), "inspector_id") or actor.id
    inspector = get_visible(actor, User, inspector_id, "监督员")
    if inspector.role not in STAFF:
        raise Invalid({"inspector_id": "只能安排给监督员"})
    visit = Visit(inspector_id=inspector.id, planned_by=actor.id, state="planned")
    _visit_fields(actor, visit, data)
    db.session.add(visit)
    db.session.flush()
    return visit


def create_visit(user: User, data: dict, *, client_uuid: str) -> Visit:
    """A visit started on the spot (maybe offline): the device made its UUID."""
    require_role(user, *STAFF)
    visit = Visit(client_uuid=client_uuid, inspector_id=user.id, planned_by=user.id, state="planned")
    _visit_fields(user, visit, data)
    db.session.add(visit)
    db.session.flush()
    return visit


class DependencyMissing(ApiError):
    """A write refers to another write of the same device that has not arrived yet (retryable)."""

    def __init__(self, what: str):
        super().__init__(409, "depends_on_missing", f"所依赖的{what}尚未同步，稍后自动重试")


def resolve_visit(user: User, data: dict) -> Visit | None:
    """A visit by server id or by the UUID the device gave it."""
    if data.get("visit_id") is not None:
        return get_visible(user, Visit, read_int(data.get("visit_id"), "visit_id"), "走访")
    uuid = data.get("visit_uuid")
    if uuid:
        visit = db.session.scalar(visible(user, Visit).where(Visit.client_uuid == str(uuid)))
        if visit is None:
            raise DependencyMissing("走访")
        return visit
    return None


def my_visits(user: User):
    return visible(user, Visit).where(Visit.inspector_id == user.id)


def record_visit(user: User, data: dict, *, client_uuid: str) -> VisitRecord:
    """What happened on a visit: times, GPS with its accuracy, notes, photos. Append-only."""
    require_role(user, *STAFF)
    visit = resolve_visit(user, data)
    if visit is None:
        raise Invalid({"visit_id": "请指明走访"})
    errors = {}
    position = {}
    for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180), ("accuracy_m", 0, 100000)):
        value = data.get(name)
        if value is None:
            position[name] = None
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            errors[name] = "位置数据无效"
        else:
            position[name] = float(value)
    if errors:
        raise Invalid(errors)
    photos = read_photos(data.get("photos"), "photos")
    notes = read_text(data.get("notes"), "notes", 5000)
    started = read_moment(data.get("started_at"), "started_at")
    finished = read_moment(data.get("finished_at"), "finished_at")
    require_photos(user, photos)
    record = VisitRecord(client_uuid=client_uuid, visit_id=visit.id, author_id=user.id, started_at=started,
                         finished_at=finished, notes=notes, photo_uuids=dumps(photos) if photos else None, **position)
    db.session.add(record)
    visit.state = "done"  # derived: a visit with a record has been made
    visit.updated_at = utcnow()
    db.session.flush()
    return record


def project_visits(user: User, project_id: int) -> list[dict]:
    """The visits of a project the user may see, for the project's timeline (added from setup)."""
    visits = db.session.scalars(visible(user, Visit).where(Visit.project_id == project_id).order_by(Visit.id))
    return [{"id": v.id, "at": iso_utc(v.created_at), "kind": v.kind, "state": v.state} for v in visits]
