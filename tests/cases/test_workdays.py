"""Working days on the official calendar: Spring Festival and National Day with their make-up days."""
from datetime import date, datetime, timezone

import pytest

from jiandu.timeutil import LOCAL
from jiandu.workdays import Calendar, deadline, set_adjustment, workdays_overdue


def utc(y, m, d, hh=10, mm=0):
    """A local (Asia/Shanghai) time as stored: UTC, naive."""
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL).astimezone(timezone.utc).replace(tzinfo=None)


def local_day(moment):
    return moment.replace(tzinfo=timezone.utc).astimezone(LOCAL).date()


CAL = Calendar()  # the package only, no admin rows


@pytest.mark.parametrize("start, amount, due", [
    # Spring Festival 2025: off 28 Jan – 4 Feb; make-up workdays Sun 26 Jan and Sat 8 Feb.
    ((2025, 1, 24), 1, date(2025, 1, 26)),   # Friday → the make-up Sunday
    ((2025, 1, 24), 2, date(2025, 1, 27)),
    ((2025, 1, 24), 3, date(2025, 2, 5)),    # the whole holiday skipped
    ((2025, 1, 24), 5, date(2025, 2, 7)),
    ((2025, 1, 24), 6, date(2025, 2, 8)),    # the make-up Saturday
    ((2025, 1, 24), 15, date(2025, 2, 20)),
    ((2025, 1, 29), 1, date(2025, 2, 5)),    # received during the holiday
    # Spring Festival 2026: off 15–23 Feb; make-up Sat 14 Feb and Sat 28 Feb.
    ((2026, 2, 13), 1, date(2026, 2, 14)),
    ((2026, 2, 13), 2, date(2026, 2, 24)),
    ((2026, 2, 13), 5, date(2026, 2, 27)),
    ((2026, 2, 13), 6, date(2026, 2, 28)),
    ((2026, 2, 13), 7, date(2026, 3, 2)),
    # National Day 2025: off 1–8 Oct; make-up Sun 28 Sep and Sat 11 Oct.
    ((2025, 9, 26), 1, date(2025, 9, 28)),
    ((2025, 9, 30), 1, date(2025, 10, 9)),
    ((2025, 9, 30), 3, date(2025, 10, 11)),
    ((2025, 9, 30), 4, date(2025, 10, 13)),
    # National Day 2026: off 1–7 Oct; make-up Sun 20 Sep and Sat 10 Oct.
    ((2026, 9, 18), 1, date(2026, 9, 20)),
    ((2026, 9, 30), 1, date(2026, 10, 8)),
    ((2026, 9, 30), 3, date(2026, 10, 10)),
])
def test_workday_deadlines_on_the_official_calendar(start, amount, due):
    d = deadline(utc(*start), amount, "workday", CAL)
    assert local_day(d.due_at) == due
    assert d.due_at.replace(tzinfo=timezone.utc).astimezone(LOCAL).time().isoformat() == "23:59:59"
    assert not d.provisional
    assert d.start < d.warn_at <= d.due_at


def test_warning_point_skips_the_holiday():
    # 5 working days from Friday 24 Jan 2025: 2/3 of the working time falls after the festival.
    d = deadline(utc(2025, 1, 24, 9), 5, "workday", CAL)
    assert local_day(d.warn_at) == date(2025, 2, 6)
    # One working day: yellow after two thirds of that day, not at the deadline.
    one = deadline(utc(2025, 3, 3, 9), 1, "workday", CAL)
    assert one.warn_at < one.due_at and local_day(one.warn_at) == date(2025, 3, 4)


def test_calendar_days_and_hours():
    d = deadline(utc(2025, 1, 24), 30, "day", CAL)
    assert local_day(d.due_at) == date(2025, 2, 23)
    h = deadline(utc(2025, 1, 24, 10), 4, "hour", CAL)
    assert h.due_at == utc(2025, 1, 24, 14)


def test_unknown_year_is_provisional_never_a_crash():
    d = deadline(utc(2030, 2, 1), 5, "workday", CAL)  # a Friday in a year the package does not know
    assert d.provisional
    assert local_day(d.due_at) == date(2030, 2, 8)  # Monday–Friday meanwhile
    # Crossing into an unknown year also makes it provisional.
    assert deadline(utc(2026, 12, 30), 5, "workday", CAL).provisional


def test_admin_table_fills_an_unknown_year():
    # Say the 2030 notice makes 4–8 Feb holidays and Saturday 9 Feb a make-up day.
    overrides = {date(2030, 2, day): False for day in range(4, 9)} | {date(2030, 2, 9): True}
    cal = Calendar(overrides)
    d = deadline(utc(2030, 2, 1), 1, "workday", cal)
    assert local_day(d.due_at) == date(2030, 2, 9) and not d.provisional
    assert local_day(deadline(utc(2030, 2, 1), 2, "workday", cal).due_at) == date(2030, 2, 11)


def test_admin_table_in_the_database(app):
    set_adjustment(date(2031, 1, 2), False, "元旦调休")
    cal = Calendar.load()
    assert cal.knows(date(2031, 6, 1))
    assert not cal.is_workday(date(2031, 1, 2))


def test_workdays_overdue_counts_working_days_only():
    due = deadline(utc(2025, 9, 26), 1, "workday", CAL).due_at  # Sunday 28 Sep (make-up day)
    assert workdays_overdue(due, utc(2025, 9, 28, 23), CAL) == 0
    assert workdays_overdue(due, utc(2025, 9, 30, 12), CAL) == 2   # 29, 30 Sep
    assert workdays_overdue(due, utc(2025, 10, 8, 12), CAL) == 2   # the holiday does not count
    assert workdays_overdue(due, utc(2025, 10, 11, 12), CAL) == 5  # 9, 10 Oct, make-up Sat 11 Oct
