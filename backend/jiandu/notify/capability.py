"""Notifications as a capability of the app: its routes, its commands, its scheduled jobs."""
from __future__ import annotations

from jiandu.notify import api, cli, models, views  # noqa: F401  (models: its tables are the app's)
from jiandu.scheduling import Scheduled

commands = tuple(cli.commands)


def setup(app, rest) -> None:
    rest.register_blueprint(api.blp)
    app.register_blueprint(views.bp)


def schedule(config) -> list:
    sweep = max(1, int(config.get("NOTIFY_SWEEP_SECONDS", 5)))
    return [Scheduled("notify-sweep", "jiandu.notify.jobs.sweep_job", "push", sweep, 120),
            Scheduled("notify-prune", "jiandu.notify.jobs.prune_job", "default", 24 * 3600, 600)]
