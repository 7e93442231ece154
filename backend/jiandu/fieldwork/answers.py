"""Answers to a checklist: a unit's self-check of its task, or an inspector's spot-check or visit checklist."""
from __future__ import annotations

import math

from jiandu.errors import ApiError, Invalid
from jiandu.extensions import db
from jiandu.fieldwork.checklists import get_template
from jiandu.fieldwork.common import STAFF, dumps, loads, read_int, read_moment, read_photos, read_text
from jiandu.fieldwork.models import Answer, AnswerSet, ChecklistItem
from jiandu.files.uploads import require_photos
from jiandu.fieldwork.tasks import get_task
from jiandu.fieldwork.visits import resolve_visit
from jiandu.org.models import User
from jiandu.timeutil import utcnow


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
        return read_text(value, name), False
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
        task = get_task(user, read_int(data.get("task_id"), "task_id"))
    visit = resolve_visit(user, data)
    if task is None and visit is None:
        raise Invalid({"task_id": "请指明清单任务或走访"})
    template_id = read_int(data.get("template_id"), "template_id") or (task.template_id if task else visit.template_id)
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
                           answered_at=read_moment(data.get("answered_at"), "answered_at"))
    errors = {}
    photos_needed: list[str] = []
    for item in template.items:
        entry = by_item.get(item.id, {})
        name = f"item.{item.id}"
        try:
            photos = read_photos(entry.get("photos"), name)
            value, negative = _check_value(item, entry.get("value"), photos, name)
            note = read_text(entry.get("note"), name)
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
