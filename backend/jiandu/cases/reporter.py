"""The reporter, from the tracking page (/t/<token>): the online return visit and the public timeline."""
from __future__ import annotations

from jiandu.cases.closing import visit_fields
from jiandu.cases.deadlines import set_deadline
from jiandu.cases.events import append_event
from jiandu.cases.models import Case, CaseEvent
from jiandu.cases.moves import ACTION_LABELS, STATE_LABELS
from jiandu.errors import Conflict
from jiandu.timeutil import utcnow


def reporter_return_visit(case: Case, resolved: bool, satisfaction: int, comment: str | None = None) -> CaseEvent:
    """The reporter answers the return visit online (/t/<token>). A resolved, at least 基本满意
    answer closes the case at once; otherwise an inspector decides to close or reopen it."""
    if case.state != "verified":
        raise Conflict("该诉求当前不需要回访", code="wrong_state", extra={"state": case.state})
    fields = {"resolved": resolved, "satisfaction": satisfaction, "method": "online"}
    resolved, satisfaction, _ = visit_fields(fields)
    now = utcnow()
    event = append_event(case, "return_visit", "revisited", actor_kind="reporter",
                         note=(comment or "").strip()[:1000] or None,
                         data={"resolved": resolved, "satisfaction": satisfaction, "method": "online",
                               "on_time": case.due_at is None or now <= case.due_at})
    case.resolved, case.satisfaction = resolved, satisfaction
    set_deadline(case, None)
    if resolved and satisfaction >= 3:
        case.closed_at = now
        append_event(case, "close", "closed", actor_kind="system",
                     data={"on_time": case.answered_on_time, "auto": True}, public_note="您的诉求已办结")
    return event


def public_timeline(case: Case) -> list[dict]:
    """What the reporter may read on the tracking page: public notes only, no staff names."""
    return [{"at": e.at, "action": e.action, "label": ACTION_LABELS.get(e.action, e.action), "state": e.to_state,
             "state_label": STATE_LABELS.get(e.to_state, e.to_state), "note": e.public_note}
            for e in case.events if e.public_note]
