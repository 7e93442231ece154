"""Who hears of the closed loop's moves, and in what words: the outbox events of a move (in the move's
own transaction) and the rules that turn them into messages (registered with notify in `setup`).

`act()` calls `case_moved()` after every move; the deadline scan emits its own (case.yellow / red /
reminder / escalation). Payloads carry ids and what the words need, never a reporter's identity.
Recipients are decided by the same scope rule as everything else (`jiandu.org.scope`): nobody is told
of a case they could not open. A channel that must hear of its cases' moves (a project blocker's
enterprise) listens with `listen()`.
"""
from __future__ import annotations

import json
from typing import Callable

from sqlalchemy import select

from jiandu.cases.models import Case, Recommendation
from jiandu.extensions import db
from jiandu.notify import rules
from jiandu.notify.recipients import handlers_of, inspector_candidates, inspectors_for
from jiandu.notify.service import case_followed, emit
from jiandu.notify.words import Words, clip, to_users, when
from jiandu.org.models import User
from jiandu.org.scope import is_supervised, is_visible
from jiandu.timeutil import iso_utc

# --- the events of a move ---------------------------------------------------------------------------

MoveListener = Callable[[Case, object, User | None], list]
LISTENERS: list[MoveListener] = []


def listen(listener: MoveListener) -> None:
    """Another capability hears of every move too (it returns the events it emitted)."""
    if listener not in LISTENERS:
        LISTENERS.append(listener)


def _data(event) -> dict:
    try:
        return json.loads(event.data) if event.data else {}
    except ValueError:
        return {}


def _base(case, actor) -> dict:
    return {"case_id": case.id, "number": case.number, "jurisdiction_id": case.jurisdiction_id,
            "department_id": case.department_id, "actor_id": actor.id if actor is not None else None}


def case_moved(case, event, actor=None) -> list:
    """Emit the events of one move (none for most). Returns them."""
    emitted = [emit(kind, payload) for kind, payload in _move_events(case, event, actor)]
    if event.public_note and case_followed(case.id):
        emitted.append(emit("case.progress", {"case_id": case.id, "number": case.number, "state": event.to_state,
                                              "public_note": event.public_note, "seq": event.seq}))
    for listener in LISTENERS:
        emitted.extend(listener(case, event, actor))
    return emitted


def _move_events(case, event, actor) -> list[tuple[str, dict]]:
    data, action, base = _data(event), event.action, _base(case, actor)
    if action in ("assign", "reopen"):
        return [("case.assigned", {**base, "co_department_ids": data.get("co_department_ids") or [],
                                   "due_at": iso_utc(case.sign_due_at or case.due_at), "reopened": action == "reopen"})]
    if action == "answer":
        return [("case.answered", {**base, "department": case.department.name if case.department else None})]
    if action == "return":
        return [("case.returned", {**base, "department_id": data.get("department_id"),
                                   "department": data.get("department"), "reason": data.get("reason")})]
    if action == "send_back":
        return [("case.sent_back", {**base, "reason": data.get("reason")})]
    if action == "request_extension":
        return [("case.extension_requested", {**base, "days": data.get("days")})]
    if action == "decide_extension":
        return [("case.extension_decided", {**base, "approve": data.get("approve"), "days": data.get("days")})]
    if action == "urge":
        return [("case.reminder", {**base, "level": "reminder", "due_at": iso_utc(case.due_at), "manual": True})]
    if action == "escalate":
        return [("case.escalation", {**base, "level": "escalation", "escalation_level": data.get("level"),
                                     "manual": True})]
    return []


# --- recipients: who may read the case -----------------------------------------------------------------

def inspectors_for_case(case) -> list[User]:
    if case is None or case.restricted:
        return []  # a case sent up is for the top level's admins only
    return [user for user in inspector_candidates(case.jurisdiction_id, case.department_id)
            if is_visible(user, Case, case.id)]


def readers_of(case, users) -> list[User]:
    """The users of the supervised side who may open the case (the commission's staff come from
    `inspectors_for_case`, which has asked the same of them already)."""
    return [u for u in users if not is_supervised(u) or is_visible(u, Case, case.id)]


def case_url(case_id) -> str:
    return f"/#/cases/{int(case_id)}"


