"""What fieldwork's online routes take: request bodies loaded with the fields of jiandu.contract.

A refusal reads as the service's own 422: one sentence per field, keyed by its path (`items.0.kind`),
so the PWA marks the item concerned. The same rules run again in the service, because the offline
outbox's writes (jiandu.fieldwork.sync) reach it as plain dicts; the rules that need the database
(a template in scope, the kinds of visit) are the service's alone.
"""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from jiandu.contract import Body, ClientKey, Day, Flag, Int, Text, Workdays
from jiandu.errors import Invalid
from jiandu.fieldwork.common import MAX_TEXT
from jiandu.fieldwork.models import ITEM_KINDS

MAX_ITEMS = 100
MAX_PHOTOS = 10
KIND_REFUSED = "类型须为是否、单选、多选、数字、文字或照片"


def _flat(messages, prefix: str = "") -> dict:
    """marshmallow's nested messages as {"items.0.kind": first sentence}."""
    if isinstance(messages, list):
        if messages and all(isinstance(m, str) for m in messages):
            return {prefix or "_": messages[0]}
        messages = dict(enumerate(messages))
    found = {}
    for name, inner in messages.items():
        name = "_" if name == "_schema" else str(name)
        path = f"{prefix}.{name}" if prefix else name
        found.update(_flat(inner, path) if isinstance(inner, (dict, list)) else {path: str(inner)})
    return found


class FieldworkBody(Body):
    """The top of a route's body: refusals become the service's 422 (nested bodies are plain Body)."""

    refusal = None  # the 422's sentence; None: the general one

    def handle_error(self, error, data, *, many, **kwargs):
        raise Invalid(_flat(error.normalized_messages()), self.refusal)


def _optional(field_class, **kwargs):
    return field_class(allow_none=True, load_default=None, **kwargs)


def _photo_uuids():
    return fields.List(fields.String(validate=validate.Length(min=8, max=80)), allow_none=True,
                       validate=validate.Length(max=MAX_PHOTOS, error=f"最多 {MAX_PHOTOS} 张照片"),
                       error_messages={"invalid": "照片编号列表格式不正确"})


class ChecklistItemBody(Body):
    """One item of a checklist (nested: its refusals are gathered by the template's body)."""

    kind = fields.String(required=True, validate=validate.OneOf(ITEM_KINDS, error=KIND_REFUSED),
                         error_messages={"required": KIND_REFUSED})
    label = Text(label="题目", limit=255, required=True)
    guidance = _optional(Text, label="说明", limit=MAX_TEXT)
    options = fields.List(fields.String(), allow_none=True)
    required = Flag(label="必答", load_default=True)

    @validates_schema
    def _choices(self, data, **kwargs):
        if data.get("kind") not in ("single", "multiple"):
            return
        options = data.get("options")
        if (not isinstance(options, list) or len(options) < 2 or not all(o.strip() for o in options)
                or len({o.strip() for o in options}) != len(options)):
            raise ValidationError("单选、多选至少两个不重复的选项", field_name="options")


class ChecklistTemplateBody(FieldworkBody):
    refusal = "清单内容有误，请检查标注的项"

    title = Text(label="标题", limit=128, required=True)
    problem = _optional(Text, label="问题", limit=MAX_TEXT)
    items = fields.List(fields.Nested(ChecklistItemBody), required=True,
                        validate=validate.Length(min=1, max=MAX_ITEMS, error=f"清单须有 1 到 {MAX_ITEMS} 项"),
                        error_messages={"required": "清单至少需要一项", "null": "清单至少需要一项"})


class ChecklistIssueBody(FieldworkBody):
    """Exactly one way of choosing the targets: unit_ids, unit_kind, point_ids or point_type."""

    template_id = Int(label="清单", required=True, metadata={"description": "the current version of a checklist"})
    unit_ids = fields.List(Int(label="单位编号"), allow_none=True)
    unit_kind = _optional(fields.String, validate=validate.OneOf(("department", "hall", "group"),
                                                                error="单位类型须为部门、大厅或派驻组"))
    point_ids = fields.List(Int(label="点位编号"), allow_none=True)
    point_type = _optional(Text, label="点位类型", limit=32)
    due_workdays = _optional(Workdays, label="期限（工作日）", high=250, metadata={"description": "default 10"})
    note = _optional(Text, label="说明", limit=MAX_TEXT)


class FieldVisitBody(FieldworkBody):
    """A visit to plan: a point or a project (one of them), its kind, for oneself or another inspector."""

    kind = Text(label="走访类型", limit=32, required=True, metadata={"description": "a code of GET /visit-kinds"},
                error_messages={"required": "请选择走访类型", "null": "请选择走访类型"})
    point_id = _optional(Int, label="点位")
    project_id = _optional(Int, label="项目")
    template_id = _optional(Int, label="清单")
    inspector_id = _optional(Int, label="监督员")
    title = _optional(Text, label="标题", limit=128)
    planned_for = _optional(Day, label="计划日期")


class AnswerCaseBody(FieldworkBody):
    """A "no" made a case in one tap; `id` is the client UUID that makes a second tap the same case."""

    id = _optional(ClientKey)
    description = _optional(Text, label="问题说明", limit=2000)
    category = _optional(Text, label="问题类别", limit=32)
    photos = _photo_uuids()


class SyncPushBody(FieldworkBody):
    """A batch of the outbox's writes; each write is checked by the engine, which answers it on its own."""

    device = _optional(fields.String)
    writes = fields.Raw(required=True, error_messages={"required": "请提交至少一条写入"},
                        metadata={"description": "[{id: client UUID, op, body}]: answered one by one"})
