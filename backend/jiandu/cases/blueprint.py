"""The one Blueprint of the cases routes: `api` (the ledger, a case, its moves and attachments),
`api_rules` (deadline rules and the calendar) and `api_recommendations` add their routes to it."""
from __future__ import annotations

import functools

from flask_smorest import Blueprint

from jiandu.org.auth import current_user

blp = Blueprint("cases", __name__, url_prefix="/api/v1", description="Cases: the closed loop and the ledger (台账)")


def before_the_body(check):
    """A refusal that does not depend on the body (`check(user)`) is answered before the body is read."""
    def decorate(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            check(current_user())
            return view(*args, **kwargs)
        return checked
    return decorate
