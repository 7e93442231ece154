"""Major projects as a capability of the app: its routes, its commands, its scheduled jobs."""
from __future__ import annotations

from jiandu.cases import notices as case_notices
from jiandu.notify import rules as notify_rules
from jiandu.cases.labels import register_categories
from jiandu.projects import api, cli, models  # noqa: F401  (models: its tables are the app's)
from jiandu.projects import sync as project_sync
from jiandu.projects import notices
from jiandu.projects.service import category_labels
from jiandu.scheduling import Scheduled

commands = tuple(cli.commands)


def setup(app, rest) -> None:
    rest.register_blueprint(api.blp)
    project_sync.register()  # `blocker.create` in the offline outbox
    register_categories("projects", category_labels)  # the blocker categories
    notify_rules.register_all(notices.RULES)
    case_notices.listen(notices.blocker_moved)


def schedule(config) -> list:
    return [Scheduled("project-timeout-scan", "jiandu.projects.jobs.scan_timeouts_job", "default",
                      int(config.get("PROJECT_SCAN_SECONDS", 15 * 60)), 15 * 60)]
