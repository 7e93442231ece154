"""emit(): put an event in the outbox, in the caller's transaction (delivery is another job's work)."""
from jiandu.extensions import db
from jiandu.notify.models import OutboxEvent
from jiandu.timeutil import utcnow


def emit(kind: str, payload: dict) -> OutboxEvent:
    event = OutboxEvent(kind=kind, payload=payload, created_at=utcnow())
    db.session.add(event)
    return event


def emit_many(rows: list[tuple[str, dict]]) -> None:
    """Many events at once (the deadline scan): one INSERT … VALUES batch."""
    if rows:
        now = utcnow()
        db.session.execute(db.insert(OutboxEvent), [
            {"kind": kind, "payload": payload, "created_at": now, "attempts": 0} for kind, payload in rows
        ])
