"""The projects capability's write kinds for the offline outbox (`POST /api/v1/sync/push`).

`blocker.create`: a blocker drafted on the phone, sent when the network is back; its photos are
uploaded resumably first (`PUT /api/v1/uploads/<uuid>`) and referred to by UUID. Registered into
fieldwork's table of operations when the projects API is loaded (`register()`); the sync engine's
receipts make a replay one blocker, and the blocker's own client id (the same UUID) too.
"""
from __future__ import annotations

OPS = {}


def _op_blocker_create(user, body, key):
    from jiandu.projects.service import sync_blocker

    return sync_blocker(user, body, key)


OPS["blocker.create"] = _op_blocker_create


def register() -> bool:
    """Add our write kinds to the sync engine, when it is installed. True when registered."""
    try:
        from jiandu.fieldwork import sync
    except ImportError:
        return False
    for op, handler in OPS.items():
        sync.OPS.setdefault(op, handler)
    return True
