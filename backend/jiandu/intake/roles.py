"""Who may do what in intake: the roles that read reports, and those that may see a reporter's contact."""
from __future__ import annotations

from jiandu.errors import ApiError
from jiandu.org.models import User

CONTACT_ROLES = ("admin", "inspector")
READ_ROLES = ("admin", "inspector")


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise ApiError(403, "forbidden", "您的角色无权执行此操作")
