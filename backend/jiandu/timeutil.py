"""Time is stored in UTC (naive, as SQLite keeps it) and shown in Asia/Shanghai."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from marshmallow import fields

LOCAL = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_local(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(LOCAL)


def iso_utc(moment: datetime | None) -> str | None:
    return None if moment is None else moment.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


class UtcDateTime(fields.DateTime):
    """A stored moment in an API answer: RFC 3339 with its Z, as the OpenAPI document's date-time
    promises (a naive timestamp would be read as local time by whoever reads it)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return iso_utc(value)
