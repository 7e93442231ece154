"""Who hears of which event: the registry of rules, one per event kind, that the domains fill.

Each domain keeps its rules in its own `notices.py` and registers them from its capability's
`setup` (`rules.register_all(notices.RULES)`); notify only looks a kind up and runs its rule. A
rule reads the event's payload (and the records it names) and returns the messages (words.py), one
per recipient; the domain decides who may read what it tells of.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

from jiandu.extensions import db
from jiandu.notify import recipients
from jiandu.notify.words import Message, to_users
from jiandu.org.models import User


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

Build = Callable[[dict], list[Message]]
Prefetch = Callable[[list[dict]], None]


@dataclass(frozen=True)
class Rule:
    topic: str
    build: Build
    urgent: bool = False  # Urgency: high for the push service (RFC 8030) wakes a phone in power saving


RULES: dict[str, Rule] = {}
PREFETCH: list[Prefetch] = []


def collect(book: dict[str, Rule]):
    """A decorator that puts a domain's rules into its `book`: `@rule("case.red", "case_deadline")`."""
    def rule(kind: str, topic: str, urgent: bool = False):
        def register(build: Build) -> Build:
            book[kind] = Rule(topic, build, urgent)
            return build
        return register
    return rule


def register_all(book: dict[str, Rule], prefetch: Prefetch | None = None) -> None:
    """A domain's rules, and what it reads once for a batch of events (the records the payloads name)."""
    RULES.update(book)
    if prefetch is not None and prefetch not in PREFETCH:
        PREFETCH.append(prefetch)


def topic_of(kind: str) -> str:
    found = RULES.get(kind)
    return found.topic if found else "other"


def is_urgent(kind: str) -> bool:
    found = RULES.get(kind)
    return found is not None and found.urgent


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


@contextmanager
def batch(payloads: list[dict]):
    """While fanning out a batch: the records the payloads name are loaded once (each domain's
    prefetch), and the recipients of a department or a place are looked up once for all events."""
    with recipients.remembering():
        for prefetch in PREFETCH:
            prefetch(payloads)
        recipients.prefetch_handlers(payloads)
        yield


# --- notify's own ----------------------------------------------------------------------------------

rule = collect(RULES)


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
