"""Printable signs as a capability of the app: its routes, its commands, its scheduled jobs."""
from __future__ import annotations

from jiandu.notify import rules as notify_rules
from jiandu.signs import api, cli, models  # noqa: F401  (models: its tables are the app's)
from jiandu.signs import notices
from jiandu.scheduling import Scheduled

commands = tuple(cli.commands)


def setup(app, rest) -> None:
    rest.register_blueprint(api.blp)
    notify_rules.register_all(notices.RULES)


def schedule(config) -> list:
    return [Scheduled("signs-watch", "jiandu.signs.watch.watch_batches_job", "default",
                      int(config.get("SIGNS_WATCH_SECONDS", 60)), 300)]
