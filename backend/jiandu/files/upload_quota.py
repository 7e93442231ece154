"""Who may upload photos resumably, and how much each user may hold unfinished.

Every role has a use for resumable uploads: inspectors (and admins) take photos on visits and
inspections, handlers on their self-checks, enterprises on their blockers (at most 3 photos each, sent
through the same offline outbox). What differs is how much: UPLOAD_QUOTAS gives, per role, how many
photos a user may hold open (still arriving, or arrived but not yet used by a write) and how many MB
their announced sizes may add up to, as "role=open/MB,…"; a role left out may not upload at all.

A new upload is checked twice: before its body is read (a cheap refusal), and again in the
transaction that records it, with the user's row locked (PostgreSQL) or the write lock held (SQLite),
so that parallel requests cannot together pass the limit. Going on with an upload already open is
never refused. Both refusals are 429: the limit frees itself as soon as the photos held are used.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from sqlalchemy import func, select

from jiandu.errors import ApiError
from jiandu.extensions import db
from jiandu.files.models import FieldPhoto
from jiandu.org.models import User

DEFAULT_QUOTAS = "admin=40/200,inspector=40/200,handler=20/100,enterprise=6/48"
OPEN_STATES = ("receiving", "received")
MB = 1024 * 1024


@dataclass(frozen=True)
class Quota:
    uploads: int  # photos open at once
    bytes: int    # their announced sizes, added up


@lru_cache(maxsize=4)
def parse_quotas(text: str) -> dict[str, Quota]:
    """"admin=40/200,enterprise=6/48" → {"admin": Quota(40, 200 MB), …}; a malformed entry says which."""
    quotas = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        role, _, limits = entry.partition("=")
        uploads, _, megabytes = limits.partition("/")
        try:
            quotas[role.strip()] = Quota(int(uploads), int(megabytes) * MB)
        except ValueError:
            raise ValueError(f"UPLOAD_QUOTAS: {entry!r} is not role=uploads/MB") from None
    return quotas


def quota_of(role: str) -> Quota | None:
    return parse_quotas(current_app.config.get("UPLOAD_QUOTAS") or DEFAULT_QUOTAS).get(role)


def may_open(user: User, size: int) -> Quota:
    """Before a new upload's body is read: the user's quota, or the refusal."""
    quota = quota_of(user.role)
    if quota is None:
        raise ApiError(403, "upload_forbidden", "您的账号不能上传照片", {"uuid": "该角色不能上传照片"})
    check(db.session.connection(), user.id, quota, size)
    return quota


_HELD = select(func.count(FieldPhoto.id), func.coalesce(func.sum(FieldPhoto.size), 0)).where(
    FieldPhoto.state.in_(OPEN_STATES))


def check(connection, owner_id: int, quota: Quota, size: int, uuid: str | None = None) -> None:
    """Refuse a new upload of `size` bytes that would take the owner past the quota. With its `uuid`, in
    the transaction that records it: the owner's row is locked first, so two new uploads are counted in
    turn, and a row of this very upload (a retry racing its first request) is not counted against it."""
    held_now = _HELD.where(FieldPhoto.owner_id == owner_id)
    if uuid is not None:
        connection.execute(select(User.id).where(User.id == owner_id).with_for_update())
        held_now = held_now.where(FieldPhoto.uuid != uuid)
    count, held = connection.execute(held_now).one()
    if count >= quota.uploads:
        raise ApiError(429, "upload_quota_open",
                       f"未完成的照片上传已有 {count} 张，达到每人 {quota.uploads} 张的上限；"
                       "请等已上传的照片随记录提交后再试",
                       {"uuid": f"最多同时上传 {quota.uploads} 张照片"},
                       extra={"limit": quota.uploads, "held": count})
    if held + size > quota.bytes:
        raise ApiError(429, "upload_quota_bytes",
                       f"未完成的照片上传共 {_mb(held)} MB，加上这张（{_mb(size)} MB）将超过每人 "
                       f"{quota.bytes // MB} MB 的上限；请等已上传的照片随记录提交后再试",
                       {"size": f"未完成的上传合计不能超过 {quota.bytes // MB} MB"},
                       extra={"limit_bytes": quota.bytes, "held_bytes": int(held)})


def _mb(size: int) -> str:
    return f"{size / MB:.1f}"
