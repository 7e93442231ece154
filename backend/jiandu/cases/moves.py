"""The table of moves of the closed loop 受理 → 建账 → 转办 → 签收 → 反馈 → 核查 → 回访 → 办结.

Every move is an entry of MOVES: the states it may start from, who may make it, the state it leads
to (None: the case stays where it is, e.g. 催办), and the fields it requires. The state kept on a
case is always the fold of its events (`derive_state`).

Who: "inspector" = the commission's staff (role inspector or admin, including dispatched-group
inspectors, always inside their scope); "handler" = a department handler of the case's department.
"""
from __future__ import annotations

from dataclasses import dataclass


INSPECTOR, HANDLER = "inspector", "handler"


@dataclass(frozen=True)
class Move:
    name: str
    label: str
    sources: tuple[str, ...]
    roles: tuple[str, ...]
    target: str | None  # None: the case stays in its state
    required: tuple[str, ...] = ()


MOVES: dict[str, Move] = {m.name: m for m in (
    Move("register", "建账", ("received",), (INSPECTOR,), "registered", ("case_type", "category")),
    Move("not_accept", "不予受理", ("received", "registered"), (INSPECTOR,), "not_accepted", ("reason",)),
    Move("merge", "并案", ("received", "registered"), (INSPECTOR,), "merged", ("into_case_id",)),
    Move("hand_over", "移交问题线索", ("registered",), (INSPECTOR,), "handed_over", ("office",)),
    Move("send_up", "报送上级", ("received", "registered"), (INSPECTOR,), "sent_up", ("reason",)),
    Move("assign", "转办", ("registered",), (INSPECTOR,), "assigned", ("department_id",)),
    Move("sign", "签收", ("assigned",), (HANDLER,), "signed"),
    Move("return", "退回", ("assigned", "signed"), (HANDLER,), "registered", ("reason",)),
    Move("request_extension", "申请延期", ("signed",), (HANDLER,), None, ("days", "reason")),
    Move("decide_extension", "审批延期", ("signed",), (INSPECTOR,), None, ("approve",)),
    Move("answer", "反馈", ("signed",), (HANDLER,), "answered", ("result",)),
    Move("verify", "核查通过", ("answered",), (INSPECTOR,), "verified"),
    Move("send_back", "核查退回", ("answered",), (INSPECTOR,), "signed", ("reason",)),
    Move("urge", "催办", ("assigned", "signed"), (INSPECTOR,), None),
    Move("escalate", "督办", ("assigned", "signed", "parked"), (INSPECTOR,), None, ("level",)),
    Move("park", "挂账", ("signed",), (INSPECTOR,), "parked", ("reason",)),
    Move("review_parked", "挂账复查", ("parked",), (INSPECTOR,), None, ("note",)),
    Move("unpark", "解除挂账", ("parked",), (INSPECTOR,), "signed"),
    Move("return_visit", "回访", ("verified",), (INSPECTOR,), "revisited", ("resolved", "satisfaction")),
    Move("close", "办结销号", ("revisited", "verified"), (INSPECTOR,), "closed"),
    Move("reopen", "重办", ("revisited",), (INSPECTOR,), "assigned", ("reason",)),
)}
INITIAL = Move("receive", "受理", (), (), "received")
ACTION_LABELS = {"receive": "受理", **{m.name: m.label for m in MOVES.values()}}
STATE_LABELS = {
    "received": "已受理", "registered": "已建账", "assigned": "已转办", "signed": "已签收", "answered": "已反馈",
    "verified": "已核查", "revisited": "已回访", "closed": "已办结", "not_accepted": "不予受理",
    "merged": "已并案", "handed_over": "已移交", "parked": "挂账", "sent_up": "已报送上级",
}
SATISFIED_LEVELS = (5, 4)    # 非常满意, 满意; 基本满意 (3) counts when the setting says so
SATISFACTION_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
CASE_TYPE_LABELS = {"service_request": "服务诉求", "work_style": "作风效能", "lead": "问题线索"}


class InconsistentEvents(ValueError):
    pass


def derive_state(events) -> str | None:
    """The state a sequence of events leads to, checking every step against the table."""
    state = None
    for index, event in enumerate(events):
        if index == 0:
            if event.action != "receive" or event.to_state != "received":
                raise InconsistentEvents("the first event must be receive → received")
            state = "received"
            continue
        move = MOVES.get(event.action)
        if move is None:
            raise InconsistentEvents(f"unknown action {event.action}")
        if event.from_state != state or state not in move.sources:
            raise InconsistentEvents(f"{event.action} from {event.from_state} while the case was {state}")
        expected = move.target or state
        if move.name == "close" and event.to_state == "closed":
            expected = "closed"
        if event.to_state != expected:
            raise InconsistentEvents(f"{event.action} leads to {expected}, not {event.to_state}")
        state = event.to_state
    return state

