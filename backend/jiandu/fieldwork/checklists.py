"""Checklist templates (清单监督), versioned: a changed checklist is a new version of the same code."""
from __future__ import annotations

import secrets

from sqlalchemy import func, select

from jiandu import audit
from jiandu.errors import Invalid, NotFound
from jiandu.extensions import db
from jiandu.fieldwork.common import MAX_TEXT, STAFF, dumps, read_text, require_role
from jiandu.fieldwork.models import ITEM_KINDS, ChecklistItem, ChecklistTask, ChecklistTemplate
from jiandu.org.models import User
from jiandu.org.scope import visible

MAX_ITEMS = 100


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
            label = read_text(entry.get("label"), f"items.{index}.label", 255, required=True)
            guidance = read_text(entry.get("guidance"), f"items.{index}.guidance")
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
            setattr(template, name, read_text(data.get(name), name, limit, required=name == "title"))
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
