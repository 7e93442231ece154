"""The ratings figures (好差评) inspectors read: per point, over a period, flagged where they look stuffed.

A point is flagged when, within one hour, it got more ratings than RATING_BURST_PER_HOUR (a window
serves a few citizens an hour), or when its ratings come from few devices: at least
RATING_FEW_DEVICES_MIN ratings, more than RATING_PER_DEVICE_MAX of them per device on average. A
flag is a reason to look, not a verdict: the figures stay as they are and say why they are flagged.
Flagged points come first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import joinedload

from jiandu.errors import Invalid
from jiandu.extensions import db
from jiandu.intake.models import BAD_RATING, RATING_LEVELS, Report
from jiandu.intake.reports import ReportFilters, reports_query
from jiandu.org.models import Point, User
from jiandu.timeutil import LOCAL, iso_utc, to_local, utcnow

DEFAULT_DAYS = 7
MAX_DAYS = 366
DEFAULTS = {"RATING_BURST_PER_HOUR": 20, "RATING_FEW_DEVICES_MIN": 10, "RATING_PER_DEVICE_MAX": 3}


@dataclass
class Period:
    since: date
    until: date  # inclusive

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The period's local days as UTC moments, [start, end)."""
        start = datetime.combine(self.since, time(), LOCAL).astimezone(timezone.utc).replace(tzinfo=None)
        end = datetime.combine(self.until + timedelta(days=1), time(), LOCAL).astimezone(timezone.utc)
        return start, end.replace(tzinfo=None)


def period(since: date | None, until: date | None) -> Period:
    until = until or to_local(utcnow()).date()
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise Invalid({"since": "开始日期不能晚于结束日期"})
    if (until - since).days >= MAX_DAYS:
        raise Invalid({"since": f"统计区间最长 {MAX_DAYS} 天"})
    return Period(since, until)


def thresholds(config) -> dict:
    return {"burst_per_hour": int(config.get("RATING_BURST_PER_HOUR", DEFAULTS["RATING_BURST_PER_HOUR"])),
            "few_devices_min": int(config.get("RATING_FEW_DEVICES_MIN", DEFAULTS["RATING_FEW_DEVICES_MIN"])),
            "per_device_max": int(config.get("RATING_PER_DEVICE_MAX", DEFAULTS["RATING_PER_DEVICE_MAX"]))}


def _hour(column):
    """The UTC hour a moment falls in, as the database can group by it."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m-%dT%H:00:00", column)
    return func.date_trunc("hour", column)


def _as_moment(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def figures(user: User, when: Period, limits: dict, point_id: int | None = None) -> list[dict]:
    """Every point with ratings in the period that `user` may see: counts, levels, devices, flags."""
    start, end = when.bounds
    # The reports the user may list (scope and every narrowing of it live there), ratings of the period.
    rows = (reports_query(user, ReportFilters(kind="rating", point_id=point_id)).order_by(None)
            .where(Report.created_at >= start, Report.created_at < end).subquery())
    totals = db.session.execute(select(
        rows.c.point_id, func.count().label("ratings"), func.count(rows.c.device_digest).label("with_device"),
        func.count(distinct(rows.c.device_digest)).label("devices"),
        func.sum(case((rows.c.rating >= BAD_RATING, 1), else_=0)).label("bad"),
    ).group_by(rows.c.point_id)).all()
    levels: dict[int, dict[str, int]] = {}
    for row in db.session.execute(select(rows.c.point_id, rows.c.rating, func.count())
                                  .group_by(rows.c.point_id, rows.c.rating)):
        levels.setdefault(row[0], {})[str(row[1])] = row[2]
    hour = _hour(rows.c.created_at)
    bursts: dict[int, list] = {}
    for row in db.session.execute(select(rows.c.point_id, hour.label("hour"), func.count().label("n"))
                                  .group_by(rows.c.point_id, hour)
                                  .having(func.count() > limits["burst_per_hour"])):
        bursts.setdefault(row.point_id, []).append((_as_moment(row.hour), row.n))
    points = {p.id: p for p in db.session.scalars(
        select(Point).where(Point.id.in_([t.point_id for t in totals])).options(joinedload(Point.hall)))}
    found = [_figure(points[t.point_id], t, levels.get(t.point_id, {}), bursts.get(t.point_id, []), limits)
             for t in totals]
    found.sort(key=lambda f: (not f["flagged"], -f["ratings"], f["point"].id))
    return found


def _figure(point: Point, totals, levels: dict, bursts: list, limits: dict) -> dict:
    flags = [{"code": "burst", "hour": iso_utc(moment), "ratings": n,
              "message": f"{to_local(moment):%Y-%m-%d %H}:00 起一小时内收到 {n} 条评价"
                         f"（超过 {limits['burst_per_hour']} 条）"}
             for moment, n in sorted(bursts)]
    with_device, devices = totals.with_device, totals.devices
    if with_device >= limits["few_devices_min"] and with_device > devices * limits["per_device_max"]:
        flags.append({"code": "few_devices", "hour": None, "ratings": with_device,
                      "message": f"{with_device} 条评价只来自 {devices} 台设备"
                                 f"（平均每台超过 {limits['per_device_max']} 条）"})
    bad = int(totals.bad or 0)
    return {"point": point, "ratings": totals.ratings, "good": totals.ratings - bad, "bad": bad,
            "levels": {str(level): levels.get(str(level), 0) for level in RATING_LEVELS},
            "devices": devices, "flagged": bool(flags), "flags": flags}
