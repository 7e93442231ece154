"""What the registry's routes take: a project's body, loaded with the fields of jiandu.contract and
the registry's own (a credit code with the reason it is wrong, a stage by key or label, departments).
The rules that need the database (scope, a project code registered twice) stay in the service."""
from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields

from jiandu.contract import Filled, Flag, Int, Phone, Text, Version
from jiandu.projects import credit_code
from jiandu.projects.bodies import STAGE_WORDS, ProjectBody
from jiandu.projects.models import STAGE_LABELS, STAGES

STAGE_KEYS = {**{label: key for key, label in STAGE_LABELS.items()}, **{key: key for key in STAGES}}


class ProjectCreditCode(fields.Field):
    """统一社会信用代码, spaces and dashes dropped, upper-cased; a wrong one says why (length, characters,
    check character)."""

    def __init__(self, *, label: str, filled: bool = False, **kwargs):
        self.label, self.filled = label, filled  # filled: a change may leave it out, never blank it
        kwargs.setdefault("error_messages", {"required": f"请填写{label}", "null": f"请填写{label}"})
        kwargs.setdefault("metadata", {"type": "string", "description": "统一社会信用代码, 18 characters"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        code = credit_code.normalise(value if isinstance(value, str) else None)
        if not code:
            if self.required or self.filled:
                raise ValidationError(f"请填写{self.label}")
            return None
        reason = credit_code.problem(code)
        if reason:
            raise ValidationError(f"{self.label}：{reason}")
        return code


class StageOrLabel(Text):
    """A stage by its key or its Chinese label; blank is the first stage (land_planning)."""

    def __init__(self, **kwargs):
        super().__init__(label="阶段", limit=32, metadata={
            "description": "a stage key or its Chinese label; default land_planning"}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None:
            return "land_planning"
        if text not in STAGE_KEYS:
            raise ValidationError(STAGE_WORDS)
        return STAGE_KEYS[text]


class DepartmentIds(fields.Field):
    """Department ids, as a list or as text ("3, 5 8")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {"type": "array", "items": {"type": "integer"},
                                       "description": "departments of the project"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [part for part in re.split(r"[,，\s]+", value) if part]
        if not isinstance(value, list) or any(isinstance(i, bool) for i in value):
            raise ValidationError("应为部门编号列表")
        try:
            return sorted({int(i) for i in value})
        except (TypeError, ValueError):
            raise ValidationError("应为部门编号列表") from None


class ProjectPatchIn(ProjectBody):
    name = Filled(label="项目名称", limit=128)
    project_code = Filled(label="项目代码", limit=64)
    owner_enterprise = Filled(label="业主单位", limit=128)
    owner_credit_code = ProjectCreditCode(label="业主单位统一社会信用代码", filled=True)
    construction_enterprise = Text(label="施工单位", limit=128, allow_none=True)
    construction_credit_code = ProjectCreditCode(label="施工单位统一社会信用代码", allow_none=True)
    jurisdiction_id = Int(label="所属辖区")
    location = Text(label="项目地址", limit=255, allow_none=True)
    investment_wan = Int(label="总投资（万元）", low=0, high=10**9, allow_none=True,
                         metadata={"description": "总投资, 万元"})
    stage = StageOrLabel(allow_none=True)
    department_ids = DepartmentIds(allow_none=True)
    liaison_name = Text(label="包联干部", limit=64, allow_none=True)
    liaison_phone = Phone(label="包联干部电话", allow_none=True)
    contact_name = Text(label="企业联系人", limit=64, allow_none=True)
    contact_phone = Phone(label="企业联系人电话", allow_none=True)
    description = Text(label="项目简介", limit=2000, allow_none=True)
    active = Flag(label="是否在册", error_messages={"invalid": "应为是或否", "null": "应为是或否"})
    version = Version(required=False, metadata={"description": "the version last read: 409 if changed since"})


class ProjectIn(ProjectPatchIn):
    name = Filled(label="项目名称", limit=128, required=True)
    project_code = Filled(label="项目代码", limit=64, required=True)
    owner_enterprise = Filled(label="业主单位", limit=128, required=True)
    owner_credit_code = ProjectCreditCode(label="业主单位统一社会信用代码", required=True)
    jurisdiction_id = Int(label="所属辖区", required=True)
    stage = StageOrLabel(load_default="land_planning")


class ProjectImportIn(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                               "description": "an Excel (.xlsx) or CSV file"})
