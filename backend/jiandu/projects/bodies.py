"""What the routes of jiandu.projects take: request bodies loaded with the fields of jiandu.contract.

A refusal reads as before: `{"fields": {name: 中文说明}}`, one sentence per field (ProjectBody). The
rules that need the database or several fields at once (a department of the project, promised not
above statutory, done not before submitted) stay in the service.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates

from jiandu.contract import Body, Filled, Flag, Int, Money, Text, Version, Workdays
from jiandu.errors import Invalid
from jiandu.pagination import MAX_PER_PAGE
from jiandu.projects import rules
from jiandu.projects.invitations import MIN_PASSWORD, USERNAME_RE
from jiandu.projects.models import PAYER_KINDS, STAGE_LABELS, STAGES
from jiandu.projects.schemas import CASE_TYPES

STAGE_WORDS = "阶段须为：" + " → ".join(STAGE_LABELS.values())


def _sentence(messages) -> str:
    """The first message of a field (marshmallow gives lists, and dicts for a list's items)."""
    while isinstance(messages, (list, dict)):
        messages = next(iter(messages.values() if isinstance(messages, dict) else messages), "")
    return str(messages)


def parse_date(value) -> date | None:
    """A day as people type it (ISO, with / or ., or 2025年3月1日); None when it is no day."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        match = re.match(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$", text)
        if match:
            try:
                return date(*map(int, match.groups()))
            except ValueError:
                return None
        return None


class ProjectBody(Body):
    """The projects' bodies: their refusals are the service's own 422, one sentence per field."""

    def handle_error(self, error, data, *, many, **kwargs):
        raise Invalid({"_" if name == "_schema" else name: _sentence(messages)
                       for name, messages in error.normalized_messages().items()})


class LooseDay(fields.Field):
    """A day as people type it: 2025-03-01, 2025/3/1, 2025.3.1 or 2025年3月1日; blank is none.
    `not_future`: a day that has happened (today in Asia/Shanghai at the latest)."""

    def __init__(self, *, label: str = "日期", not_future: bool = False, **kwargs):
        self.label, self.not_future = label, not_future
        kwargs.setdefault("error_messages", {"required": f"请填写{label}", "null": f"请填写{label}"})
        kwargs.setdefault("metadata", {"type": "string", "format": "date"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if value == "":
            if self.required:
                raise ValidationError(f"请填写{self.label}")
            return None
        day = parse_date(value)
        if day is None:
            raise ValidationError(f"{self.label}格式应为 YYYY-MM-DD")
        if self.not_future and day > rules.local_today():
            raise ValidationError(f"{self.label}不能晚于今天")
        return day

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.isoformat()


class Stage(Text):
    """A stage key (a blank one is no stage)."""

    def __init__(self, **kwargs):
        super().__init__(label="阶段", limit=32, metadata={"description": "a stage key"}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        stage = super()._deserialize(value, attr, data, **kwargs)
        if stage is not None and stage not in STAGES:
            raise ValidationError(STAGE_WORDS)
        return stage


# --- approval items ---------------------------------------------------------------------------------

class ApprovalItemPatchIn(ProjectBody):
    name = Filled(label="审批事项名称", limit=128)
    department_id = Int(label="审批部门", allow_none=True, metadata={"description": "one of the project's departments"},
                        error_messages={"required": "请选择审批部门", "invalid": "应为部门编号"})
    statutory_days = Workdays(label="法定时限（工作日）", metadata={"description": "法定时限, working days"})
    promised_days = Workdays(label="承诺时限（工作日）",
                             metadata={"description": "承诺时限, working days; not above statutory_days"})
    submitted_on = LooseDay(label="申报日期", not_future=True)
    done_on = LooseDay(label="办结日期", not_future=True, allow_none=True)
    note = Text(label="备注", limit=2000, allow_none=True)
    version = Version(required=False, metadata={"description": "the version last read: 409 if changed since"})


class ApprovalItemIn(ApprovalItemPatchIn):
    name = Filled(label="审批事项名称", limit=128, required=True)
    department_id = Int(label="审批部门", required=True, allow_none=True,
                        metadata={"description": "one of the project's departments"},
                        error_messages={"required": "请选择审批部门", "invalid": "应为部门编号"})
    statutory_days = Workdays(label="法定时限（工作日）", required=True,
                              metadata={"description": "法定时限, working days"})
    promised_days = Workdays(label="承诺时限（工作日）", required=True,
                             metadata={"description": "承诺时限, working days; not above statutory_days"})
    submitted_on = LooseDay(label="申报日期", not_future=True, required=True)


# --- milestones ---------------------------------------------------------------------------------------

class MilestonePatchIn(ProjectBody):
    name = Filled(label="节点名称", limit=128)
    stage = Stage(allow_none=True)
    planned_on = LooseDay(label="计划日期", allow_none=True)
    done_on = LooseDay(label="完成日期", not_future=True, allow_none=True)
    note = Text(label="备注", limit=2000, allow_none=True)
    version = Version(required=False, metadata={"description": "the version last read: 409 if changed since"})


class MilestoneIn(MilestonePatchIn):
    name = Filled(label="节点名称", limit=128, required=True)
    planned_on = LooseDay(label="计划日期", required=True)


# --- payments -------------------------------------------------------------------------------------------

class PositiveMoney(Money):
    """An amount owed, in yuan as people type it (1,200.50 / 1200元), above zero; loaded as fen."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = "" if value is None or isinstance(value, bool) else str(value).strip()
        text = text.replace("，", "").replace(",", "").removesuffix("元")
        if not text:
            raise ValidationError(f"请填写{self.label}")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite():
            raise ValidationError(f"{self.label}应为数字（元，最多两位小数）")
        if amount <= 0:
            raise ValidationError(f"{self.label}必须大于 0")
        return super()._deserialize(text, attr, data, **kwargs)


class PayerKind(Text):
    """Who pays: a key of PAYER_KINDS (a blank one is the default, government)."""

    def __init__(self, **kwargs):
        super().__init__(label="付款单位类型", limit=32, metadata={"description": "default government",
                                                                  "enum": list(PAYER_KINDS)}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        kind = super()._deserialize(value, attr, data, **kwargs)
        if kind is not None and kind not in PAYER_KINDS:
            raise ValidationError("付款单位类型须为机关事业单位（government）、大型企业（large_enterprise）"
                                  "或其他（other）")
        return kind


AMOUNT_NOTE = {"description": "yuan, at most two decimals (a JSON number is taken too)", "type": "string"}


class PaymentPatchIn(ProjectBody):
    contract_name = Filled(label="合同名称", limit=128)
    contract_no = Text(label="合同编号", limit=64, allow_none=True)
    payer = Filled(label="付款单位", limit=128)
    payer_kind = PayerKind(allow_none=True)
    payer_unit_id = Int(label="付款单位", allow_none=True)
    amount_fen = PositiveMoney(label="金额", data_key="amount", metadata=AMOUNT_NOTE)
    delivered_on = LooseDay(label="交付（验收）日期", not_future=True)
    contract_due_on = LooseDay(label="合同约定付款日期", allow_none=True)
    paid_on = LooseDay(label="付款日期", not_future=True, allow_none=True)
    note = Text(label="备注", limit=2000, allow_none=True)
    version = Version(required=False, metadata={"description": "the version last read: 409 if changed since"})


class PaymentIn(PaymentPatchIn):
    contract_name = Filled(label="合同名称", limit=128, required=True)
    payer = Filled(label="付款单位", limit=128, required=True)
    amount_fen = PositiveMoney(label="金额", data_key="amount", required=True, metadata=AMOUNT_NOTE)
    delivered_on = LooseDay(label="交付（验收）日期", not_future=True, required=True)


# --- settings, categories, invitations, return visits ------------------------------------------------

def _settings_fields() -> dict:
    return {key: Int(label=rules.SETTING_LABELS[key], low=low, high=high)
            for key, (low, high) in rules.SETTING_RANGES.items()}


class _SettingsMeta:
    unknown = RAISE


# The settings' keys are fixed (rules.DEFAULT_SETTINGS): one named property each, and no other.
ProjectSettingsIn = type("ProjectSettingsIn", (ProjectBody,), {
    **_settings_fields(), "Meta": _SettingsMeta,
    "error_messages": {**ProjectBody.error_messages, "unknown": "未知的设置项"}})


class BlockerCategoryIn(ProjectBody):
    name = Text(label="名称", limit=32, metadata={"description": "required for a new category"})
    name_en = Text(label="英文名称", limit=64, allow_none=True)
    case_type = fields.String(allow_none=True, validate=validate.OneOf(
        CASE_TYPES, error="案件类型须为服务诉求、作风效能或问题线索"))
    sort = Int(label="排序", low=0, high=10000, allow_none=True)
    active = Flag(label="是否启用")


class InvitationIn(ProjectBody):
    display_name = Text(label="被邀请人姓名", limit=64, allow_none=True,
                        metadata={"description": "the invited person's name"})


PASSWORD_WORDS = f"密码至少 {MIN_PASSWORD} 位"


class InvitationRedeemIn(ProjectBody):
    username = Text(label="用户名", limit=32, required=True,
                    validate=validate.Regexp(USERNAME_RE, error="用户名为 3–32 位字母、数字、点、横线或下划线"),
                    metadata={"description": "3–32 letters, digits, dot, dash, underscore"})
    password = fields.String(required=True, validate=validate.Length(min=MIN_PASSWORD, error=PASSWORD_WORDS),
                             error_messages={"required": PASSWORD_WORDS, "null": PASSWORD_WORDS,
                                             "invalid": PASSWORD_WORDS},
                             metadata={"description": f"at least {MIN_PASSWORD} characters"})
    display_name = Text(label="姓名", limit=64, allow_none=True,
                        metadata={"description": "default: the name the invitation was made for"})


SATISFACTION_WORDS = "请选择满意程度（5 = 非常满意 … 1 = 非常不满意）"


class BlockerFeedbackIn(ProjectBody):
    resolved = Flag(required=True, error_messages={"required": "请选择问题是否已解决", "null": "请选择问题是否已解决",
                                                   "invalid": "请选择问题是否已解决"})
    satisfaction = Int(required=True, error_messages={"required": SATISFACTION_WORDS, "null": SATISFACTION_WORDS,
                                                      "invalid": SATISFACTION_WORDS},
                       metadata={"description": "5 非常满意 … 1 非常不满意", "minimum": 1, "maximum": 5})
    comment = Text(label="回访意见", limit=300, allow_none=True)

    @validates("satisfaction")
    def _one_to_five(self, value, **kwargs):
        if value not in (1, 2, 3, 4, 5):
            raise ValidationError(SATISFACTION_WORDS)


# --- query strings of the lists ------------------------------------------------------------------------

class Yes(fields.Field):
    """A query switch: 1, true or yes turn it on; anything else (or none) leaves it off."""

    def _deserialize(self, value, attr, data, **kwargs):
        return value in ("1", "true", "yes")


class PageQuery(ProjectBody):
    """A page of a list: out-of-range numbers are brought into range (page 1 at least, 1 to 200 a page)."""
    page = Int(label="页码", load_default=1, metadata={"description": "from 1"})
    per_page = Int(label="每页条数", load_default=50, metadata={"description": f"1 to {MAX_PER_PAGE}, default 50"})

    @post_load
    def _in_range(self, data, **kwargs):
        return {**data, "page": max(1, data["page"]), "per_page": min(MAX_PER_PAGE, max(1, data["per_page"]))}


class BoardQuery(PageQuery):
    jurisdiction = Int(label="辖区", allow_none=True,
                       metadata={"description": "only this jurisdiction and the ones under it"})
    problems = Yes(metadata={"type": "string",
                             "description": "1, true or yes: only projects with something overdue or open"})
    q = Text(label="搜索词", allow_none=True, metadata={"description": "in the name, project code or owner"})


class BlockerQuery(PageQuery):
    project = Int(label="项目", allow_none=True, metadata={"description": "only this project's"})
    open = Yes(metadata={"type": "string", "description": "1, true or yes: open cases only"})


# --- documentation only, until their routes load them: the service still parses these bodies itself ---

class BlockerIn(Schema):
    category = fields.String(required=True, metadata={"description": "an active blocker category's code"})
    description = fields.String(required=True, metadata={"description": "5 to 1000 characters"})
    department_id = fields.Integer(allow_none=True, metadata={"description": "one of the project's departments"})
    contact_ok = fields.Boolean()
    project_id = fields.Integer(metadata={"description": "default: the enterprise user's project"})
    point_code = fields.String(metadata={"description": "the scanned project code, when reported by the code"})
    client_id = fields.String(metadata={"description": "8–80 characters, unless sent as the Idempotency-Key header"})


class BlockerFormIn(Schema):
    category = fields.String(required=True)
    description = fields.String(required=True)
    department_id = fields.String()
    contact_ok = fields.String(metadata={"description": "true/false, 1/0, yes/no or on/off"})
    project_id = fields.String()
    point_code = fields.String()
    client_id = fields.String()
    photos = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}))
