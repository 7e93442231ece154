"""The rules of fieldwork: checklists (清单监督), tasks, answers, visits and findings. No request in here.

This module is the public face; the rules live in the modules behind it (checklists, tasks, answers,
visits, findings, views). Writes made on a device arrive through `jiandu.fieldwork.sync` and land in
the same functions the online API calls (`record_visit`, `submit_answers`, `create_finding`,
`create_visit`): a write offline and a write online are one rule.
"""
from __future__ import annotations

from jiandu.fieldwork.answers import submit_answers
from jiandu.fieldwork.checklists import MAX_ITEMS, create_template, get_template, new_version, templates_for
from jiandu.fieldwork.common import MAX_TEXT, STAFF, dumps, loads, require_role
from jiandu.fieldwork.findings import create_finding
from jiandu.files.uploads import PhotoNotReady, require_photos
from jiandu.fieldwork.tasks import DEFAULT_TASK_WORKDAYS, MAX_TARGETS, get_task, issue_tasks, task_warning
from jiandu.fieldwork.views import answer_view, finding_view, task_view, template_view, visit_view
from jiandu.fieldwork.visits import (
    DEFAULT_VISIT_KINDS, DependencyMissing, create_visit, ensure_visit_kinds, my_visits, plan_visit, record_visit,
    resolve_visit, visit_kinds,
)

__all__ = [
    "DEFAULT_TASK_WORKDAYS", "DEFAULT_VISIT_KINDS", "MAX_ITEMS", "MAX_TARGETS", "MAX_TEXT", "STAFF",
    "DependencyMissing", "PhotoNotReady", "answer_view", "create_finding", "create_template", "create_visit",
    "dumps", "ensure_visit_kinds", "finding_view", "get_task", "get_template", "issue_tasks", "loads",
    "my_visits", "new_version", "plan_visit", "record_visit", "require_photos", "require_role", "resolve_visit",
    "submit_answers", "task_view", "task_warning", "template_view", "templates_for", "visit_kinds", "visit_view",
]
