"""The one Blueprint of the cases routes: `api` (the ledger, a case, its moves and attachments),
`api_rules` (deadline rules and the calendar) and `api_recommendations` add their routes to it."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("cases", __name__, url_prefix="/api/v1", description="Cases: the closed loop and the ledger (台账)")
