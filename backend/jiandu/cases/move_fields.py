"""The fields of a move, read from the body a client sent (`act()` takes the moves' fields as a dict:
the route, the offline sync and the demo data all hand them over the same way)."""
from __future__ import annotations

from jiandu.errors import Invalid


def text(fields: dict, name: str, limit: int = 2000) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid({name: "应为文字"})
    value = value.strip()
    if len(value) > limit:
        raise Invalid({name: f"不能超过 {limit} 字"})
    return value or None

