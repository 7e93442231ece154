"""The rules of fieldwork: checklists (清单监督), tasks, answers, visits and findings. No request in here.

Writes made on a device arrive through `jiandu.fieldwork.sync` and land in the functions below
(`record_visit`, `submit_answers`, `create_finding`, `create_visit`), the same functions the online
API calls: a write offline and a write online are one rule.
"""
from __future__ import annotations

import json
import math
import secrets
from datetime import date, datetime

from sqlalchemy import func, select

from jiandu import audit
from jiandu.errors import ApiError, Invalid, NotFound
from jiandu.extensions import db
from jiandu.fieldwork.models import (
    ITEM_KINDS, Answer, AnswerSet, ChecklistItem, ChecklistTask, ChecklistTemplate, FieldPhoto, Finding, Visit,
    VisitKind, VisitRecord,
)
from jiandu.org.models import Point, Project, Unit, User
from jiandu.org.scope import get_visible, is_visible, visible
from jiandu.timeutil import utcnow
from jiandu.workdays import Calendar, deadline

STAFF = ("admin", "inspector")
DEFAULT_VISIT_KINDS = (
    ("big_visit", "大走访", "Enterprise visit"),
    ("experience", "体验式监督", "Experience it yourself"),
    ("rectification", "集中整治", "Concentrated rectification"),
    ("help_enterprise", "助企护企", "Helping enterprises"),
    ("fault_tolerance", "容错纠错", "Fault tolerance and correction"),
)
MAX_ITEMS = 100
MAX_TEXT = 2000
DEFAULT_TASK_WORKDAYS = 10
MAX_TARGETS = 2000


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise ApiError(403, "forbidden", "您的角色无权执行此操作")


