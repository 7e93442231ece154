"""The rules of intake, as other packages, the api and the tests call them: plain functions, no request.

The rules live in the modules behind this face, one per part of the work:
`categories` (editable categories and rating reasons), `points` (points by code, labels, embedding),
`submission` (what a citizen sends and its checks), `store` (storing it exactly once, with its case),
`tracking` (the reporter's token, timeline and return-visit answer), `reports` (the staff's view).
"""
from __future__ import annotations

from jiandu.contract import CLIENT_KEY_RE as KEY_RE  # the offline sync's keys (intake's own: idempotency.py)
from jiandu.intake.categories import (
    CATEGORY_FIELDS, active_categories, active_reasons, all_categories, create_category, ensure_seeded, labels,
    landing_options, seed_categories, update_category,
)
from jiandu.intake.points import (
    embed_snippet, embed_snippet_for, point_for_code, point_label, point_origin_allowed, point_stamp,
)
from jiandu.intake.reports import ReportFilters, get_report, photo_of, reports_query, reveal_contact
from jiandu.intake.roles import CONTACT_ROLES, READ_ROLES, require_role
from jiandu.intake.store import CHANNEL_BY_POINT_TYPE, submit
from jiandu.intake.submission import (
    MAX_RATING_TEXT, MAX_REASONS, MAX_REPORT_TEXT, MIN_REPORT_TEXT, Outcome, Submission, Upload, body_hash,
    canonical, validate,
)
from jiandu.intake.tracking import (
    MAX_FEEDBACK_TEXT, SATISFACTION, SATISFACTION_EN, TRACKING_ALPHABET, TRACKING_LENGTH, feedback_open,
    feedback_view, format_tracking, new_tracking_token, normalise_tracking, public_timeline, record_feedback,
    report_by_token,
)

__all__ = [
    "CATEGORY_FIELDS", "CHANNEL_BY_POINT_TYPE", "CONTACT_ROLES", "KEY_RE", "MAX_FEEDBACK_TEXT", "MAX_RATING_TEXT",
    "MAX_REASONS", "MAX_REPORT_TEXT", "MIN_REPORT_TEXT", "READ_ROLES", "SATISFACTION", "SATISFACTION_EN",
    "TRACKING_ALPHABET", "TRACKING_LENGTH", "Outcome", "ReportFilters", "Submission", "Upload",
    "active_categories", "active_reasons", "all_categories", "body_hash", "canonical", "create_category",
    "embed_snippet", "embed_snippet_for", "ensure_seeded", "feedback_open", "feedback_view", "format_tracking",
    "get_report", "labels", "landing_options", "new_tracking_token", "normalise_tracking", "photo_of",
    "point_for_code", "point_label", "point_origin_allowed", "point_stamp", "public_timeline", "record_feedback",
    "report_by_token", "reports_query", "require_role", "reveal_contact", "seed_categories", "submit",
    "update_category", "validate",
]
