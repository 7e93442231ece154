"""What a notification says: the message a rule returns, and the helpers that word it.

A rule returns one message per recipient, with a title and a body in the recipient's language (a
user's locale, a citizen's report's language: Chinese unless English was chosen) and the screen a
click opens.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from jiandu.org.models import User
from jiandu.timeutil import to_local

ICON = "/app/icons/icon-192.png"
TITLE_LIMIT, BODY_LIMIT = 60, 240


@dataclass
class Message:
    recipient_key: str           # "u:<user id>" | "r:<report id>"
    user_id: int | None
    report_id: int | None
    title: str
    body: str
    url: str | None
    tag: str | None


# A rule's words: the title and body in one language ("zh" or "en").
Words = Callable[[str], tuple[str, str]]


def when(value, lang: str = "zh") -> str:
    """ISO (UTC) or datetime → "5月6日 17:30" (en: "6 May 17:30") in Asia/Shanghai."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "")) if isinstance(value, str) else value
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    local = to_local(moment)
    return f"{local.day} {local:%b %H:%M}" if lang == "en" else f"{local.month}月{local.day}日 {local:%H:%M}"


def clip(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        messages.append(Message(f"u:{user.id}", user.id, None, clip(title, TITLE_LIMIT), clip(body, BODY_LIMIT),
                                url, tag))
    return messages


def to_report(report_id: int, words: tuple[str, str], tag: str | None) -> Message:
    """A message to a citizen's devices that follow one report (no account, no screen to open)."""
    title, body = words
    return Message(f"r:{report_id}", None, report_id, title, clip(body, BODY_LIMIT), None, tag)
