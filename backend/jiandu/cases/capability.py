"""Cases as a capability of the app: its routes, its commands, its scheduled jobs."""
from __future__ import annotations

from jiandu.cases import api, cli, labels, models  # noqa: F401  (models: its tables are the app's)
from jiandu.cases import notices
from jiandu.notify import rules as notify_rules
from jiandu.scheduling import Scheduled

commands = tuple(cli.commands)


def setup(app, rest) -> None:
    rest.register_blueprint(api.blp)
    labels.register_categories("cases", lambda: [labels.BAD_RATING])  # after intake's, before projects'
    notify_rules.register_all(notices.RULES, prefetch=notices.prefetch_cases)


def schedule(config) -> list:
    return [Scheduled("deadline-scan", "jiandu.cases.jobs.scan_deadlines_job", "default",
                      int(config.get("DEADLINE_SCAN_SECONDS", 15 * 60)), 15 * 60)]
