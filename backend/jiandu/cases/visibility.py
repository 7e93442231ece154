"""Who may see a case and who may act on it."""
from __future__ import annotations

from jiandu.cases.models import Case
from jiandu.cases.moves import HANDLER, INSPECTOR, MOVES, STATE_LABELS, Move
from jiandu.errors import ApiError, Conflict, Invalid, NotFound
from jiandu.extensions import db
from jiandu.org.models import User
from jiandu.org.scope import visible


def visible_cases(user: User, statement=None):
    """The case files a user may open: the case scope of `jiandu.org.scope` (a department from 转办
    on and never a lead, co-handling departments included, enterprises excluded, cases sent up the
    restricted channel for the top level only)."""
    return visible(user, statement if statement is not None else Case)


def get_case(user: User, case_id: int) -> Case:
    case = db.session.scalar(visible_cases(user).where(Case.id == case_id))
    if case is None:
        raise NotFound("案件")
    return case


def roles_of(user: User, case: Case) -> set[str]:
    roles = set()
    if user.role in ("inspector", "admin"):
        roles.add(INSPECTOR)
    if user.role == "handler" and user.unit_id is not None and user.unit_id == case.department_id:
        roles.add(HANDLER)
    return roles


def allowed_actions(user: User, case: Case) -> list[str]:
    mine = roles_of(user, case)
    return [m.name for m in MOVES.values() if case.state in m.sources and mine & set(m.roles)]


def require(condition: bool, message: str, status: int = 403, code: str = "forbidden") -> None:
    if not condition:
        raise ApiError(status, code, message)


def wrong_state(case: Case, move: Move):
    allowed = "、".join(STATE_LABELS[s] for s in move.sources) or "—"
    return Conflict(f"案件当前为“{STATE_LABELS.get(case.state, case.state)}”，不能执行“{move.label}”"
                    f"（仅限：{allowed}）", code="wrong_state",
                    extra={"state": case.state, "version": case.version})


def check_version(case: Case, version) -> None:
    if version is None:
        raise Invalid({"version": "请提交案件的版本号"})
    if version != case.version:
        raise Conflict("案件已被他人处理，请查看最新状态后再操作", code="stale_version",
                       extra={"state": case.state, "version": case.version})

