"""The rules of approvals and payments, as plain functions of dates (no database, no request).

Approvals (审批事项) are counted in working days on the official calendar (`jiandu.workdays`):
the day an application is submitted does not count; the elapsed working days on a given day are
the working days after the submission day up to and including it. An item is
- yellow from the working day on which the elapsed working days reach 80 % of the promised limit
  (rounded up; a setting),
- red from the day after the last working day of the promised limit (承诺时限),
and done items keep the colour they ended with (red = done late).

Payments (the rules for paying SMEs, 保障中小企业款项支付条例): a government body or public
institution pays within 30 days of delivery/acceptance; a contract may agree a date, but never more
than 60 days after delivery (a later agreed date counts as day 60). A large enterprise pays by the
agreed date, again at most 60 days. Other payers: the agreed date, else 30 days. The numbers are
settings (`DEFAULT_SETTINGS`), the days are calendar days.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from jiandu.timeutil import LOCAL, utcnow
from jiandu.workdays import Calendar

DEFAULT_SETTINGS = {
    "approval_yellow_percent": 80,     # yellow at this share of the promised limit
    "payment_government_days": 30,     # government bodies: days from delivery
    "payment_max_days": 60,            # no contract may agree more than this
    "payment_default_days": 30,        # other payers without an agreed date
    "payment_warn_days": 5,            # yellow this many days before a payment is due
    "invitation_hours": 72,            # an invitation is good for this long
    "colleague_limit": 2,              # the contact may invite this many colleagues
}
SETTING_LABELS = {
    "approval_yellow_percent": "审批事项黄色预警（承诺时限已用百分比）",
    "payment_government_days": "机关事业单位付款期限（自交付之日起，天）",
    "payment_max_days": "合同约定付款期限上限（天）",
    "payment_default_days": "其他付款方默认付款期限（天）",
    "payment_warn_days": "付款到期前黄色预警（天）",
    "invitation_hours": "邀请码有效期（小时）",
    "colleague_limit": "联系人可邀请同事人数",
}
SETTING_RANGES = {
    "approval_yellow_percent": (1, 99), "payment_government_days": (1, 365), "payment_max_days": (1, 365),
    "payment_default_days": (1, 365), "payment_warn_days": (0, 60), "invitation_hours": (1, 24 * 30),
    "colleague_limit": (0, 10),
}
COLOURS = ("green", "yellow", "red")


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).replace(tzinfo=timezone.utc).astimezone(LOCAL).date()


def yellow_threshold(promised_days: int, percent: int) -> int:
    """Working days after which an item is yellow: percent of the limit, rounded up, at least 1."""
    return max(1, -(-promised_days * percent // 100))


def nth_workday_after(start: date, n: int, calendar: Calendar) -> tuple[date, bool]:
    """The n-th working day after `start` (n ≥ 1) and whether an unknown year was crossed."""
    provisional = not calendar.knows(start)
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        provisional = provisional or not calendar.knows(day)
        counted += calendar.is_workday(day)
    return day, provisional


@dataclass(frozen=True)
class ApprovalDates:
    yellow_on: date
    due_on: date
    provisional: bool


def approval_dates(submitted_on: date, promised_days: int, calendar: Calendar,
                   percent: int = DEFAULT_SETTINGS["approval_yellow_percent"]) -> ApprovalDates:
    yellow_on, p1 = nth_workday_after(submitted_on, yellow_threshold(promised_days, percent), calendar)
    due_on, p2 = nth_workday_after(submitted_on, promised_days, calendar)
    return ApprovalDates(yellow_on, due_on, p1 or p2)


def elapsed_workdays(submitted_on: date, until: date, calendar: Calendar) -> int:
    return calendar.workdays_between(submitted_on, until)


def colour_on(yellow_on: date, due_on: date, done_on: date | None, today: date) -> str:
    """red once the day (done or today) is past the last day of the promised limit (a weekend right
    after the limit is already past it), yellow from the yellow day on; done items keep their end colour."""
    day = done_on or today
    if day > due_on:
        return "red"
    if done_on is not None:
        return "green"
    return "yellow" if today >= yellow_on else "green"


def approval_colour(submitted_on: date, promised_days: int, done_on: date | None, today: date,
                    calendar: Calendar, percent: int = DEFAULT_SETTINGS["approval_yellow_percent"]) -> str:
    d = approval_dates(submitted_on, promised_days, calendar, percent)
    return colour_on(d.yellow_on, d.due_on, done_on, today)


@dataclass(frozen=True)
class PaymentDue:
    due_on: date
    rule: str  # for people, in Chinese


def payment_due(delivered_on: date, payer_kind: str, contract_due_on: date | None,
                settings: dict | None = None) -> PaymentDue:
    s = {**DEFAULT_SETTINGS, **(settings or {})}
    latest = delivered_on + timedelta(days=s["payment_max_days"])
    if contract_due_on is not None:
        if contract_due_on > latest:
            return PaymentDue(latest, f"合同约定超过 {s['payment_max_days']} 日，按交付后 {s['payment_max_days']} 日计")
        return PaymentDue(contract_due_on, "按合同约定日期")
    if payer_kind == "government":
        days = s["payment_government_days"]
        return PaymentDue(delivered_on + timedelta(days=days), f"机关事业单位自交付之日起 {days} 日内支付")
    if payer_kind == "large_enterprise":
        days = s["payment_max_days"]
        return PaymentDue(delivered_on + timedelta(days=days), f"大型企业未约定付款期限，按 {days} 日计")
    days = s["payment_default_days"]
    return PaymentDue(delivered_on + timedelta(days=days), f"未约定付款期限，按 {days} 日计")


def payment_colour(due_on: date, paid_on: date | None, today: date,
                   warn_days: int = DEFAULT_SETTINGS["payment_warn_days"]) -> str:
    if paid_on is not None:
        return "red" if paid_on > due_on else "green"
    if today > due_on:
        return "red"
    return "yellow" if today >= due_on - timedelta(days=warn_days) else "green"


def days_overdue(due_on: date, paid_on: date | None, today: date) -> int:
    return max(0, ((paid_on or today) - due_on).days)
