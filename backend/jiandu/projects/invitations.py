"""Invitations of enterprise accounts: staff invite a project's contact, the contact invites colleagues;
a code is shown once, kept as a digest, used once."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from jiandu import audit
from jiandu.errors import ApiError, Conflict, Invalid, NotFound
from jiandu.extensions import db
from jiandu.org.models import Project, User
from jiandu.org.scope import get_visible
from jiandu.projects.common import STAFF
from jiandu.projects.models import ProjectInvitation
from jiandu.projects.registry import get_project
from jiandu.projects.settings import settings
from jiandu.security import hash_password, token_digest
from jiandu.timeutil import iso_utc, utcnow

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,32}$")
INVITE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
INVITE_LENGTH = 16  # 31**16 ≈ 2**79
MIN_PASSWORD = 10


def _new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def normalise_invite(code: str) -> str:
    return re.sub(r"[\s\-_]", "", (code or "").strip().upper())[:40]


def _invitation(project: Project, kind: str, actor: User, display_name: str | None) -> tuple[ProjectInvitation, str]:
    code = _new_invite_code()
    hours = settings()["invitation_hours"]
    invitation = ProjectInvitation(project_id=project.id, jurisdiction_id=project.jurisdiction_id, kind=kind,
                                   code_digest=token_digest(code), display_name=display_name,
                                   created_by=actor.id, created_at=utcnow(),
                                   expires_at=utcnow() + timedelta(hours=hours))
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor.id, f"invite_{kind}", invitation, project_id=project.id)
    return invitation, code


def is_contact(user: User) -> bool:
    """The enterprise's contact: the account made from a contact invitation of its project."""
    return db.session.scalar(select(ProjectInvitation.id).where(
        ProjectInvitation.used_by == user.id, ProjectInvitation.kind == "contact",
        ProjectInvitation.project_id == user.project_id)) is not None


def colleague_invitations_used(user: User) -> int:
    """Colleague invitations that count against the limit: used ones and pending unexpired ones."""
    now = utcnow()
    return db.session.scalar(select(func.count()).select_from(ProjectInvitation).where(
        ProjectInvitation.created_by == user.id, ProjectInvitation.kind == "colleague",
        ProjectInvitation.revoked_at.is_(None),
        or_(ProjectInvitation.used_at.is_not(None), ProjectInvitation.expires_at > now))) or 0


def invite(actor: User, project_id: int, data: dict) -> tuple[ProjectInvitation, str]:
    """Staff invite the project's contact; the contact invites colleagues (up to the limit)."""
    project = get_project(actor, project_id)
    name = data.get("display_name")
    if actor.role in STAFF:
        return _invitation(project, "contact", actor, name)
    if actor.role != "enterprise":
        raise ApiError(403, "forbidden", "您的角色无权邀请企业用户")
    if not is_contact(actor):
        raise ApiError(403, "forbidden", "只有企业联系人可以邀请同事")
    limit = settings()["colleague_limit"]
    if colleague_invitations_used(actor) >= limit:
        raise Conflict(f"每位企业联系人最多邀请 {limit} 位同事", code="invitation_limit")
    return _invitation(project, "colleague", actor, name)


def list_invitations(actor: User, project_id: int) -> list[ProjectInvitation]:
    project = get_project(actor, project_id)
    statement = select(ProjectInvitation).where(ProjectInvitation.project_id == project.id)
    if actor.role not in STAFF:
        statement = statement.where(ProjectInvitation.created_by == actor.id)
    return list(db.session.scalars(statement.order_by(ProjectInvitation.id.desc())))


def revoke_invitation(actor: User, invitation_id: int) -> ProjectInvitation:
    invitation = get_visible(actor, ProjectInvitation, invitation_id, "邀请")
    if actor.role not in STAFF and invitation.created_by != actor.id:
        raise NotFound("邀请")
    if invitation.used_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit.record(actor.id, "invite_revoke", invitation)
    return invitation


def invitation_state(invitation: ProjectInvitation, now: datetime | None = None) -> str:
    now = now or utcnow()
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.used_at is not None:
        return "used"
    if invitation.expires_at <= now:
        return "expired"
    return "pending"


def invitation_view(invitation: ProjectInvitation) -> dict:
    return {"id": invitation.id, "project_id": invitation.project_id, "kind": invitation.kind,
            "display_name": invitation.display_name, "created_at": iso_utc(invitation.created_at),
            "expires_at": iso_utc(invitation.expires_at), "used_at": iso_utc(invitation.used_at),
            "state": invitation_state(invitation)}


def usable_invitation(code: str) -> ProjectInvitation:
    plain = normalise_invite(code)
    invitation = None
    if len(plain) == INVITE_LENGTH and all(c in INVITE_ALPHABET for c in plain):
        invitation = db.session.scalar(select(ProjectInvitation).where(
            ProjectInvitation.code_digest == token_digest(plain)))
    if invitation is None:
        raise ApiError(404, "invitation_unknown", "邀请码无效，请核对后重试")
    state = invitation_state(invitation)
    if state == "used":
        raise ApiError(410, "invitation_used", "该邀请码已被使用，每个邀请码只能使用一次")
    if state == "expired":
        raise ApiError(410, "invitation_expired", "该邀请码已过期，请联系邀请人重新发送")
    if state == "revoked":
        raise ApiError(410, "invitation_revoked", "该邀请码已被撤销")
    return invitation


def peek_invitation(code: str) -> dict:
    invitation = usable_invitation(code)
    project = db.session.get(Project, invitation.project_id)
    return {"project_name": project.name, "kind": invitation.kind, "display_name": invitation.display_name,
            "expires_at": iso_utc(invitation.expires_at)}


def redeem_invitation(code: str, data: dict) -> User:
    """The invited person sets a username and password: an enterprise account of that project, once."""
    invitation = usable_invitation(code)
    username, password = data["username"], data["password"]  # their form: bodies.InvitationRedeemIn
    errors: dict = {}
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        errors["username"] = "该用户名已被使用"
    display_name = data.get("display_name") or invitation.display_name
    if not display_name:
        errors["display_name"] = "请填写姓名"
    if errors:
        raise Invalid(errors)
    now = utcnow()
    # One winner when the same code is sent twice at once: the UPDATE claims it.
    claimed = db.session.execute(update(ProjectInvitation).where(
        ProjectInvitation.id == invitation.id, ProjectInvitation.used_at.is_(None),
        ProjectInvitation.revoked_at.is_(None), ProjectInvitation.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise ApiError(410, "invitation_used", "该邀请码已被使用，每个邀请码只能使用一次")
    project = db.session.get(Project, invitation.project_id)
    user = User(username=username, display_name=display_name, role="enterprise",
                password_hash=hash_password(password), jurisdiction_id=project.jurisdiction_id,
                project_id=project.id)
    db.session.add(user)
    db.session.flush()
    db.session.execute(update(ProjectInvitation).where(ProjectInvitation.id == invitation.id)
                       .values(used_by=user.id).execution_options(synchronize_session=False))
    if invitation.kind == "contact" and not project.contact_name:
        project.contact_name = display_name
    audit.record(user.id, "invite_redeem", invitation, project_id=project.id, kind=invitation.kind)
    return user
