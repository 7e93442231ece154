"""Who hears of which event, and in what words: one rule per event kind.

A rule reads the event's payload (and the records it names), and returns the messages: one per
recipient, with a title and a body in the recipient's language (a user's locale, a citizen's report's
language: Chinese unless English was chosen) and the screen a click opens. Recipients are decided by
the same scope rule as everything else: an inspector is told of a case only if the case is
visible to them (`jiandu.cases.service.visible_cases`), so a notification never shows a case to
someone who could not open it.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import select

from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, User, group_departments
from jiandu.timeutil import to_local

ICON = "/app/icons/icon-192.png"


class UnknownKind(Exception):
    """No rule for this kind of event: it is parked at once (retrying cannot help)."""


# Topics are what a user chooses to have pushed to their devices (the in-app centre keeps all).
TOPICS = {
    "case_assigned": "新转办的案件",
    "case_deadline": "临期预警、超期、催办、督办与挂账复查",
    "case_feedback": "承办单位的反馈、退回与延期申请",
    "case_followup": "核查退回与延期审批结果",
    "blocker": "项目堵点的办理进展",
    "project_alerts": "新的项目堵点、审批超时与欠款预警",
    "print_batch": "标识牌印制文件生成",
    "recommendation": "监察建议回复逾期",
    "test": "测试通知",
}
TOPICS_EN = {
    "case_assigned": "Cases assigned to my unit",
    "case_deadline": "Due soon, overdue, reminders, escalations and parked-case reviews",
    "case_feedback": "Answers, returns and extension requests from units",
    "case_followup": "Cases sent back and extension decisions",
    "blocker": "Progress on project blockers",
    "project_alerts": "New project blockers, approval timeouts, overdue payments",
    "print_batch": "Sign print files ready",
    "recommendation": "Overdue replies to recommendations",
    "test": "Test notifications",
}
# Urgency header for the push service (RFC 8030): high wakes a phone in power saving.
URGENT_KINDS = {"case.assigned", "case.red", "case.escalation"}


@dataclass
class Message:
    recipient_key: str           # "u:<user id>" | "r:<report id>"
    user_id: int | None
    report_id: int | None
    title: str
    body: str
    url: str | None
    tag: str | None


@dataclass
class Rule:
    topic: str
    build: callable


RULES: dict[str, Rule] = {}


def rule(kind: str, topic: str):
    def register(fn):
        RULES[kind] = Rule(topic, fn)
        return fn
    return register


def topic_of(kind: str) -> str:
    found = RULES.get(kind)
    return found.topic if found else "other"


def messages_for(kind: str, payload: dict) -> list[Message]:
    found = RULES.get(kind)
    if found is None:
        raise UnknownKind(f"没有“{kind}”这类事件的通知规则")
    messages = found.build(payload or {})
    actor = (payload or {}).get("actor_id")
    seen, result = set(), []
    for message in messages:
        # Nobody is told of what they did themselves; each recipient hears once per event.
        if message.user_id is not None and message.user_id == actor:
            continue
        if message.recipient_key in seen:
            continue
        seen.add(message.recipient_key)
        result.append(message)
    return result


# --- a batch of events: what several of them ask for is read once ----------------------------------

_memo: ContextVar[dict | None] = ContextVar("jiandu_notify_memo", default=None)


@contextmanager
def batch(payloads: list[dict]):
    """While fanning out a batch: the cases the payloads name are loaded in one query, and the
    recipients of a department or a place are looked up once for all the events that name it."""
    from jiandu.cases.models import Case

    case_ids = sorted({int(p["case_id"]) for p in payloads if str(p.get("case_id", "")).isdigit()})
    for start in range(0, len(case_ids), 1000):
        db.session.scalars(select(Case).where(Case.id.in_(case_ids[start:start + 1000]))).all()
    memo = {}
    departments = sorted({int(d) for p in payloads
                          for d in [p.get("department_id"), *(p.get("co_department_ids") or [])] if str(d or "").isdigit()})
    for start in range(0, len(departments), 1000):
        chunk = departments[start:start + 1000]
        found = {d: [] for d in chunk}
        for user in db.session.scalars(_active(select(User).where(User.role == "handler", User.unit_id.in_(chunk)))
                                       .order_by(User.id)):
            found[user.unit_id].append(user)
        memo.update({("handlers", (d,)): users for d, users in found.items()})
    token = _memo.set(memo)
    try:
        yield
    finally:
        _memo.reset(token)


def _memoised(key, compute):
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


# --- recipients ---------------------------------------------------------------------------------

def _active(statement):
    return statement.where(User.active.is_(True))


def handlers_of(*department_ids) -> list[User]:
    ids = tuple(sorted({int(i) for i in department_ids if i}))
    if not ids:
        return []
    memo = _memo.get() or {}
    if len(ids) > 1 and all(("handlers", (i,)) in memo for i in ids):
        return sorted((u for i in ids for u in memo[("handlers", (i,))]), key=lambda u: u.id)
    return _memoised(("handlers", ids), lambda: list(db.session.scalars(
        _active(select(User).where(User.role == "handler", User.unit_id.in_(ids))).order_by(User.id))))


def enterprise_users(project_id) -> list[User]:
    if not project_id:
        return []
    return list(db.session.scalars(_active(select(User).where(User.role == "enterprise",
                                                              User.project_id == int(project_id)))
                                   .order_by(User.id)))


def _jurisdiction_chain(jurisdiction_id: int | None) -> list[int]:
    if jurisdiction_id is None:
        return []
    path = db.session.scalar(select(Jurisdiction.path).where(Jurisdiction.id == jurisdiction_id)) or ""
    return [int(part) for part in path.strip("/").split("/") if part] or [jurisdiction_id]


def _inspector_candidates(jurisdiction_id: int | None, department_id: int | None) -> list[User]:
    """Commission inspectors of the jurisdiction or above it, and inspectors of the dispatched groups
    that supervise the department: the only ones whose scope can hold the record."""
    return _memoised(("inspectors", jurisdiction_id, department_id),
                     lambda: _find_inspector_candidates(jurisdiction_id, department_id))


def _find_inspector_candidates(jurisdiction_id: int | None, department_id: int | None) -> list[User]:
    from sqlalchemy import and_, or_

    chain = _jurisdiction_chain(jurisdiction_id)
    conditions = [and_(User.unit_id.is_(None), User.jurisdiction_id.in_(chain))] if chain else []
    if department_id:
        groups = select(group_departments.c.group_id).where(group_departments.c.department_id == department_id)
        conditions.append(User.unit_id.in_(groups))
    if not conditions:
        return []
    return list(db.session.scalars(_active(select(User).where(User.role == "inspector", or_(*conditions)))
                                   .order_by(User.id)))


def inspectors_for_case(case) -> list[User]:
    from jiandu.cases.models import Case
    from jiandu.cases.service import visible_cases

    if case is None or case.restricted:
        return []  # a case sent up is for the top level's admins only
    return [user for user in _inspector_candidates(case.jurisdiction_id, case.department_id)
            if db.session.scalar(visible_cases(user, select(Case.id)).where(Case.id == case.id)) is not None]


def inspectors_for(model, record) -> list[User]:
    """Inspectors who can see `record` (a scoped model with jurisdiction and department/unit columns)."""
    from jiandu.org.scope import is_visible

    columns = getattr(model, "__scope_columns__", {})
    jurisdiction_id = getattr(record, columns.get("jurisdiction", "jurisdiction_id"), None)
    department_id = getattr(record, columns.get("department", columns.get("unit", "department_id")), None)
    return [u for u in _inspector_candidates(jurisdiction_id, department_id) if is_visible(u, model, record.id)]


# --- words --------------------------------------------------------------------------------------

def when(value, lang: str = "zh") -> str:
    """ISO (UTC) or datetime → "5月6日 17:30" (en: "6 May 17:30") in Asia/Shanghai."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "")) if isinstance(value, str) else value
    if moment.tzinfo is not None:
        from datetime import timezone

        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    local = to_local(moment)
    return f"{local.day} {local:%b %H:%M}" if lang == "en" else f"{local.month}月{local.day}日 {local:%H:%M}"


