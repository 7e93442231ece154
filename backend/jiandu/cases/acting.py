"""Acting on a case: `act()` checks the move against the table, the user's roles and the case's
version before it changes anything; the move's own plan then validates its fields and applies it."""
from __future__ import annotations

from datetime import datetime

from jiandu.cases import closing, handling, registering
from jiandu.cases.models import Case, CaseEvent
from jiandu.cases.moves import HANDLER, MOVES
from jiandu.cases.notices import case_moved
from jiandu.cases.visibility import check_version, require, roles_of, wrong_state
from jiandu.errors import ApiError, Invalid
from jiandu.org.models import User
from jiandu.timeutil import utcnow

PLANS = {**registering.PLANS, **handling.PLANS, **closing.PLANS}  # move name: its plan


def act(user: User, case: Case, action: str, fields: dict, *, version=None, now: datetime | None = None,
        check_version_: bool = True) -> CaseEvent:
    """Make one move, or refuse it (ApiError) having changed nothing."""
    move = MOVES.get(action)
    if move is None:
        raise ApiError(404, "unknown_action", f"没有“{action}”这种操作")
    if check_version_:
        check_version(case, version)
    if case.state not in move.sources:
        raise wrong_state(case, move)
    who = "（仅限承办单位）" if move.roles == (HANDLER,) else "（仅限纪检监察干部）"
    require(bool(roles_of(user, case) & set(move.roles)), f"您无权对本案件执行“{move.label}”{who}")
    missing = {name: "此项必填" for name in move.required if fields.get(name) in (None, "", [])}
    if missing:
        raise Invalid(missing, f"“{move.label}”缺少必填内容")
    now = now or utcnow()
    plan = PLANS[action](user, case, fields, now)  # validates; returns a function that applies the change
    event = plan()
    case_moved(case, event, user)  # who must hear of it: outbox rows in this same transaction
    return event