def about_case(users, words: Words, case) -> list:
    """Messages about a case: a click opens it, and a newer one replaces the older on a device (tag).
    Only those who may open the case hear of it: a department not yet handed it, or a lead, never."""
    return to_users(readers_of(case, users), words, case_url(case.id), f"case-{case.id}")


def case_of(payload) -> Case | None:
    case_id = payload.get("case_id")
    return db.session.get(Case, int(case_id)) if case_id else None


def _number(payload, case) -> str:
    return payload.get("number") or (case.number if case is not None else "") or f"#{payload.get('case_id')}"


def prefetch_cases(payloads: list[dict]) -> None:
    """The cases a batch of events names, loaded in one query per thousand."""
    case_ids = sorted({int(p["case_id"]) for p in payloads if str(p.get("case_id", "")).isdigit()})
    for start in range(0, len(case_ids), 1000):
        db.session.scalars(select(Case).where(Case.id.in_(case_ids[start:start + 1000]))).all()


# --- the rules ----------------------------------------------------------------------------------

RULES: dict[str, rules.Rule] = {}
rule = rules.collect(RULES)


@rule("case.assigned", "case_assigned", urgent=True)
def _case_assigned(p):
    case = case_of(p)
    if case is None:
        return []
    departments = [p.get("department_id")] + list(p.get("co_department_ids") or [])
    number, summary, due_at = _number(p, case), clip(case.summary, 60), p.get("due_at") or case.sign_due_at

    def words(lang):
        due = when(due_at, lang)
        if lang == "en":
            title = "Case assigned again" if p.get("reopened") else "New case assigned"
            return title, f"{number}: {summary}" + (f". Please acknowledge it by {due}" if due else "")
        title = "案件重新交办" if p.get("reopened") else "新转办案件"
        return title, f"{number}：{summary}" + (f"。请于{due}前签收" if due else "")

    return about_case(handlers_of(*departments), words, case)


_DEADLINE_WORDS = {
    "zh": {
        "yellow": ("案件即将到期", "{number} 将于 {due} 到期，请抓紧办理"),
        "red": ("案件已超期", "{number} 已超过办理期限（{due}），请尽快办结"),
        "reminder": ("催办提醒", "{number} 已超期未办结，已催办（期限 {due}）"),
        "escalation": ("案件已督办", "{number} 已列入{level}督办，请立即办理并反馈"),
    },
    "en": {
        "yellow": ("Case due soon", "{number} is due on {due}; please press on with it"),
        "red": ("Case overdue", "{number} is past its deadline ({due}); please close it soon"),
        "reminder": ("Reminder", "{number} is overdue and not closed; a reminder was sent (deadline {due})"),
        "escalation": ("Case under supervision", "{number} is under {level} supervision; act and report at once"),
    },
}
_LEVEL_WORDS = {"zh": {1: "一级", 2: "二级", 3: "三级"}, "en": {1: "first-level", 2: "second-level", 3: "third-level"}}
_URGENT_DEADLINES = {"red", "escalation"}


def _deadline(level: str):
    def build(p):
        case = case_of(p)
        if case is None:
            return []
        number, due_at = _number(p, case), p.get("due_at") or case.due_at
        escalation = int(p.get("escalation_level") or case.escalation_level or 1)

        def words(lang):
            title, template = _DEADLINE_WORDS[lang][level]
            return title, template.format(number=number, due=when(due_at, lang) or "—",
                                          level=_LEVEL_WORDS[lang].get(escalation, ""))

        # After the unit's answer the clock is the commission's (核查, 回访): the unit is not chased.
        department_clock = case.state in ("assigned", "signed", "parked")
        users = (handlers_of(case.department_id) if department_clock else []) + inspectors_for_case(case)
        return about_case(users, words, case)
    return build


for _level in _DEADLINE_WORDS["zh"]:
    rule(f"case.{_level}", "case_deadline", urgent=_level in _URGENT_DEADLINES)(_deadline(_level))