def _text(value, name: str, limit: int = MAX_TEXT, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise Invalid({name: "此项必填"})
        return None
    if not isinstance(value, str):
        raise Invalid({name: "应为文字"})
    value = value.strip()
    if required and not value:
        raise Invalid({name: "此项必填"})
    if len(value) > limit:
        raise Invalid({name: f"不能超过 {limit} 字"})
    return value or None


def _int(value, name: str, required: bool = False) -> int | None:
    if value is None or value == "":
        if required:
            raise Invalid({name: "此项必填"})
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid({name: "应为整数"})
    return value


def _moment(value, name: str) -> datetime | None:
    """An ISO time from a device (with or without Z) → UTC naive; None when absent."""
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Invalid({name: "时间格式不正确"}) from None
    if moment.tzinfo is not None:
        from datetime import timezone

        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def dumps(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(text: str | None, default=None):
    return json.loads(text) if text else default


# --- visit kinds (data) ---------------------------------------------------------------------------

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


# --- templates (versioned) --------------------------------------------------------------------------

def _items(raw) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        raise Invalid({"items": "清单至少需要一项"})
    if len(raw) > MAX_ITEMS:
        raise Invalid({"items": f"清单不能超过 {MAX_ITEMS} 项"})
    items, errors = [], {}
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            errors[f"items.{index}"] = "格式不正确"
            continue
        kind = entry.get("kind")
        if kind not in ITEM_KINDS:
            errors[f"items.{index}.kind"] = "类型须为是否、单选、多选、数字、文字或照片"
            continue
        try:
            label = _text(entry.get("label"), f"items.{index}.label", 255, required=True)
            guidance = _text(entry.get("guidance"), f"items.{index}.guidance")
        except Invalid as error:
            errors.update(error.fields)
            continue
        options = entry.get("options")
        if kind in ("single", "multiple"):
            if (not isinstance(options, list) or len(options) < 2
                    or not all(isinstance(o, str) and o.strip() for o in options)
                    or len({o.strip() for o in options}) != len(options)):
                errors[f"items.{index}.options"] = "单选、多选至少两个不重复的选项"
                continue
            options = [o.strip()[:100] for o in options]
        else:
            options = None
        items.append({"kind": kind, "label": label, "guidance": guidance, "options": options,
                      "required": entry.get("required", True) is not False})
    if errors:
        raise Invalid(errors, "清单内容有误，请检查标注的项")
    return items


def _fill(template: ChecklistTemplate, data: dict) -> None:
    errors = {}
    for name, limit in (("title", 128), ("problem", MAX_TEXT)):
        try:
            setattr(template, name, _text(data.get(name), name, limit, required=name == "title"))
        except Invalid as error:
            errors.update(error.fields)
    try:
        items = _items(data.get("items"))
    except Invalid as error:
        errors.update(error.fields)
    if errors:
        raise Invalid(errors, "清单内容有误，请检查标注的项")
    for position, item in enumerate(items, start=1):
        template.items.append(ChecklistItem(position=position, kind=item["kind"], label=item["label"],
                                            guidance=item["guidance"], options=dumps(item["options"]),
                                            required=item["required"]))


def create_template(actor: User, data: dict) -> ChecklistTemplate:
    """An inspector turns a recurring problem into a checklist: version 1 of a new code."""
    require_role(actor, *STAFF)
    template = ChecklistTemplate(code=f"CL{secrets.token_hex(4).upper()}", version=1,
                                 jurisdiction_id=actor.jurisdiction_id, created_by=actor.id, current=True)
    _fill(template, data)
    db.session.add(template)
    db.session.flush()
    audit.record(actor.id, "checklist_template_create", template, code=template.code)
    return template


def new_version(actor: User, template_id: int, data: dict) -> ChecklistTemplate:
    """A changed checklist is a new version; tasks and answers keep the version they were made with."""
    require_role(actor, *STAFF)
    old = get_template(actor, template_id)
    newest = db.session.scalar(select(func.max(ChecklistTemplate.version)).where(ChecklistTemplate.code == old.code))
    for row in db.session.scalars(select(ChecklistTemplate).where(ChecklistTemplate.code == old.code,
                                                                  ChecklistTemplate.current)):
        row.current = False
    template = ChecklistTemplate(code=old.code, version=newest + 1, jurisdiction_id=old.jurisdiction_id,
                                 created_by=actor.id, current=True)
    _fill(template, data)
    db.session.add(template)
    db.session.flush()
    audit.record(actor.id, "checklist_template_version", template, code=template.code, version=template.version)
    return template


def templates_for(user: User):
    """The templates a user may see: those of their jurisdiction subtree, and those of their tasks."""
    own = visible(user, select(ChecklistTemplate.id))
    of_tasks = visible(user, select(ChecklistTask.template_id))
    return select(ChecklistTemplate).where(ChecklistTemplate.id.in_(own.union(of_tasks)))


def get_template(user: User, template_id: int) -> ChecklistTemplate:
    template = db.session.scalar(templates_for(user).where(ChecklistTemplate.id == template_id))
    if template is None:
        raise NotFound("清单")
    return template


def template_view(template: ChecklistTemplate) -> dict:
    return {
        "id": template.id, "code": template.code, "version": template.version, "title": template.title,
        "problem": template.problem, "current": template.current, "jurisdiction_id": template.jurisdiction_id,
        "created_at": template.created_at, "updated_at": template.updated_at,
        "items": [{"id": i.id, "position": i.position, "kind": i.kind, "label": i.label, "guidance": i.guidance,
                   "options": loads(i.options), "required": i.required} for i in template.items],
    }


# --- tasks (issued to units or points: 举一反三) ---------------------------------------------------

def issue_tasks(actor: User, data: dict, now: datetime | None = None) -> list[ChecklistTask]:
    """One task per target: {template_id, unit_ids | unit_kind | point_ids | point_type, due_workdays}."""
    require_role(actor, *STAFF)
    template = get_template(actor, _int(data.get("template_id"), "template_id", required=True))
    if not template.current:
        raise Invalid({"template_id": "该清单已有新版本，请下发最新版本"})
    workdays = _int(data.get("due_workdays"), "due_workdays") or DEFAULT_TASK_WORKDAYS
    if not 1 <= workdays <= 250:
        raise Invalid({"due_workdays": "期限须为 1 到 250 个工作日"})
    targets: list[tuple[Unit | None, Point | None]] = []
    if data.get("unit_ids"):
        ids = data["unit_ids"]
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise Invalid({"unit_ids": "应为单位编号列表"})
        units = db.session.scalars(visible(actor, Unit).where(Unit.id.in_(ids), Unit.active)).all()
        if len(units) != len(set(ids)):
            raise Invalid({"unit_ids": "部分单位不存在或不在您的管辖范围内"})
        targets = [(u, None) for u in units]
    elif data.get("unit_kind"):
        if data["unit_kind"] not in ("department", "hall", "group"):
            raise Invalid({"unit_kind": "单位类型须为部门、大厅或派驻组"})
        targets = [(u, None) for u in db.session.scalars(
            visible(actor, Unit).where(Unit.kind == data["unit_kind"], Unit.active).order_by(Unit.id))]
    elif data.get("point_ids"):
        ids = data["point_ids"]
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise Invalid({"point_ids": "应为点位编号列表"})
        points = db.session.scalars(visible(actor, Point).where(Point.id.in_(ids), Point.active)).all()
        if len(points) != len(set(ids)):
            raise Invalid({"point_ids": "部分点位不存在或不在您的管辖范围内"})
        targets = [(None, p) for p in points]
    elif data.get("point_type"):
        targets = [(None, p) for p in db.session.scalars(
            visible(actor, Point).where(Point.type == data["point_type"], Point.active).order_by(Point.id))]
    else:
        raise Invalid({"targets": "请选择下发对象：单位、单位类型、点位或点位类型"})
    if not targets:
        raise Invalid({"targets": "没有符合条件的下发对象"})
    if len(targets) > MAX_TARGETS:
        raise Invalid({"targets": f"一次最多下发 {MAX_TARGETS} 个对象"})
    now = now or utcnow()
    due = deadline(now, workdays, "workday", Calendar.load())
    batch = secrets.token_hex(8)
    note = _text(data.get("note"), "note")
    tasks = []
    for unit, point in targets:
        if unit is not None:
            task = ChecklistTask(unit_id=unit.id, jurisdiction_id=unit.jurisdiction_id, department_id=unit.id)
        else:
            task = ChecklistTask(point_id=point.id, jurisdiction_id=point.jurisdiction_id,
                                 department_id=point.department_id, project_id=point.project_id)
        task.batch, task.template_id, task.issued_by, task.issued_at = batch, template.id, actor.id, now
        task.due_at, task.warn_at, task.due_provisional, task.note = due.due_at, due.warn_at, due.provisional, note
        db.session.add(task)
        tasks.append(task)
    db.session.flush()
    audit.record(actor.id, "checklist_issue", template, batch=batch, tasks=len(tasks), workdays=workdays)
    return tasks


def task_warning(task: ChecklistTask, now: datetime | None = None) -> str:
    """The cases' rule: yellow once two thirds of the working time are used, red once overdue;
    a task that has been answered no longer warns."""
    if task.state != "issued":
        return "none"
    now = now or utcnow()
    if task.due_at and now >= task.due_at:
        return "red"
    if task.warn_at and now >= task.warn_at:
        return "yellow"
    return "none"


def get_task(user: User, task_id: int) -> ChecklistTask:
    return get_visible(user, ChecklistTask, task_id, "清单任务")


# --- answers ---------------------------------------------------------------------------------------

def _photo_list(value, name: str) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and 8 <= len(v) <= 80 for v in value):
        raise Invalid({name: "照片编号列表格式不正确"})
    if len(value) > 10:
        raise Invalid({name: "最多 10 张照片"})
    return value


def _check_value(item: ChecklistItem, value, photos: list[str], name: str):
    """The answer to one item, checked against its kind; returns (value, negative)."""
    options = loads(item.options, [])
    if value is None or value == "" or value == []:
        if item.kind == "photo":
            if item.required and not photos:
                raise Invalid({name: "此项须拍照"})
            return None, False
        if item.required:
            raise Invalid({name: "此项必答"})
        return None, False
    if item.kind == "yes_no":
        if not isinstance(value, bool):
            raise Invalid({name: "请回答是或否"})
        return value, value is False
    if item.kind == "single":
        if value not in options:
            raise Invalid({name: "请从选项中选择"})
        return value, False
    if item.kind == "multiple":
        if not isinstance(value, list) or not set(value) <= set(options) or len(set(value)) != len(value):
            raise Invalid({name: "请从选项中选择"})
        return value, False
    if item.kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise Invalid({name: "应为数字"})
        return value, False
    if item.kind == "text":
        return _text(value, name), False
    if item.kind == "photo":
        if item.required and not photos:
            raise Invalid({name: "此项须拍照"})
        return None, False
    raise Invalid({name: "未知的题型"})


def submit_answers(user: User, data: dict, *, client_uuid: str) -> AnswerSet:
    """A self-check of a task (its unit's handler) or an inspection (inspectors: a spot-check of a
    task, or the checklist of a visit). Append-only: a second answer set is a second row."""
    task = visit = None
    if data.get("task_id") is not None:
        task = get_task(user, _int(data.get("task_id"), "task_id"))
    visit = resolve_visit(user, data)
    if task is None and visit is None:
        raise Invalid({"task_id": "请指明清单任务或走访"})
    template_id = _int(data.get("template_id"), "template_id") or (task.template_id if task else visit.template_id)
    if template_id is None:
        raise Invalid({"template_id": "请指明清单"})
    if task is not None and template_id != task.template_id:
        raise Invalid({"template_id": "清单版本与任务不一致"})
    template = get_template(user, template_id)
    kind = "inspection" if user.role in STAFF else "self_check"
    if kind == "self_check":
        if task is None or user.role != "handler" or user.unit_id not in (task.department_id, task.unit_id):
            raise ApiError(403, "forbidden", "只有任务的承办单位可以提交自查")
    raw = data.get("answers")
    if not isinstance(raw, list):
        raise Invalid({"answers": "请提交答案列表"})
    by_item = {}
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict) or not isinstance(entry.get("item_id"), int):
            raise Invalid({f"answers.{index}": "格式不正确"})
        by_item[entry["item_id"]] = entry
    unknown = set(by_item) - {i.id for i in template.items}
    if unknown:
        raise Invalid({"answers": "有答案不属于该清单"})
    target = task or visit
    answer_set = AnswerSet(client_uuid=client_uuid, kind=kind, template_id=template.id,
                           task_id=task.id if task else None, visit_id=visit.id if visit else None,
                           jurisdiction_id=target.jurisdiction_id, department_id=target.department_id,
                           project_id=target.project_id, author_id=user.id,
                           answered_at=_moment(data.get("answered_at"), "answered_at"))
    errors = {}
    photos_needed: list[str] = []
    for item in template.items:
        entry = by_item.get(item.id, {})
        name = f"item.{item.id}"
        try:
            photos = _photo_list(entry.get("photos"), name)
            value, negative = _check_value(item, entry.get("value"), photos, name)
            note = _text(entry.get("note"), name)
        except Invalid as error:
            errors.update(error.fields)
            continue
        if item.id not in by_item:
            continue
        photos_needed += photos
        answer_set.answers.append(Answer(item_id=item.id, value=dumps(value), note=note,
                                         photo_uuids=dumps(photos) if photos else None, negative=negative))
    if errors:
        raise Invalid(errors, "清单答案有误，请检查标注的项")
    require_photos(user, photos_needed)
    db.session.add(answer_set)
    now = utcnow()
    if task is not None:
        if kind == "self_check" and task.state == "issued":
            task.state, task.answered_at = "answered", now
        elif kind == "inspection":
            task.state, task.spot_checked_at = "spot_checked", now
    if visit is not None:
        visit.updated_at = now
    db.session.flush()
    return answer_set


