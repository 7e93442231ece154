"""The projects capability's write kinds for the offline outbox (`POST /api/v1/sync/push`).

`blocker.create`: a blocker drafted on the phone, sent when the network is back; its photos are
uploaded resumably first (`PUT /api/v1/uploads/<uuid>`) and referred to by UUID. Registered with the
sync engine by the projects capability's `setup` (`register()`); the engine's receipts make a replay
one blocker, and the blocker's own client id (the same UUID) too.
"""
from __future__ import annotations

from jiandu import sync_registry
from jiandu.projects.service import sync_blocker


def register() -> None:
    sync_registry.register("blocker.create", sync_blocker)
