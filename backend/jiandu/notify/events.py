"""Which moves of the closed loop others must hear of: outbox events, in the move's own transaction.

`jiandu.cases.service.act()` calls `case_moved()` after every move; the deadline scan emits its own
(case.yellow / red / reminder / escalation). Payloads carry ids and what the words need, never a
reporter's identity.
"""
from __future__ import annotations

import json

from sqlalchemy import select

from jiandu.extensions import db
from jiandu.notify.service import emit
from jiandu.timeutil import iso_utc


def _data(event) -> dict:
    try:
        return json.loads(event.data) if event.data else {}
    except ValueError:
        return {}


def _base(case, actor) -> dict:
    return {"case_id": case.id, "number": case.number, "jurisdiction_id": case.jurisdiction_id,
            "department_id": case.department_id, "actor_id": actor.id if actor is not None else None}


def case_moved(case, event, actor=None) -> list:
    """Emit the events of one move (none for most). Returns them."""
    data, emitted = _data(event), []
    action = event.action
    if action in ("assign", "reopen"):
        emitted.append(emit("case.assigned", {
            **_base(case, actor), "co_department_ids": data.get("co_department_ids") or [],
            "due_at": iso_utc(case.sign_due_at or case.due_at), "reopened": action == "reopen"}))
    elif action == "answer":
        emitted.append(emit("case.answered", {**_base(case, actor),
                                              "department": case.department.name if case.department else None}))
    elif action == "return":
        emitted.append(emit("case.returned", {**_base(case, actor), "department_id": data.get("department_id"),
                                              "department": data.get("department"), "reason": data.get("reason")}))
    elif action == "send_back":
        emitted.append(emit("case.sent_back", {**_base(case, actor), "reason": data.get("reason")}))
    elif action == "request_extension":
        emitted.append(emit("case.extension_requested", {**_base(case, actor), "days": data.get("days")}))
    elif action == "decide_extension":
        emitted.append(emit("case.extension_decided", {**_base(case, actor), "approve": data.get("approve"),
                                                       "days": data.get("days")}))
    elif action == "urge":
        emitted.append(emit("case.reminder", {**_base(case, actor), "level": "reminder",
                                              "due_at": iso_utc(case.due_at), "manual": True}))
    elif action == "escalate":
        emitted.append(emit("case.escalation", {**_base(case, actor), "level": "escalation",
                                                "escalation_level": data.get("level"), "manual": True}))
    if event.public_note and reporter_listening(case.id):
        emitted.append(emit("case.progress", {"case_id": case.id, "number": case.number, "state": event.to_state,
                                              "public_note": event.public_note, "seq": event.seq}))
    if event.public_note and case.channel == "project_app" and action != "receive":
        blocker_id = blocker_of(case.id)
        if blocker_id is not None:
            emitted.append(emit("blocker.updated", {
                "case_id": case.id, "number": case.number, "blocker_id": blocker_id, "project_id": case.project_id,
                "jurisdiction_id": case.jurisdiction_id, "state": event.to_state, "public_note": event.public_note,
                "actor_id": actor.id if actor is not None else None}))
    return emitted


def blocker_of(case_id: int) -> int | None:
    """The project blocker a case came from, if any (projects' table; none when it is not installed)."""
    try:
        from jiandu.projects.models import Blocker
    except ImportError:
        return None
    return db.session.scalar(select(Blocker.id).where(Blocker.case_id == case_id).limit(1))


def reporter_listening(case_id: int) -> bool:
    """Is any citizen's device subscribed to this case? (No event is written for nobody.)"""
    from jiandu.notify.models import PushSubscription

    return db.session.scalar(select(PushSubscription.id).where(
        PushSubscription.case_id == case_id, PushSubscription.status == "active").limit(1)) is not None