def answer_view(answer_set: AnswerSet) -> dict:
    return {"id": answer_set.id, "uuid": answer_set.client_uuid, "kind": answer_set.kind,
            "template_id": answer_set.template_id, "task_id": answer_set.task_id, "visit_id": answer_set.visit_id,
            "author_id": answer_set.author_id, "created_at": answer_set.created_at,
            "answers": [{"id": a.id, "item_id": a.item_id, "value": loads(a.value), "note": a.note,
                         "photos": loads(a.photo_uuids, []), "negative": a.negative, "case_id": a.case_id}
                        for a in answer_set.answers]}


# --- photos referenced by writes --------------------------------------------------------------------

class PhotoNotReady(ApiError):
    """A write refers to a photo whose bytes have not all arrived: it waits (retryable)."""

    def __init__(self, missing: list[str]):
        super().__init__(409, "photo_missing", "照片尚未上传完成，稍后自动重试", extra={"photos": missing})


def require_photos(user: User, uuids: list[str]) -> list[FieldPhoto]:
    if not uuids:
        return []
    rows = {p.uuid: p for p in db.session.scalars(select(FieldPhoto).where(FieldPhoto.uuid.in_(uuids),
                                                                           FieldPhoto.owner_id == user.id))}
    missing = [u for u in uuids if u not in rows or rows[u].state in ("receiving", "received")]
    bad = [rows[u] for u in uuids if u in rows and rows[u].state == "rejected"]
    if bad:
        raise Invalid({"photos": f"照片无法使用：{bad[0].reason}"})
    if missing:
        raise PhotoNotReady(missing)
    return [rows[u] for u in uuids]


