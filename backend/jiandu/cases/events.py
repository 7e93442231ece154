"""A case's events: every move appends one, and the case's state and version move with it."""
from __future__ import annotations

import json
from datetime import date, datetime

from jiandu.cases.models import Case, CaseEvent
from jiandu.cases.move_fields import text
from jiandu.timeutil import iso_utc, utcnow


def _json_value(value) -> str:
    """A value of an event's data that JSON has no type for: a moment as RFC 3339 with its Z (a bare
    "2027-01-05 15:59:59" would be read as local time), anything else as its text."""
    if isinstance(value, datetime):
        return iso_utc(value)
    return value.isoformat() if isinstance(value, date) else str(value)


def append_event(case: Case, action: str, to_state: str, *, actor_id=None, actor_kind="user", note=None,
                 public_note=None, data: dict | None = None) -> CaseEvent:
    seq = len(case.events) + 1
    event = CaseEvent(case_id=case.id, seq=seq, action=action, from_state=case.state if seq > 1 else None,
                      to_state=to_state, actor_id=actor_id, actor_kind=actor_kind, note=note,
                      public_note=public_note, at=utcnow(),
                      data=json.dumps(data, ensure_ascii=False, default=_json_value) if data else None)
    case.events.append(event)
    case.state = to_state
    case.updated_at = event.at  # every move is an UPDATE of the case, so its version moves too
    return event


def record(case, move_name, to_state, user, fields, now, data=None, public_note=None, note_field="note"):
    """The event of a move made by `user` (None: the system) at `now`, its note from the move's fields."""
    event = append_event(case, move_name, to_state, actor_id=user.id if user else None,
                         actor_kind="user" if user else "system", note=text(fields, note_field),
                         public_note=public_note, data=data)
    event.at = now
    case.updated_at = now
    return event

