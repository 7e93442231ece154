"""Approval colours and payment due dates against the official calendar (holidays, make-up days)."""
from datetime import date, datetime, timezone

import pytest

from jiandu.projects import rules
from jiandu.timeutil import LOCAL
from jiandu.workdays import Calendar

CAL = Calendar()  # the package's calendar only


def d(y, m, day):
    return date(y, m, day)


@pytest.mark.parametrize("submitted, promised, yellow_on, due_on", [
    # Spring Festival 2025: off 28 Jan – 4 Feb; make-up workdays Sun 26 Jan and Sat 8 Feb.
    (d(2025, 1, 24), 5, d(2025, 2, 6), d(2025, 2, 7)),     # the make-up Sunday counts, the holiday does not
    (d(2025, 1, 24), 10, d(2025, 2, 11), d(2025, 2, 13)),  # the make-up Saturday 8 Feb counts
    (d(2025, 1, 29), 1, d(2025, 2, 5), d(2025, 2, 5)),     # submitted during the holiday
    # Spring Festival 2026: off 15–23 Feb; make-up Sat 14 Feb and Sat 28 Feb.
    (d(2026, 2, 13), 3, d(2026, 2, 25), d(2026, 2, 25)),
    (d(2026, 2, 13), 7, d(2026, 2, 28), d(2026, 3, 2)),    # yellow on the make-up Saturday 28 Feb
    # National Day 2025: off 1–8 Oct; make-up Sun 28 Sep and Sat 11 Oct.
    (d(2025, 9, 26), 5, d(2025, 10, 9), d(2025, 10, 10)),
    (d(2025, 9, 30), 3, d(2025, 10, 11), d(2025, 10, 11)),
    # An ordinary week: Monday + 5 working days is next Monday; 80 % of 5 is 4 → Friday.
    (d(2025, 3, 3), 5, d(2025, 3, 7), d(2025, 3, 10)),
])
def test_approval_days_on_the_official_calendar(submitted, promised, yellow_on, due_on):
    dates = rules.approval_dates(submitted, promised, CAL)
    assert (dates.yellow_on, dates.due_on, dates.provisional) == (yellow_on, due_on, False)


@pytest.mark.parametrize("today, colour, elapsed", [
    (d(2025, 1, 27), "green", 2),   # Sun 26 (make-up) and Mon 27
    (d(2025, 1, 31), "green", 2),   # the holiday adds nothing
    (d(2025, 2, 5), "green", 3),
    (d(2025, 2, 6), "yellow", 4),   # 4 of 5 = 80 %
    (d(2025, 2, 7), "yellow", 5),   # the last day of the promised limit
    (d(2025, 2, 8), "red", 6),      # Saturday, but a make-up working day
])
def test_colour_through_spring_festival(today, colour, elapsed):
    submitted = d(2025, 1, 24)
    assert rules.approval_colour(submitted, 5, None, today, CAL) == colour
    assert rules.elapsed_workdays(submitted, today, CAL) == elapsed


def test_a_weekend_after_the_limit_is_already_past_it():
    # Due Sat 11 Oct 2025 (a make-up working day); on Sunday the limit has passed.
    assert rules.approval_colour(d(2025, 9, 30), 3, None, d(2025, 10, 11), CAL) == "yellow"
    assert rules.approval_colour(d(2025, 9, 30), 3, None, d(2025, 10, 12), CAL) == "red"
    assert rules.elapsed_workdays(d(2025, 9, 30), d(2025, 10, 12), CAL) == 3


def test_done_items_keep_the_colour_they_ended_with():
    assert rules.approval_colour(d(2025, 1, 24), 5, d(2025, 2, 7), d(2025, 6, 1), CAL) == "green"
    assert rules.approval_colour(d(2025, 1, 24), 5, d(2025, 2, 8), d(2025, 6, 1), CAL) == "red"
    assert rules.approval_colour(d(2025, 1, 24), 5, d(2025, 2, 6), d(2025, 2, 6), CAL) == "green"  # done: not yellow