# --- visits ----------------------------------------------------------------------------------------

def _place(user: User, data: dict) -> tuple[Point | None, Project | None]:
    point_id, project_id = _int(data.get("point_id"), "point_id"), _int(data.get("project_id"), "project_id")
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
    point, project = _place(user, data)
    template_id = _int(data.get("template_id"), "template_id")
    if template_id is not None:
        get_template(user, template_id)
    visit.kind, visit.template_id = data["kind"], template_id
    visit.point_id = point.id if point else None
    visit.project_id = project.id if project else None
    visit.jurisdiction_id = point.jurisdiction_id if point else project.jurisdiction_id
    visit.department_id = point.department_id if point else None
    visit.title = _text(data.get("title"), "title", 128)
    planned = data.get("planned_for")
    if planned:
        try:
            visit.planned_for = date.fromisoformat(str(planned))
        except ValueError:
            raise Invalid({"planned_for": "日期格式应为 YYYY-MM-DD"}) from None


def plan_visit(actor: User, data: dict) -> Visit:
    """A visit planned for an inspector (self, or another inspector in scope)."""
    require_role(actor, *STAFF)
    inspector_id = _int(data.get("inspector_id"), "inspector_id") or actor.id
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
        return get_visible(user, Visit, _int(data.get("visit_id"), "visit_id"), "走访")
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
    photos = _photo_list(data.get("photos"), "photos")
    notes = _text(data.get("notes"), "notes", 5000)
    started, finished = _moment(data.get("started_at"), "started_at"), _moment(data.get("finished_at"), "finished_at")
    require_photos(user, photos)
    record = VisitRecord(client_uuid=client_uuid, visit_id=visit.id, author_id=user.id, started_at=started,
                         finished_at=finished, notes=notes, photo_uuids=dumps(photos) if photos else None, **position)
    db.session.add(record)
    visit.state = "done"  # derived: a visit with a record has been made
    visit.updated_at = utcnow()
    db.session.flush()
    return record


