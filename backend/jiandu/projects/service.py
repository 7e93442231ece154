"""The public face of the projects capability's rules: what other packages, the routes and the tests
call. The rules themselves live in one module per part — `registry`, `approvals`, `payments`,
`milestones`, `settings`, `invitations`, `categories`, `blockers`, `board` — with what they share in
`common`. Every lookup goes through `jiandu.org.scope`: outside a user's scope a project, and
everything hanging from it, does not exist (404).
"""
from __future__ import annotations

from jiandu.projects.approvals import approval_view, create_approval, get_approval, update_approval
from jiandu.projects.blockers import (
    blocker_events, blocker_feedback, blocker_photo, blocker_project, blocker_recipients, blocker_view,
    discard_saved_photos, get_blocker, list_blockers, open_for_feedback, submit_blocker, sync_blocker,
)
from jiandu.projects.board import board, timeline
from jiandu.projects.categories import (
    BLOCKER_CATEGORIES, active_categories, category_labels, ensure_categories, upsert_category,
)
from jiandu.projects.common import OUT_OF_SCOPE, STAFF, fen_to_yuan, require_role
from jiandu.projects.invitations import (
    colleague_invitations_used, invitation_state, invitation_view, invite, list_invitations, normalise_invite,
    peek_invitation, redeem_invitation, revoke_invitation, usable_invitation,
)
from jiandu.projects.milestones import create_milestone, get_milestone, milestone_view, update_milestone
from jiandu.projects.payments import create_payment, get_payment, payment_view, update_payment
from jiandu.projects.registry import (
    create_project, departments_of, get_project, my_projects, point_of, project_view, update_project,
)
from jiandu.projects.settings import set_settings, settings

__all__ = [
    "BLOCKER_CATEGORIES", "OUT_OF_SCOPE", "STAFF", "active_categories", "approval_view", "blocker_events",
    "blocker_feedback", "blocker_photo", "blocker_project", "blocker_recipients", "blocker_view", "board",
    "category_labels", "colleague_invitations_used", "create_approval", "create_milestone", "create_payment",
    "create_project", "departments_of", "discard_saved_photos", "ensure_categories", "fen_to_yuan",
    "get_approval", "get_blocker", "get_milestone", "get_payment", "get_project", "invitation_state",
    "invitation_view", "invite", "list_blockers", "list_invitations", "milestone_view", "my_projects",
    "normalise_invite", "open_for_feedback", "payment_view", "peek_invitation", "point_of", "project_view",
    "redeem_invitation", "require_role", "revoke_invitation", "set_settings", "settings", "submit_blocker",
    "sync_blocker", "timeline", "update_approval", "update_milestone", "update_payment", "update_project",
    "upsert_category", "usable_invitation",
]
