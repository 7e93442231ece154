"""Routes of the projects capability: thin — load the body, call the service, answer. One module per
theme (registry, items, invitations, blockers), all on one blueprint (`web.blp`)."""
from __future__ import annotations

from jiandu.projects import blockers_api, invitations_api, items_api, registry_api  # noqa: F401  (their routes join blp)
from jiandu.projects.web import blp

__all__ = ["blp"]
