"""Organisation as a capability of the app: its routes, its commands, its scheduled jobs."""
from __future__ import annotations

from jiandu.org import api, models  # noqa: F401  (models: its tables are the app's)

commands = ()


def setup(app, rest) -> None:
    rest.register_blueprint(api.blp)


def schedule(config) -> list:
    return []