def visit_view(visit: Visit, *, detail: bool = False, viewer: User | None = None) -> dict:
    """A visit; in detail (for `viewer`) with its records, answers and the findings the viewer may see."""
    view = {
        "id": visit.id, "uuid": visit.client_uuid, "kind": visit.kind, "title": visit.title,
        "point_id": visit.point_id, "project_id": visit.project_id, "template_id": visit.template_id,
        "jurisdiction_id": visit.jurisdiction_id, "inspector_id": visit.inspector_id, "state": visit.state,
        "planned_for": visit.planned_for.isoformat() if visit.planned_for else None,
        "place": (visit.point.name if visit.point else visit.project.name if visit.project else None),
        "created_at": visit.created_at, "updated_at": visit.updated_at,
    }
    if detail:
        records = db.session.scalars(select(VisitRecord).where(VisitRecord.visit_id == visit.id).order_by(VisitRecord.id))
        view["records"] = [{"id": r.id, "uuid": r.client_uuid, "latitude": r.latitude, "longitude": r.longitude,
                            "accuracy_m": r.accuracy_m, "notes": r.notes, "photos": loads(r.photo_uuids, []),
                            "started_at": r.started_at, "finished_at": r.finished_at} for r in records]
        view["answer_sets"] = [answer_view(a) for a in db.session.scalars(
            visible(viewer, AnswerSet).where(AnswerSet.visit_id == visit.id).order_by(AnswerSet.id))]
        view["findings"] = [finding_view(f) for f in db.session.scalars(
            visible(viewer, Finding).where(Finding.visit_id == visit.id).order_by(Finding.id))]
    return view


# --- findings → report + case ------------------------------------------------------------------------

def _project_point(project_id: int) -> Point | None:
    return db.session.scalar(select(Point).where(Point.project_id == project_id).order_by(Point.active.desc(), Point.id))


