"""The small parsers of the JSON bodies still read by hand: every refusal says what to fix.

They go as the routes move to schemas of `jiandu.contract`."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from jiandu.projects import rules

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
MAX_AMOUNT_FEN = 10**14  # one trillion yuan


def read_text(data: dict, name: str, errors: dict, *, required=False, limit=128, label="此项") -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = f"请填写{label}"
        return None
    if not isinstance(value, (str, int)):
        errors[name] = f"{label}应为文字"
        return None
    value = str(value).strip()
    if len(value) > limit:
        errors[name] = f"{label}不能超过 {limit} 个字"
        return None
    return value


def read_int(data: dict, name: str, errors: dict, *, required=False, low=None, high=None, label="此项") -> int | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            errors[name] = f"请填写{label}"
        return None
    if isinstance(value, bool):
        errors[name] = f"{label}应为整数"
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[name] = f"{label}应为整数"
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        errors[name] = f"{label}应在 {low} 到 {high} 之间"
        return None
    return number


def parse_date(value) -> date | None:
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


def read_date(data: dict, name: str, errors: dict, *, required=False, label="日期", not_future=False,
          today: date | None = None) -> date | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            errors[name] = f"请填写{label}"
        return None
    parsed = parse_date(value)
    if parsed is None:
        errors[name] = f"{label}格式应为 YYYY-MM-DD"
        return None
    if not_future and parsed > (today or rules.local_today()):
        errors[name] = f"{label}不能晚于今天"
        return None
    return parsed


def parse_amount_fen(value) -> int:
    """Yuan as a string or number, at most two decimals, above zero → fen. ValueError(reason)."""
    if value is None or value == "" or isinstance(value, bool):
        raise ValueError("请填写金额")
    text = str(value).strip().replace(",", "").replace("，", "").removesuffix("元")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError("金额应为数字（元，最多两位小数）") from None
    if not amount.is_finite():
        raise ValueError("金额应为数字（元，最多两位小数）")
    if amount <= 0:
        raise ValueError("金额必须大于 0")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError("金额最多两位小数（精确到分）")
    if fen > MAX_AMOUNT_FEN:
        raise ValueError("金额过大，请核对（单位为元）")
    return int(fen)


def read_phone(data: dict, name: str, errors: dict, label: str) -> str | None:
    value = read_text(data, name, errors, limit=32, label=label)
    if value is None:
        return None
    compact = re.sub(r"[\s()]", "", value)
    if not PHONE_RE.match(compact):
        errors[name] = f"{label}应为 11 位手机号或带区号的固定电话"
        return None
    return compact
