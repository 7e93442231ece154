"""The write kinds of the offline outbox (`POST /api/v1/sync/push`): each capability registers the
operations its devices send from its `setup`, and the sync engine looks them up here.

An operation is `handler(user, body, key) -> result` (a JSON-able dict); `key` is the write's client
UUID, its idempotency key. An append-only operation checks everything before it adds a row, so the
engine may run it without a savepoint of its own (see jiandu.fieldwork.sync).
"""
from __future__ import annotations

from collections.abc import Callable

Operation = Callable[..., dict]

OPS: dict[str, Operation] = {}
APPEND_ONLY: set[str] = set()


def register(op: str, handler: Operation, *, append_only: bool = False) -> None:
    """Add one write kind; the first registration of a name stands (setup runs once per app made)."""
    OPS.setdefault(op, handler)
    if append_only:
        APPEND_ONLY.add(op)
