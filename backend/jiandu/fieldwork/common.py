"""What every fieldwork rule shares: the roles that inspect, and the small readers of a device's raw
JSON (writes arrive through the sync protocol as plain dicts, so the rules check them themselves)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from jiandu.errors import ApiError, Invalid
from jiandu.org.models import User

STAFF = ("admin", "inspector")
MAX_TEXT = 2000


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise ApiError(403, "forbidden", "您的角色无权执行此操作")


def read_text(value, name: str, limit: int = MAX_TEXT, required: bool = False) -> str | None:
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


def read_int(value, name: str, required: bool = False) -> int | None:
    if value is None or value == "":
        if required:
            raise Invalid({name: "此项必填"})
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid({name: "应为整数"})
    return value


def read_moment(value, name: str) -> datetime | None:
    """An ISO time from a device (with or without Z) → UTC naive; None when absent."""
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Invalid({name: "时间格式不正确"}) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def dumps(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(text: str | None, default=None):
    return json.loads(text) if text else default


def read_photos(value, name: str) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and 8 <= len(v) <= 80 for v in value):
        raise Invalid({name: "照片编号列表格式不正确"})
    if len(value) > 10:
        raise Invalid({name: "最多 10 张照片"})
    return value