@pytest.mark.parametrize("promised, percent, threshold", [(1, 80, 1), (2, 80, 2), (3, 80, 3), (5, 80, 4),
                                                         (10, 80, 8), (7, 80, 6), (20, 80, 16), (10, 50, 5)])
def test_yellow_threshold_rounds_up(promised, percent, threshold):
    assert rules.yellow_threshold(promised, percent) == threshold


def test_unknown_year_is_provisional_and_admin_days_count():
    dates = rules.approval_dates(d(2027, 9, 28), 5, CAL)
    assert dates.provisional  # 2027 is not in the package: Monday–Friday, marked provisional
    # The admin enters 2027's National Day: 1–7 Oct off, Sat 9 Oct worked (an invented notice).
    overrides = {d(2027, 10, day): False for day in range(1, 8)}
    overrides[d(2027, 10, 9)] = True
    known = Calendar(overrides)
    dates = rules.approval_dates(d(2027, 9, 28), 5, known)
    # Wed 29, Thu 30 Sep, Fri 8, Sat 9, Mon 11 Oct.
    assert (dates.due_on, dates.provisional) == (d(2027, 10, 11), False)


# --- payments: the rules for paying SMEs ----------------------------------------------------------

def test_government_pays_within_30_days_of_delivery():
    due = rules.payment_due(d(2025, 1, 10), "government", None)
    assert due.due_on == d(2025, 2, 9) and "30" in due.rule
    assert rules.payment_colour(due.due_on, None, d(2025, 2, 9)) == "yellow"
    assert rules.payment_colour(due.due_on, None, d(2025, 2, 10)) == "red"
    assert rules.payment_colour(due.due_on, None, d(2025, 2, 4)) == "yellow"   # 5 days before
    assert rules.payment_colour(due.due_on, None, d(2025, 2, 3)) == "green"
    assert rules.payment_colour(due.due_on, None, d(2025, 2, 4), warn_days=3) == "green"
    assert rules.days_overdue(due.due_on, None, d(2025, 2, 19)) == 10


def test_payment_days_are_calendar_days_holidays_included():
    # Delivered 30 Dec 2024: day 30 is 29 Jan 2025, in the Spring Festival holiday; it is not moved.
    assert rules.payment_due(d(2024, 12, 30), "government", None).due_on == d(2025, 1, 29)


def test_a_contract_may_agree_a_date_but_at_most_60_days():
    assert rules.payment_due(d(2025, 1, 10), "government", d(2025, 3, 1)).due_on == d(2025, 3, 1)
    capped = rules.payment_due(d(2025, 1, 10), "government", d(2025, 5, 1))
    assert capped.due_on == d(2025, 3, 11) and "60" in capped.rule
    assert rules.payment_due(d(2025, 1, 10), "large_enterprise", None).due_on == d(2025, 3, 11)
    assert rules.payment_due(d(2025, 1, 10), "large_enterprise", d(2025, 2, 1)).due_on == d(2025, 2, 1)
    assert rules.payment_due(d(2025, 1, 10), "other", None).due_on == d(2025, 2, 9)


def test_payment_rules_follow_the_settings():
    s = {"payment_government_days": 20, "payment_max_days": 45}
    assert rules.payment_due(d(2025, 1, 10), "government", None, s).due_on == d(2025, 1, 30)
    assert rules.payment_due(d(2025, 1, 10), "government", d(2025, 4, 1), s).due_on == d(2025, 2, 24)


def test_paid_late_stays_red_paid_on_time_green():
    assert rules.payment_colour(d(2025, 2, 9), d(2025, 2, 12), d(2025, 6, 1)) == "red"
    assert rules.payment_colour(d(2025, 2, 9), d(2025, 2, 9), d(2025, 6, 1)) == "green"


def test_local_today_is_shanghai():
    # 20:00 UTC on 1 Feb is 04:00 on 2 Feb in Shanghai.
    assert rules.local_today(datetime(2025, 2, 1, 20, 0)) == d(2025, 2, 2)
    assert LOCAL.key == "Asia/Shanghai" and timezone.utc
