"""Tracking: the token a reporter keeps, the public-safe timeline it opens, and the reporter's own
answer to the return visit (回访)."""
from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from jiandu.cases.models import CaseEvent
from jiandu.cases.public_states import PUBLIC_STATES
from jiandu.cases.service import reporter_return_visit
from jiandu.errors import ApiError, Conflict, Invalid
from jiandu.extensions import db
from jiandu.intake.form_values import plain_text, yes_no
from jiandu.intake.i18n import pick_lang
from jiandu.intake.models import RATING_LEVELS, RATING_LEVELS_EN, RatingReason, Report, ReportCategory
from jiandu.intake.points import point_label
from jiandu.org.models import Point
from jiandu.security import token_digest
from jiandu.timeutil import iso_utc, utcnow

TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 16  # 31**16 ≈ 2**79: unguessable; four groups of four: copyable
MAX_FEEDBACK_TEXT = 300
STATE_OPEN_FOR_FEEDBACK = ("verified",)  # the closed loop's rule: after 核查, before 回访
# The return visit's scale is the case's: 5 = 非常满意 … 1 = 非常不满意.
SATISFACTION = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
SATISFACTION_EN = {5: "Very satisfied", 4: "Satisfied", 3: "Fairly satisfied", 2: "Dissatisfied",
                   1: "Very dissatisfied"}


_TRACKING_TOKENS = len(TRACKING_ALPHABET) ** TRACKING_LENGTH


def new_tracking_token() -> str:
    """One of all the tokens, each as likely: a uniform number below their count, written in the alphabet."""
    number, letters = secrets.randbelow(_TRACKING_TOKENS), []
    for _ in range(TRACKING_LENGTH):
        number, digit = divmod(number, len(TRACKING_ALPHABET))
        letters.append(TRACKING_ALPHABET[digit])
    return "".join(letters)


def normalise_tracking(token: str) -> str:
    return re.sub(r"[\s\-_]", "", (token or "").strip().upper())[:40]


def format_tracking(token: str) -> str:
    return "-".join(token[i:i + 4] for i in range(0, len(token), 4))


def report_by_token(token: str) -> Report | None:
    plain = normalise_tracking(token)
    if len(plain) != TRACKING_LENGTH or any(ch not in TRACKING_ALPHABET for ch in plain):
        return None
    return db.session.scalar(select(Report).where(Report.tracking_digest == token_digest(plain))
                             .options(joinedload(Report.point).joinedload(Point.hall)))


def public_timeline(report: Report, lang: str = "zh") -> dict:
    """What the holder of a tracking token may read: states and public replies; nothing internal."""
    lang = pick_lang(lang)
    names = PUBLIC_STATES[lang]
    case = report.case
    events = []
    if case is not None:
        last_state = None
        for event in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                        .order_by(CaseEvent.seq)):
            moved = event.to_state != last_state
            last_state = event.to_state
            if not moved and not event.public_note:
                continue  # internal moves (urging, notes) that change nothing the reporter can see
            events.append({"state": event.to_state, "label": names.get(event.to_state, names["parked"]),
                           "at": iso_utc(event.at), "public_note": event.public_note})
    category = None
    if report.category:
        row = db.session.scalar(select(ReportCategory).where(ReportCategory.code == report.category))
        category = (row.name_en or row.name) if row is not None and lang == "en" else (row.name if row else None)
    reasons = {r.code: r for r in db.session.scalars(select(RatingReason))}
    return {
        "kind": report.kind,
        "rating": report.rating,
        "rating_label": (RATING_LEVELS_EN if lang == "en" else RATING_LEVELS).get(report.rating),
        "reasons": [(reasons[c].name_en or reasons[c].name) if lang == "en" else reasons[c].name
                    for c in report.reason_codes if c in reasons],
        "category": category,
        "description": report.description,
        "photos": len(report.photos),
        "point": point_label(report.point, lang),
        "submitted_at": iso_utc(report.created_at),
        "case_number": case.number if case else None,
        "state": case.state if case else None,
        "state_label": names.get(case.state, names["parked"]) if case else None,
        "closed": bool(case and case.state == "closed"),
        "events": events,
        "feedback": feedback_view(report),
        "feedback_open": feedback_open(report),
    }


def feedback_view(report: Report) -> dict | None:
    if report.feedback_at is None:
        return None
    return {"resolved": report.feedback_resolved, "satisfaction": report.feedback_satisfaction,
            "comment": report.feedback_comment, "at": iso_utc(report.feedback_at)}


def feedback_open(report: Report) -> bool:
    """The reporter may answer the return visit once the commission has checked the unit's answer."""
    case = report.case
    return case is not None and report.feedback_at is None and case.state in STATE_OPEN_FOR_FEEDBACK


def record_feedback(report: Report, fields: dict) -> Report:
    """The reporter's own answer to the return visit (回访): resolved? how satisfied? Once. Does not commit.

    `satisfaction` is on the case's scale: 5 = 非常满意 … 1 = 非常不满意."""
    if report.feedback_at is not None:
        raise Conflict("您已提交过回访意见", code="feedback_given")
    if not feedback_open(report):
        raise ApiError(409, "feedback_not_open", "核查承办单位的答复后才能提交回访意见")
    errors = {}
    resolved = yes_no(fields.get("resolved"), None)
    try:
        satisfaction = int(plain_text(fields.get("satisfaction"), 4))
    except ValueError:
        satisfaction = None
    comment = plain_text(fields.get("comment"), MAX_FEEDBACK_TEXT)
    if resolved is None:
        errors["resolved"] = "请选择问题是否已解决"
    if satisfaction not in SATISFACTION:
        errors["satisfaction"] = "请选择对办理结果的满意程度"
    if len(comment) > MAX_FEEDBACK_TEXT:
        errors["comment"] = f"不能超过 {MAX_FEEDBACK_TEXT} 字（现有 {len(comment)} 字）"
    if errors:
        raise Invalid(errors)
    reporter_return_visit(report.case, resolved, satisfaction, comment or None)
    report.feedback_resolved, report.feedback_satisfaction = resolved, satisfaction
    report.feedback_comment = comment or None
    report.feedback_at = utcnow()
    return report
