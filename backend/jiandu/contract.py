"""One contract per payload: the base schema and the fields every capability loads its JSON with.

A route says `@blp.arguments(SomeBody)` and `@blp.response(200, SomeView)`; the schema checks and
cleans the body, and a field's Chinese message is written here once. A field takes the label users
know it by (`label="联系电话"`), so its messages read "请填写联系电话", "联系电话不能超过 32 个字".
Errors reach the client as `{"error": {"code": "invalid", "fields": {name: 中文说明}}}` through
`jiandu.errors` (webargs' 422), and nothing is changed.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from jiandu.errors import Invalid

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")  # 统一社会信用代码
CLIENT_KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,80}$")  # an outbox's key for one write (a UUID, usually)
MAX_AMOUNT_FEN = 10**15  # ten trillion yuan: anything above is a typing error


class Body(Schema):
    """The base of every request body: unknown fields are ignored (older and newer clients alike),
    a body that is not a JSON object is refused in Chinese."""

    class Meta:
        unknown = EXCLUDE

    error_messages = {"type": "请求内容须为 JSON 对象", "unknown": "不认识的字段"}


class SentenceBody(Body):
    """A body refused as a service refuses (`Invalid`): one Chinese sentence per field, not a list,
    for the routes whose clients read `fields[name]` as text."""

    def handle_error(self, error, data, *, many, **kwargs):
        raise Invalid({"_" if name == "_schema" else name: _first_sentence(messages)
                       for name, messages in error.normalized_messages().items()})


def _first_sentence(messages) -> str:
    """marshmallow gives a list per field, and a dict for a list's items or a nested body."""
    while isinstance(messages, (list, dict)):
        messages = next(iter(messages.values() if isinstance(messages, dict) else messages), "")
    return str(messages)


def _messages(label: str, **more) -> dict:
    return {"required": f"请填写{label}", "null": f"请填写{label}", **more}


class Text(fields.String):
    """Text with its surrounding blanks trimmed, at most `limit` characters; blank counts as missing."""

    def __init__(self, *, label: str = "此项", limit: int = 2000, minimum: int = 0, **kwargs):
        self.label, self.limit, self.minimum = label, limit, minimum
        kwargs.setdefault("error_messages", _messages(label, invalid=f"{label}应为文字"))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            if self.required:
                raise ValidationError(f"请填写{self.label}")
            return None
        if len(text) > self.limit:
            raise ValidationError(f"{self.label}不能超过 {self.limit} 个字")
        if len(text) < self.minimum:
            raise ValidationError(f"{self.label}至少 {self.minimum} 个字")
        return text


class Filled(Text):
    """Text that a change may leave out but, when it sends it, not blank (a name being renamed)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None:
            raise ValidationError(f"请填写{self.label}")
        return text


class Int(fields.Integer):
    """An integer (a JSON number or its digits as text), optionally within [low, high]; never a boolean."""

    def __init__(self, *, label: str = "此项", low: int | None = None, high: int | None = None, **kwargs):
        self.label = label
        kwargs.setdefault("error_messages", _messages(label, invalid=f"{label}应为整数"))
        checks = [validate.Range(min=low, max=high, error=_range_words(label, low, high))] \
            if low is not None or high is not None else []
        super().__init__(strict=False, validate=checks or None, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def _range_words(label: str, low, high) -> str:
    if low is not None and high is not None:
        return f"{label}应在 {low} 到 {high} 之间"
    return f"{label}不能小于 {low}" if low is not None else f"{label}不能大于 {high}"


class Flag(fields.Boolean):
    def __init__(self, *, label: str = "此项", **kwargs):
        kwargs.setdefault("error_messages", _messages(label, invalid=f"{label}应为是或否"))
        super().__init__(**kwargs)


class Day(fields.Date):
    def __init__(self, *, label: str = "日期", **kwargs):
        kwargs.setdefault("error_messages", _messages(label, invalid=f"{label}应为日期（如 2025-03-01）"))
        super().__init__(**kwargs)


class Phone(Text):
    """An 11-digit mobile or a landline with its area code; spaces and brackets are dropped."""

    def __init__(self, *, label: str = "联系电话", **kwargs):
        super().__init__(label=label, limit=32, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None:
            return None
        compact = re.sub(r"[\s()（）]", "", text)
        if not PHONE_RE.match(compact):
            raise ValidationError(f"{self.label}应为 11 位手机号或带区号的固定电话")
        return compact


class Money(fields.Field):
    """An amount typed in yuan (up to two decimals), loaded as whole fen; dumped back as yuan text."""

    def __init__(self, *, label: str = "金额", **kwargs):
        self.label = label
        kwargs.setdefault("error_messages", _messages(label))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise ValidationError(f"{self.label}应为数字（单位为元）")
        try:
            fen = Decimal(str(value).strip().replace(",", "")) * 100
        except InvalidOperation:
            raise ValidationError(f"{self.label}应为数字（单位为元）") from None
        if not fen.is_finite():  # "NaN", "Infinity": Decimal reads them, nobody means them
            raise ValidationError(f"{self.label}应为数字（单位为元）")
        if fen < 0:
            raise ValidationError(f"{self.label}不能为负数")
        if fen != fen.to_integral_value():
            raise ValidationError(f"{self.label}最多两位小数（精确到分）")
        if fen > MAX_AMOUNT_FEN:
            raise ValidationError(f"{self.label}过大，请核对（单位为元）")
        return int(fen)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{Decimal(value) / 100:.2f}"


class CreditCode(Text):
    """统一社会信用代码: 18 characters, letters upper-cased."""

    def __init__(self, *, label: str = "统一社会信用代码", **kwargs):
        super().__init__(label=label, limit=18, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is not None and not CREDIT_CODE_RE.match(text.upper()):
            raise ValidationError(f"{self.label}应为 18 位数字或大写字母")
        return text.upper() if text else None


class Workdays(Int):
    """A limit in working days (the official calendar's)."""

    def __init__(self, *, label: str = "工作日", high: int = 365, **kwargs):
        super().__init__(label=label, low=1, high=high, **kwargs)


class ClientKey(Text):
    """The key an offline outbox gives one write, so the same write sent twice is done once."""

    def __init__(self, *, label: str = "客户端编号", **kwargs):
        super().__init__(label=label, limit=80, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is not None and not CLIENT_KEY_RE.match(text):
            raise ValidationError(f"{self.label}格式不对（8 到 80 位字母、数字或 -_.:）")
        return text


class Version(Int):
    """The version of the record the client last saw: a write to an older one is a 409, never lost."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", True)
        super().__init__(label="版本号（version）", low=1, **kwargs)
