"""The projects capability's blueprint and what its routes share: paging, the checks made before a
body is read, and today's calendar for the views."""
from __future__ import annotations

import functools

from flask import request
from flask_smorest import Blueprint

from jiandu.errors import Invalid
from jiandu.extensions import limiter
from jiandu.org.auth import current_user
from jiandu.pagination import MAX_PER_PAGE
from jiandu.projects import rules, service
from jiandu.workdays import Calendar

blp = Blueprint("projects", __name__, url_prefix="/api/v1",
                description="Major projects (掌上监督): registry, approvals, payments, blockers, the board")

invite_throttle = limiter.shared_limit("30 per 15 minutes", scope="project-invitation")


def page_args():
    try:
        page = max(1, int(request.args.get("page", 1)))
        per_page = min(MAX_PER_PAGE, max(1, int(request.args.get("per_page", 50))))
    except ValueError:
        raise Invalid({"page": "应为整数"}) from None
    return page, per_page


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