def create_finding(user: User, data: dict, *, client_uuid: str) -> Finding:
    """A problem found on a visit or a "no" on a checklist item becomes a report and a case (受理)."""
    from jiandu.cases.service import open_case
    from jiandu.intake.models import Photo, ReportCategory, Report

    require_role(user, *STAFF)
    visit = resolve_visit(user, data)
    answer = None
    if data.get("answer_id") is not None or data.get("answer_set_uuid"):
        answer = _answer_for(user, data)
        if visit is None and answer.answer_set.visit_id is not None:
            visit = db.session.get(Visit, answer.answer_set.visit_id)
    description = _text(data.get("description"), "description", 2000, required=True)
    if len(description) < 4:
        raise Invalid({"description": "请至少写 4 个字说明问题"})
    category_code = _text(data.get("category"), "category", 32)
    category = None
    if category_code:
        from jiandu.intake.service import ensure_seeded

        ensure_seeded()  # a fresh installation gets the default categories on first use
        category = db.session.scalar(select(ReportCategory).where(ReportCategory.code == category_code))
        if category is None:
            raise Invalid({"category": "未知的问题类别"})
    photos = _photo_list(data.get("photos"), "photos")
    if visit is not None:
        point = visit.point
        project_id = visit.project_id
    elif answer is not None:
        owner = answer.answer_set
        task = db.session.get(ChecklistTask, owner.task_id) if owner.task_id else None
        point = task.point if task and task.point_id else None
        project_id = owner.project_id
    else:
        point, project = _place(user, data)
        project_id = project.id if project else None
    if point is None and project_id is not None:
        point = _project_point(project_id)
    jurisdiction_id = point.jurisdiction_id if point else (visit.jurisdiction_id if visit else answer.answer_set.jurisdiction_id)
    department_id = point.department_id if point else (answer.answer_set.department_id if answer else None)
    stored = require_photos(user, photos)
    channel = "checklist" if answer is not None else "field_visit"
    case = open_case(channel=channel, summary=description[:200], jurisdiction_id=jurisdiction_id,
                     point_id=point.id if point else None, department_id=department_id, project_id=project_id,
                     category=category.code if category else None,
                     case_type=category.case_type if category else "work_style",
                     public_note="监督检查发现的问题已受理")
    report = None
    if point is not None:
        report = Report(point_id=point.id, jurisdiction_id=jurisdiction_id, department_id=department_id,
                        project_id=project_id, kind="report", category=category.code if category else None,
                        description=description, anonymous=True, case_id=case.id, channel="field_visit",
                        client="api", lang="zh", created_at=utcnow())
        db.session.add(report)
        db.session.flush()
        for photo in stored:
            db.session.add(Photo(report_id=report.id, storage_key=photo.storage_key, content_type=photo.content_type,
                                 width=photo.width, height=photo.height, size=photo.stored_size, sha256=photo.sha256))
    finding = Finding(client_uuid=client_uuid, visit_id=visit.id if visit else None,
                      answer_id=answer.id if answer else None, point_id=point.id if point else None,
                      project_id=project_id, jurisdiction_id=jurisdiction_id, department_id=department_id,
                      author_id=user.id, category=category.code if category else None, description=description,
                      photo_uuids=dumps(photos) if photos else None, report_id=report.id if report else None,
                      case_id=case.id)
    db.session.add(finding)
    if answer is not None:
        answer.case_id = case.id
    if visit is not None:
        visit.updated_at = utcnow()
    db.session.flush()
    return finding


def _answer_for(user: User, data: dict) -> Answer:
    if data.get("answer_id") is not None:
        answer = db.session.get(Answer, _int(data.get("answer_id"), "answer_id"))
        if answer is None or not is_visible(user, AnswerSet, answer.answer_set_id):
            raise NotFound("答案")
    else:
        answer_set = db.session.scalar(visible(user, AnswerSet).where(AnswerSet.client_uuid == str(data["answer_set_uuid"])))
        if answer_set is None:
            raise DependencyMissing("清单答案")
        answer = next((a for a in answer_set.answers if a.item_id == data.get("item_id")), None)
        if answer is None:
            raise Invalid({"item_id": "该题没有答案"})
    if answer.case_id is not None:
        raise ApiError(409, "already_case", "该项已转为案件")
    return answer


def finding_view(finding: Finding) -> dict:
    return {"id": finding.id, "uuid": finding.client_uuid, "visit_id": finding.visit_id,
            "answer_id": finding.answer_id, "point_id": finding.point_id, "project_id": finding.project_id,
            "category": finding.category, "description": finding.description,
            "photos": loads(finding.photo_uuids, []), "report_id": finding.report_id, "case_id": finding.case_id,
            "created_at": finding.created_at}
