"""The audit trail: one row per sensitive act, written in the caller's transaction."""
import json

from jiandu.extensions import db
from jiandu.org.models import AuditEvent


def record(actor_id: int | None, action: str, target=None, **detail) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        target_type=type(target).__tablename__ if target is not None else None,
        target_id=getattr(target, "id", None),
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
    )
    db.session.add(event)
    return event