def clip(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# A rule's words: the title and body in one language ("zh" or "en").
Words = Callable[[str], tuple[str, str]]


def language_of(user: User) -> str:
    return "en" if user.locale == "en" else "zh"


def to_users(users, words: Words, url: str | None, tag: str | None) -> list[Message]:
    """One message per user, in the user's language."""
    said: dict[str, tuple[str, str]] = {}
    messages = []
    for user in users:
        lang = language_of(user)
        if lang not in said:
            said[lang] = words(lang)
        title, body = said[lang]
        messages.append(Message(f"u:{user.id}", user.id, None, clip(title, 60), clip(body, 240), url, tag))
    return messages


def case_url(case_id) -> str:
    return f"/#/cases/{int(case_id)}"


def about_case(users, words: Words, case) -> list[Message]:
    """Messages about a case: a click opens it, and a newer one replaces the older on a device (tag).
    Only those who may open the case hear of it: a department not yet handed it, or a lead, never."""
    return to_users(readers_of(case, users), words, case_url(case.id), f"case-{case.id}")


def readers_of(case, users) -> list[User]:
    """The users of the supervised side who may open the case (the commission's staff come from
    `inspectors_for_case`, which has asked the same of them already)."""
    from jiandu.cases.models import Case
    from jiandu.org.scope import is_supervised, visible

    return [u for u in users if not is_supervised(u)
            or db.session.scalar(visible(u, select(Case.id)).where(Case.id == case.id)) is not None]


def _case(payload):
    from jiandu.cases.models import Case

    case_id = payload.get("case_id")
    return db.session.get(Case, int(case_id)) if case_id else None


def _number(payload, case) -> str:
    return payload.get("number") or (case.number if case is not None else "") or f"#{payload.get('case_id')}"


# --- the rules ----------------------------------------------------------------------------------

@rule("case.assigned", "case_assigned")
def _case_assigned(p):
    case = _case(p)
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


def _deadline(level: str):
    def build(p):
        case = _case(p)
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
    rule(f"case.{_level}", "case_deadline")(_deadline(_level))


@rule("case.park_review", "case_deadline")
def _park_review(p):
    """A parked case (挂账) whose review date has come: to the inspectors who can see it, who review it."""
    case = _case(p)
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
    case = _case(p)
    if case is None:
        return []
    number = _number(p, case)

    def words(lang):
        if lang == "en":
            return ("The unit has answered",
                    f"{number}: {p.get('department') or 'the responsible unit'} has reported its result; please check it")
        return "承办单位已反馈", f"{number}：{p.get('department') or '承办单位'}已反馈办理结果，请核查"

    return about_case(inspectors_for_case(case), words, case)


@rule("case.returned", "case_feedback")
def _case_returned(p):
    case = _case(p)
    if case is None:
        return []
    number, reason = _number(p, case), clip(p.get("reason"), 60)

    def words(lang):
        if lang == "en":
            who = p.get("department") or "The responsible unit"
            return "Case returned", (f"{number}: {who} returned it as outside its remit"
                                     + (f" ({reason})" if reason else "") + "; please assign it again")
        who = p.get("department") or "承办单位"
        return "案件被退回", f"{number}：{who}认为不属本单位职责而退回" + (f"（{reason}）" if reason else "") + "，请重新转办"

    return about_case(inspectors_for_case(case), words, case)


@rule("case.extension_requested", "case_feedback")
def _extension_requested(p):
    case = _case(p)
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
    case = _case(p)
    if case is None:
        return []
    number, approved, due_at = _number(p, case), bool(p.get("approve")), case.due_at

    def words(lang):
        new_due = when(due_at, lang) if approved and due_at else ""
        if lang == "en":
            return "Extension decided", (f"{number}: extension {'approved' if approved else 'refused'}"
                                         + (f", new deadline {new_due}" if new_due else ""))
        return "延期审批结果", f"{number}：延期申请{'同意' if approved else '不同意'}" + (f"，新期限 {new_due}" if new_due else "")

    return about_case(handlers_of(case.department_id), words, case)


@rule("case.sent_back", "case_followup")
def _case_sent_back(p):
    case = _case(p)
    if case is None:
        return []
    number, reason = _number(p, case), clip(p.get("reason"), 60)

    def words(lang):
        if lang == "en":
            return "Sent back after checking", (f"{number}: the result did not pass the check"
                                                + (f" ({reason})" if reason else "") + "; please handle it again")
        return "核查退回", f"{number}：办理结果核查未通过" + (f"（{reason}）" if reason else "") + "，请重新办理"

    return about_case(handlers_of(case.department_id), words, case)


@rule("case.progress", "case_progress")
def _case_progress(p):
    """A change the reporter can see on the tracking page: to the citizens who asked to be told."""
    from jiandu.notify.models import PushSubscription

    case_id = p.get("case_id")
    if not case_id:
        return []
    report_ids = db.session.scalars(select(PushSubscription.report_id).where(
        PushSubscription.case_id == int(case_id), PushSubscription.status == "active",
        PushSubscription.report_id.is_not(None)).distinct()).all()
    note = clip(p.get("public_note"), 160)

    def words(lang):
        label = _public_state(p.get("state"), lang)
        if lang == "en":
            return "There is progress on your report", label + (f": {note}" if note else "")
        return "您反映的问题有新进展", label + (f"：{note}" if note else "")

    said = {lang: words(lang) for lang in {_report_language(rid) for rid in report_ids}}
    return [Message(f"r:{rid}", None, rid, said[_report_language(rid)][0], clip(said[_report_language(rid)][1], 240),
                    None, f"track-{int(case_id)}") for rid in report_ids]


def _public_state(state: str | None, lang: str) -> str:
    """A state in the words of the public tracking page (intake's), else of the closed loop."""
    try:
        from jiandu.intake.i18n import PUBLIC_STATES

        return PUBLIC_STATES[lang].get(state, "In progress" if lang == "en" else "办理中")
    except ImportError:  # intake not installed: the closed loop's own words
        from jiandu.cases.service import STATE_LABELS

        return STATE_LABELS.get(state, "办理中")


def _report_language(report_id: int) -> str:
    """The language the citizen wrote the report in (a page in English gets its news in English)."""
    try:
        from jiandu.intake.models import Report
    except ImportError:
        return "zh"
    return _memoised(("report-lang", report_id), lambda: "en" if db.session.scalar(
        select(Report.lang).where(Report.id == report_id)) == "en" else "zh")


@rule("recommendation.reply_overdue", "recommendation")
def _recommendation_overdue(p):
    from jiandu.cases.models import Recommendation

    rec = db.session.get(Recommendation, int(p["recommendation_id"])) if p.get("recommendation_id") else None
    if rec is None or rec.state != "issued":
        return []
    def words(lang):
        if lang == "en":
            return ("Recommendation reply overdue", f"{rec.number or ''} “{clip(rec.title, 30)}”: the reply on "
                    f"rectification is overdue ({when(rec.reply_due_at, lang)})")
        return "监察建议回复逾期", f"{rec.number or ''}《{clip(rec.title, 30)}》的整改回复已逾期（{when(rec.reply_due_at)}）"

    users = handlers_of(rec.unit_id) + inspectors_for(Recommendation, rec)
    return to_users(users, words, f"/#/recommendations/{rec.id}", f"rec-{rec.id}")


def _project_name(project_id, lang: str = "zh") -> str:
    from jiandu.org.models import Project

    project = db.session.get(Project, int(project_id)) if project_id else None
    return project.name if project is not None else ("The project" if lang == "en" else "项目")


def _blocker_reporters(case_id, project_id) -> list[User]:
    """The enterprise user who reported the blocker (projects' rule), else the project's enterprise users."""
    try:
        from jiandu.projects.service import blocker_recipients

        ids = blocker_recipients(int(case_id)) if case_id else []
    except ImportError:
        ids = []
    if not ids:
        return enterprise_users(project_id)
    return list(db.session.scalars(_active(select(User).where(User.id.in_(ids))).order_by(User.id)))


@rule("blocker.updated", "blocker")
def _blocker_updated(p):
    """A move of a blocker's case that the enterprise can see: to the enterprise user who reported it."""
    note = clip(p.get("public_note"), 120)

    def words(lang):
        project, label = _project_name(p.get("project_id"), lang), _public_state(p.get("state"), lang)
        if lang == "en":
            return "Progress on a blocker", f"{project}: {label}" + (f". {note}" if note else "")
        return "堵点有新进展", f"{project}：{label}" + (f"。{note}" if note else "")

    url = f"/#/blockers/{int(p['blocker_id'])}" if p.get("blocker_id") else (
        f"/#/projects/{int(p['project_id'])}" if p.get("project_id") else None)
    return to_users(_blocker_reporters(p.get("case_id"), p.get("project_id")), words, url,
                    f"blocker-{p.get('blocker_id') or p.get('case_id')}")


@rule("project.blocker", "project_alerts")
def _project_blocker(p):
    """A new blocker from a project's construction unit: to the inspectors who will register its case."""
    case = _case(p)
    if case is None:
        return []
    summary = clip(case.summary, 80)

    def words(lang):
        project = _project_name(p.get("project_id"), lang)
        return ("New project blocker", f"{project}: {summary}") if lang == "en" else ("新的项目堵点", f"{project}：{summary}")

    url = f"/#/blockers/{int(p['blocker_id'])}" if p.get("blocker_id") else case_url(case.id)
    return to_users(inspectors_for_case(case), words, url, f"blocker-{p.get('blocker_id')}")


_PROJECT_WORDS = {
    ("approval", "yellow"): {"zh": "审批事项即将超时", "en": "Approval about to time out"},
    ("approval", "red"): {"zh": "审批事项已超时", "en": "Approval timed out"},
    ("payment", "yellow"): {"zh": "应付账款即将逾期", "en": "Payment almost overdue"},
    ("payment", "red"): {"zh": "应付账款已逾期未付", "en": "Payment overdue"},
}


def _project_item(kind: str, level: str):
    def build(p):
        from jiandu.org.models import Project

        try:
            from jiandu.projects.models import ApprovalItem, Payment
        except ImportError:
            return []
        model = ApprovalItem if kind == "approval" else Payment
        item = db.session.get(model, int(p["item_id"])) if p.get("item_id") else None
        project = db.session.get(Project, int(p["project_id"])) if p.get("project_id") else None
        if item is None or project is None:
            return []
        department = getattr(item, "department_id", None) if kind == "approval" else getattr(item, "payer_unit_id", None)
        what, due_on = clip(p.get("title"), 60), p.get("due_on") or "—"

        def words(lang):
            title = _PROJECT_WORDS[(kind, level)][lang]
            return title, (f"{project.name}: {what} (due {due_on})" if lang == "en"
                           else f"{project.name}：{what}（期限 {due_on}）")

        return to_users(handlers_of(department) + inspectors_for(model, item), words,
                        f"/#/projects/{project.id}", f"project-{project.id}-{kind}-{item.id}")
    return build


for (_kind, _lvl) in _PROJECT_WORDS:
    rule(f"project.{_kind}.{_lvl}", "project_alerts")(_project_item(_kind, _lvl))


@rule("print_batch.ready", "print_batch")
def _print_batch_ready(p):
    """signs: {"batch_id", "user_id" (who asked), "pages"} — to the admin who asked."""
    user = db.session.get(User, int(p["user_id"])) if p.get("user_id") else None
    if user is None or not user.active:
        return []
    batch, pages = p.get("batch_id"), p.get("pages")

    def words(lang):
        if lang == "en":
            return "Print file ready", (f"The print file of sign batch {batch} is ready"
                                        + (f" ({pages} pages)" if pages else "") + "; you can download it")
        return "印制文件已生成", f"标识牌批次 {batch} 的印制文件已生成" + (f"（{pages} 页）" if pages else "") + "，可以下载"

    url = p.get("url") or f"/#/signs?batch={int(p['batch_id'])}"
    return to_users([user], words, url, f"batch-{p.get('batch_id')}")


@rule("test", "test")
def _test(p):
    user = db.session.get(User, int(p["user_id"])) if p.get("user_id") else None
    if user is None:
        return []
    def words(lang):
        if lang == "en":
            return (p.get("title") or "Test notification",
                    p.get("body") or "This is a test notification: this device can receive pushes.")
        return p.get("title") or "测试通知", p.get("body") or "这是一条测试通知：本机可以收到推送。"

    return to_users([user], words, p.get("url") or "/#/notifications", "test")


TOPICS_FOR_REPORTERS = {"case_progress"}
