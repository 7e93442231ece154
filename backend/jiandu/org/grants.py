"""Who may give whom which access, and who may change what holds for the whole city.

Seeing a record is decided in `jiandu.org.scope`; this module decides what an actor may grant,
which is narrower. A unit sees the jurisdiction it lies in, but does not own it: an admin bound to
a unit manages only the accounts of that unit; an admin of a jurisdiction (no unit) manages its
subtree; only the city's own admin (top level, no unit) makes, changes or resets admins and changes
global settings. Nobody changes their own role or scope.
"""
from __future__ import annotations

from jiandu.errors import ApiError, NotFound
from jiandu.org.models import Jurisdiction, User
from jiandu.org.scope import is_top_admin, is_visible

# What no one may change on their own account (their password goes through /auth/password, with the old one).
SELF_LOCKED = {
    "role": "不能修改自己的角色",
    "jurisdiction_id": "不能修改自己的管辖辖区",
    "unit_id": "不能修改自己所属的单位",
    "project_id": "不能修改自己关联的项目",
    "active": "不能停用或启用自己的账号",
    "password": "请在“我的账号”中凭原密码修改自己的密码",
}


def forbidden(message: str, fields: dict | None = None) -> ApiError:
    return ApiError(403, "forbidden", message, fields)


def require_top_admin(user: User, what: str) -> None:
    """The one gate for global configuration (calendar, categories, project settings…)."""
    if not is_top_admin(user):
        raise forbidden(f"只有市级平台管理员可以{what}")


def manages_jurisdiction(actor: User, jurisdiction_id: int | None) -> bool:
    """Admins of a jurisdiction (not bound to a unit) manage its whole subtree."""
    return actor.role == "admin" and actor.unit_id is None and is_visible(actor, Jurisdiction, jurisdiction_id)


def require_jurisdiction_admin(actor: User, jurisdiction_id: int | None, what: str) -> None:
    """For settings of one jurisdiction: 404 when the actor cannot see it, 403 when it may not manage it."""
    if not is_visible(actor, Jurisdiction, jurisdiction_id):
        raise NotFound("辖区")
    if not manages_jurisdiction(actor, jurisdiction_id):
        raise forbidden(f"只有本辖区（或上级）的管理员可以{what}", {"jurisdiction_id": "您不是该辖区的管理员"})


def refuse_unless_manages_jurisdiction(actor: User, jurisdiction_id: int | None, field: str) -> None:
    """For org structure (jurisdictions, units) placed in a jurisdiction the actor can already see."""
    if not manages_jurisdiction(actor, jurisdiction_id):
        raise forbidden("只有辖区管理员可以调整本辖区的组织架构",
                        {field: "单位管理员只能管理本单位，不能在辖区内新建或修改辖区、单位"})


def _manages_account(actor: User, target: User) -> bool:
    if is_top_admin(actor):
        return True
    if target.role == "admin":
        return False  # admins are made, changed and reset from the top level only
    if actor.unit_id is not None:
        return target.unit_id == actor.unit_id
    return is_visible(actor, Jurisdiction, target.jurisdiction_id)


def _changes(target: User, data: dict) -> dict:
    changed = {}
    for key, reason in SELF_LOCKED.items():
        if key not in data:
            continue
        if key == "password" or data[key] != getattr(target, key):
            changed[key] = reason
    return changed


def check_account_change(actor: User, target: User | None, data: dict) -> None:
    """Whether the actor may create (target None) or change this account at all; values come later."""
    if actor.role != "admin":
        raise forbidden("您的角色无权执行此操作")
    if target is None:
        return
    if target.id == actor.id:
        locked = _changes(target, data)
        if locked:
            raise forbidden("不能修改自己的角色、权限范围或启用状态", locked)
        return
    if not _manages_account(actor, target):
        raise forbidden("该账号不在您可以管理的范围内（管理员账号只能由市级平台管理员管理）")


def require_manages_account(actor: User, target: User) -> None:
    if target.id != actor.id and (actor.role != "admin" or not _manages_account(actor, target)):
        raise forbidden("该账号不在您可以管理的范围内")


def check_grant(actor: User, role: str, scope: dict) -> None:
    """The access an account would get (role and resolved scope) must lie inside the actor's own."""
    if role == "admin" and not is_top_admin(actor):
        raise forbidden("只有市级平台管理员可以设立管理员", {"role": "您不能授予管理员角色"})
    if actor.unit_id is not None:
        if role == "enterprise":
            raise forbidden("单位管理员不能设立企业账号", {"role": "企业账号须由辖区管理员设立"})
        if scope.get("unit_id") != actor.unit_id:
            raise forbidden("单位管理员只能为本单位设立或调整账号", {"unit_id": "只能选择您所在的单位"})
