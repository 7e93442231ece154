"""The projects capability's blueprint and what its routes share: the checks made before a body is
read, and today's calendar for the views."""
from __future__ import annotations

import functools

from flask_smorest import Blueprint

from jiandu.extensions import limiter
from jiandu.org.auth import current_user
from jiandu.projects import rules, service
from jiandu.workdays import Calendar

blp = Blueprint("projects", __name__, url_prefix="/api/v1",
                description="Major projects (掌上监督): registry, approvals, payments, blockers, the board")

invite_throttle = limiter.shared_limit("30 per 15 minutes", scope="project-invitation")


def before_body(check):
    """Run `check(**path arguments)` before the body is read: a record outside the asker's scope is a
    404 and a forbidden change a 403, whatever the body says (the service decides them)."""
    def decorate(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            check(**kwargs)
            return view(*args, **kwargs)
        return checked
    return decorate


def staff_change_of(lookup, arg: str):
    """The check of a change only staff make to a record in scope (looked up by `lookup`)."""
    def check(**kwargs):
        user = current_user()
        lookup(user, kwargs[arg])
        service.require_role(user, *service.STAFF)
    return check


def views_today():
    today = rules.local_today()
    s = service.settings()
    return today, Calendar.load(), s
