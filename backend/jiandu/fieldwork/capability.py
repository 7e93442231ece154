"""Fieldwork as a capability of the app: its routes, its commands, its scheduled jobs."""
from __future__ import annotations

from jiandu.fieldwork import api, cli, models, operations, visits  # noqa: F401  (models: its tables are the app's)
from jiandu.projects import board
from jiandu.scheduling import Scheduled, keep_idempotency_keys

commands = tuple(cli.commands)


def setup(app, rest) -> None:
    rest.register_blueprint(api.blp)
    operations.register()
    keep_idempotency_keys(models.SyncReceipt)  # the sync's receipts: a replay weeks later is still known
    board.add_to_timeline("visits", visits.project_visits)  # a project's page shows its visits to staff


def schedule(config) -> list:
    return [Scheduled("upload-cleanup", "jiandu.files.upload_cleanup.remove_abandoned_job", "default", 3600, 600)]
