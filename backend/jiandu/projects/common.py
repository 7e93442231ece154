"""What every part of the projects capability shares: who counts as staff, the role check, the
version check of a change (a write to an older version is a 409, never lost) and money shown in yuan."""
from __future__ import annotations

from decimal import Decimal

from jiandu.errors import ApiError, Conflict
from jiandu.org.models import User

STAFF = ("admin", "inspector")
OUT_OF_SCOPE = "不存在或不在您的管辖范围内"


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise ApiError(403, "forbidden", "您的角色无权执行此操作")


def check_version(record, version) -> None:
    if version is not None and version != record.version:
        raise Conflict("该记录已被他人修改，请刷新后再试", extra={"current_version": record.version})


def bump(record) -> None:
    record.version = (record.version or 0) + 1


def fen_to_yuan(fen: int | None) -> str | None:
    return None if fen is None else f"{Decimal(fen) / 100:.2f}"
