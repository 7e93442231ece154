"""Working-day arithmetic on the official calendar.

Working days come from `chinesecalendar` (the State Council's yearly holiday notice, with its
make-up workdays on weekends) plus an admin-edited table of adjusted days (`workday_adjustments`)
for years the package does not know yet, or corrections to it.

A year is *known* when the package has data for it or when an admin has entered at least one
adjusted day for it (admins enter a year's notice as a whole). For an unknown year the plain
Monday–Friday rule is used and every deadline that touches such a day is marked `provisional`:
it is shown as such and recomputed once the calendar is filled in. Never a crash.

Deadlines are counted in Asia/Shanghai and stored in UTC (naive), like every time in the project:
- `workday`: N working days after the day of the start (the start day itself is not counted),
  due at the end (23:59:59) of the N-th working day;
- `day` (calendar day): the end of the N-th calendar day after the start day;
- `hour`: exactly N hours after the start.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

try:
    import chinese_calendar
except ImportError:  # the package missing: every year is provisional (see _package_years)
    chinese_calendar = None
from sqlalchemy import Boolean, Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jiandu.extensions import db
from jiandu.timeutil import LOCAL, utcnow

UNITS = ("workday", "day", "hour")
END_OF_DAY = time(23, 59, 59)
DAY_SECONDS = 86400


class WorkdayAdjustment(db.Model):
    """An admin-entered day: a holiday on a weekday, or a make-up workday on a weekend."""

    __tablename__ = "workday_adjustments"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def _package_years() -> range:
    try:
        holidays = chinese_calendar.constants.holidays
        return range(min(holidays).year, max(holidays).year + 1)
    except Exception:  # the package missing or changed shape: everything is provisional
        return range(0)


PACKAGE_YEARS = _package_years()


class Calendar:
    """Answers "is this a working day?"; built once per computation (one query for the overrides)."""

    def __init__(self, overrides: dict[date, bool] | None = None):
        self.overrides = dict(overrides or {})
        self.admin_years = {d.year for d in self.overrides}

    @classmethod
    def load(cls) -> Calendar:
        rows = db.session.execute(db.select(WorkdayAdjustment.day, WorkdayAdjustment.is_workday)).all()
        return cls({day: bool(flag) for day, flag in rows})

    def knows(self, day: date) -> bool:
        return day.year in PACKAGE_YEARS or day.year in self.admin_years

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in PACKAGE_YEARS:
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def workdays_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count


@dataclass(frozen=True)
class Deadline:
    start: datetime      # UTC naive
    due_at: datetime     # UTC naive
    warn_at: datetime    # UTC naive: two thirds of the (working) time used
    provisional: bool


def _local(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc).astimezone(LOCAL)


def _utc(local_moment: datetime) -> datetime:
    if local_moment.tzinfo is None:
        local_moment = local_moment.replace(tzinfo=LOCAL)
    return local_moment.astimezone(timezone.utc).replace(tzinfo=None)


def _end_of(day: date) -> datetime:
    return _utc(datetime.combine(day, END_OF_DAY))


def deadline(start: datetime, amount: int, unit: str = "workday", calendar: Calendar | None = None,
             warn_fraction: float = 2 / 3) -> Deadline:
    """The deadline `amount` `unit`s after `start` (UTC naive), and its yellow-warning moment."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit}")
    amount = max(int(amount), 0)
    if unit == "hour":
        due = start + timedelta(hours=amount)
        return Deadline(start, due, start + (due - start) * warn_fraction, False)
    local_day = _local(start).date()
    if unit == "day":
        due = _end_of(local_day + timedelta(days=amount))
        return Deadline(start, due, start + (due - start) * warn_fraction, False)
    calendar = calendar or Calendar.load()
    provisional = not calendar.knows(local_day)
    day, counted, workdays = local_day, 0, []
    while counted < amount:
        day += timedelta(days=1)
        provisional = provisional or not calendar.knows(day)
        if calendar.is_workday(day):
            counted += 1
            workdays.append(day)
    due = _end_of(day)
    return Deadline(start, due, _warn_point(start, local_day, workdays, due, calendar, warn_fraction), provisional)


def _warn_point(start: datetime, start_day: date, workdays: list[date], due: datetime, calendar: Calendar,
                fraction: float) -> datetime:
    """The moment when `fraction` of the working time between start and due is used.

    Working time: what is left of the start day if it is a working day, plus every whole working day
    counted. Holidays in between take no time, so a deadline across Spring Festival warns after it.
    """
    segments: list[tuple[datetime, float]] = []  # (segment start UTC, seconds)
    if calendar.is_workday(start_day):
        first_left = (_end_of(start_day) - start).total_seconds()
        if first_left > 0:
            segments.append((start, first_left))
    for day in workdays:
        segments.append((_utc(datetime.combine(day, time.min)), DAY_SECONDS))
    total = sum(seconds for _, seconds in segments)
    if total <= 0:
        return due
    target = total * fraction
    for begin, seconds in segments:
        if target <= seconds:
            return begin + timedelta(seconds=target)
        target -= seconds
    return due


def add_workdays(start: datetime, amount: int, calendar: Calendar | None = None) -> Deadline:
    return deadline(start, amount, "workday", calendar)


def workdays_overdue(due_at: datetime, now: datetime | None = None, calendar: Calendar | None = None) -> int:
    """Whole working days passed since a deadline (0 when not yet due)."""
    now = now or utcnow()
    if now <= due_at:
        return 0
    calendar = calendar or Calendar.load()
    return calendar.workdays_between(_local(due_at).date(), _local(now).date())


def set_adjustment(day: date, is_workday: bool, note: str | None = None, actor_id: int | None = None):
    row = db.session.scalar(db.select(WorkdayAdjustment).where(WorkdayAdjustment.day == day))
    if row is None:
        row = WorkdayAdjustment(day=day, is_workday=is_workday, note=note, created_by=actor_id)
        db.session.add(row)
    else:
        row.is_workday, row.note = is_workday, note
    return row
