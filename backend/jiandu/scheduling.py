"""What capabilities tell the scheduler (jiandu.scheduler): the jobs they want run, and their tables of
idempotency keys to clean up. Kept apart from the scheduler, which knows every capability, so that a
capability naming its jobs depends on nothing but this."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scheduled:
    name: str
    func: str            # dotted path, resolved when registered
    queue: str
    interval: int        # seconds
    timeout: int


IDEMPOTENCY_TABLES: dict = {}  # model → the column saying when its key was first seen


def keep_idempotency_keys(model, written_at: str = "created_at") -> None:
    """A capability's table of idempotency keys, cleaned up by the scheduled job (from its setup)."""
    IDEMPOTENCY_TABLES[model] = written_at
