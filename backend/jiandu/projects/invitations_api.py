"""Routes of the invitations of enterprise accounts: made by staff or the contact, redeemed in public."""
from __future__ import annotations

from flask import current_app, g

from jiandu.extensions import db
from jiandu.org.auth import csrf_token, current_user, login_required, start_session
from jiandu.projects import bodies, service
from jiandu.projects import schemas as sch
from jiandu.projects.web import before_body, blp, invite_throttle


def _invite_url(code: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/#/invite/{code}"


@blp.route("/projects/<int:project_id>/invitations", methods=["POST"])
@login_required
@before_body(lambda project_id: service.get_project(current_user(), project_id))
@blp.arguments(bodies.InvitationIn, required=False)
@blp.alt_response(201, schema=sch.InvitationCreated, description="the invitation, its code and sign-up address")
def invite(body, project_id):
    """Staff invite the project's contact; the contact invites up to two colleagues. The code is shown once."""
    invitation, code = service.invite(current_user(), project_id, body)
    db.session.commit()
    return {**service.invitation_view(invitation), "code": code, "url": _invite_url(code)}, 201


@blp.route("/projects/<int:project_id>/invitations", methods=["GET"])
@blp.alt_response(200, schema=sch.InvitationList, description="the invitations, newest first")
@login_required
def list_invitations(project_id):
    """The project's invitations (an enterprise user: the ones it made), newest first."""
    user = current_user()
    rows = service.list_invitations(user, project_id)
    return {"items": [service.invitation_view(i) for i in rows],
            "colleagues_left": (max(0, service.settings()["colleague_limit"]
                                    - service.colleague_invitations_used(user)) if user.role == "enterprise" else None)}


@blp.route("/projects/invitations/<int:invitation_id>", methods=["DELETE"])
@blp.alt_response(200, schema=sch.InvitationView, description="the invitation, revoked unless already used")
@login_required
def revoke_invitation(invitation_id):
    """Revoke an invitation not yet used."""
    invitation = service.revoke_invitation(current_user(), invitation_id)
    db.session.commit()
    return service.invitation_view(invitation)


@blp.route("/invitations/<code>", methods=["GET"])
@blp.alt_response(200, schema=sch.InvitationPeek, description="the project and whom the invitation is for")
@invite_throttle
def peek_invitation(code):
    """Public: which project an invitation code is for (before setting a password)."""
    return service.peek_invitation(code)


@blp.route("/invitations/<code>/redeem", methods=["POST"])
@invite_throttle
@before_body(lambda code: service.usable_invitation(code))
@blp.arguments(bodies.InvitationRedeemIn)
@blp.alt_response(201, schema=sch.InvitationAccount, description="the new account, signed in")
def redeem_invitation(body, code):
    """Public: set username and password; the new enterprise account is signed in on this device."""
    user = service.redeem_invitation(code, body)
    start_session(user)
    db.session.commit()
    g.auth = "session"
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role,
            "project_id": user.project_id, "csrf_token": csrf_token()}, 201
