"""The categories a case may carry, with their names: cases knows no channel, so every channel that
opens cases (intake's report categories, projects' blocker categories, the channels to come)
registers where its categories are read from, in its `capability.setup`.

A lookup returns either rows with `code` and `name` (and, when they have them, `name_en`,
`case_type`, `active`) or entries as `categories()` gives them, in the order to show them; or a
mapping code → name, shown by code.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

BAD_RATING = {"key": "bad_rating", "label": "差评", "label_en": "Bad rating", "case_type": "work_style",
              "active": True}  # the category of a case a bad rating opened (its own deadline rule)

_LOOKUPS: dict[str, Callable[[], Iterable | Mapping]] = {}


def register_categories(source: str, lookup: Callable[[], Iterable | Mapping]) -> None:
    """`lookup()` gives `source`'s categories; registering a source again replaces its lookup."""
    _LOOKUPS[source] = lookup


def _entries(found) -> list[dict]:
    if isinstance(found, Mapping):
        return [{"key": code, "label": name, "label_en": name, "case_type": None, "active": True}
                for code, name in sorted(found.items())]
    return [dict(row) if isinstance(row, Mapping) else _entry(row) for row in found]


def _entry(row) -> dict:
    return {"key": row.code, "label": row.name, "label_en": getattr(row, "name_en", None) or row.name,
            "case_type": getattr(row, "case_type", None), "active": bool(getattr(row, "active", True))}


def categories() -> list[dict]:
    """Every registered category, in the order the sources registered; a code seen once is not repeated."""
    out, seen = [], set()
    for lookup in list(_LOOKUPS.values()):
        for entry in _entries(lookup()):
            if entry["key"] not in seen:
                seen.add(entry["key"])
                out.append(entry)
    return out


def category_labels() -> dict[str, str]:
    return {c["key"]: c["label"] for c in categories()}
