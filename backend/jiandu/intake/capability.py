"""Intake as a capability of the app: its routes, its commands, its scheduled jobs."""
from __future__ import annotations

from jiandu.cases.labels import register_categories
from jiandu.intake import api, cli, models, views  # noqa: F401  (models: its tables are the app's)
from jiandu.intake.service import all_categories
from jiandu.intake import api_push, notices  # noqa: F401  (api_push: its routes join intake's blueprint)
from jiandu.notify import rules as notify_rules
from jiandu.scheduling import keep_idempotency_keys

commands = tuple(cli.commands)


def setup(app, rest) -> None:
    rest.register_blueprint(api.blp)
    app.register_blueprint(views.bp)
    register_categories("intake", all_categories)  # the citizens' report categories, in their order
    notify_rules.register_all(notices.RULES)
    keep_idempotency_keys(models.IdempotencyKey)


def schedule(config) -> list:
    return []