@rule("case.park_review", "case_deadline")
def _park_review(p):
    """A parked case (挂账) whose review date has come: to the inspectors who can see it, who review it."""
    case = case_of(p)
    if case is None or case.state != "parked":
        return []  # unparked (or moved on) since the scan: nothing to review
    number, review_at = _number(p, case), p.get("due_at") or case.parked_review_at

    def words(lang):
        if lang == "en":
            return ("Parked case due for review",
                    f"{number}: its review date has come ({when(review_at, lang) or '—'}); review it or unpark it")
        return "挂账案件待复查", f"{number} 挂账复查日期已到（{when(review_at) or '—'}），请复查或解除挂账"

    return about_case(inspectors_for_case(case), words, case)


@rule("case.answered", "case_feedback")
def _case_answered(p):
    case = case_of(p)
    if case is None:
        return []
    number = _number(p, case)

    def words(lang):
        if lang == "en":
            who = p.get("department") or "the responsible unit"
            return "The unit has answered", f"{number}: {who} has reported its result; please check it"
        return "承办单位已反馈", f"{number}：{p.get('department') or '承办单位'}已反馈办理结果，请核查"

    return about_case(inspectors_for_case(case), words, case)


@rule("case.returned", "case_feedback")
def _case_returned(p):
    case = case_of(p)
    if case is None:
        return []
    number, reason = _number(p, case), clip(p.get("reason"), 60)

    def words(lang):
        if lang == "en":
            who = p.get("department") or "The responsible unit"
            return "Case returned", (f"{number}: {who} returned it as outside its remit"
                                     + (f" ({reason})" if reason else "") + "; please assign it again")
        who = p.get("department") or "承办单位"
        return "案件被退回", (f"{number}：{who}认为不属本单位职责而退回"
                             + (f"（{reason}）" if reason else "") + "，请重新转办")

    return about_case(inspectors_for_case(case), words, case)


@rule("case.extension_requested", "case_feedback")
def _extension_requested(p):
    case = case_of(p)
    if case is None:
        return []
    number, days = _number(p, case), p.get("days")

    def words(lang):
        if lang == "en":
            return "Extension requested", f"{number}: {days} more working days requested; please decide"
        return "延期申请待审批", f"{number}：申请延期 {days} 个工作日，请审批"

    return about_case(inspectors_for_case(case), words, case)


@rule("case.extension_decided", "case_followup")
def _extension_decided(p):
    case = case_of(p)
    if case is None:
        return []
    number, approved, due_at = _number(p, case), bool(p.get("approve")), case.due_at

    def words(lang):
        new_due = when(due_at, lang) if approved and due_at else ""
        if lang == "en":
            return "Extension decided", (f"{number}: extension {'approved' if approved else 'refused'}"
                                         + (f", new deadline {new_due}" if new_due else ""))
        return "延期审批结果", (f"{number}：延期申请{'同意' if approved else '不同意'}"
                               + (f"，新期限 {new_due}" if new_due else ""))

    return about_case(handlers_of(case.department_id), words, case)


@rule("case.sent_back", "case_followup")
def _case_sent_back(p):
    case = case_of(p)
    if case is None:
        return []
    number, reason = _number(p, case), clip(p.get("reason"), 60)

    def words(lang):
        if lang == "en":
            return "Sent back after checking", (f"{number}: the result did not pass the check"
                                                + (f" ({reason})" if reason else "") + "; please handle it again")
        return "核查退回", f"{number}：办理结果核查未通过" + (f"（{reason}）" if reason else "") + "，请重新办理"

    return about_case(handlers_of(case.department_id), words, case)


@rule("recommendation.reply_overdue", "recommendation")
def _recommendation_overdue(p):
    rec = db.session.get(Recommendation, int(p["recommendation_id"])) if p.get("recommendation_id") else None
    if rec is None or rec.state != "issued":
        return []

    def words(lang):
        if lang == "en":
            return ("Recommendation reply overdue", f"{rec.number or ''} “{clip(rec.title, 30)}”: the reply on "
                    f"rectification is overdue ({when(rec.reply_due_at, lang)})")
        return "监察建议回复逾期", (f"{rec.number or ''}《{clip(rec.title, 30)}》"
                                   f"的整改回复已逾期（{when(rec.reply_due_at)}）")

    users = handlers_of(rec.unit_id) + inspectors_for(Recommendation, rec)
    return to_users(users, words, f"/#/recommendations/{rec.id}", f"rec-{rec.id}")
