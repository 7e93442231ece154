"""What major projects tell, and to whom: a blocker's progress to the enterprise that reported it, new
blockers, approvals about to time out and payments overdue to the departments and inspectors
(registered with notify, and the blocker's hearing of its case's moves with cases, in `setup`)."""
from __future__ import annotations

from sqlalchemy import select

from jiandu.cases.notices import case_of, case_url, inspectors_for_case
from jiandu.cases.public_states import public_state
from jiandu.extensions import db
from jiandu.notify import rules
from jiandu.notify.recipients import active_users, enterprise_users, handlers_of, inspectors_for
from jiandu.notify.service import emit
from jiandu.notify.words import clip, to_users
from jiandu.org.models import Project
from jiandu.projects.blockers import blocker_recipients
from jiandu.projects.models import ApprovalItem, Blocker, Payment

# --- a blocker's case moved ------------------------------------------------------------------------------


def blocker_moved(case, event, actor=None) -> list:
    """A move of a blocker's case that the enterprise can see (it has a public note): blocker.updated."""
    if not event.public_note or case.channel != "project_app" or event.action == "receive":
        return []
    blocker_id = db.session.scalar(select(Blocker.id).where(Blocker.case_id == case.id).limit(1))
    if blocker_id is None:
        return []
    return [emit("blocker.updated", {
        "case_id": case.id, "number": case.number, "blocker_id": blocker_id, "project_id": case.project_id,
        "jurisdiction_id": case.jurisdiction_id, "state": event.to_state, "public_note": event.public_note,
        "actor_id": actor.id if actor is not None else None})]


# --- the rules ----------------------------------------------------------------------------------

RULES: dict[str, rules.Rule] = {}
rule = rules.collect(RULES)


def _project_name(project_id, lang: str = "zh") -> str:
    project = db.session.get(Project, int(project_id)) if project_id else None
    return project.name if project is not None else ("The project" if lang == "en" else "项目")


def _blocker_reporters(case_id, project_id) -> list:
    """The enterprise user who reported the blocker, else the project's enterprise users."""
    ids = blocker_recipients(int(case_id)) if case_id else []
    return active_users(ids) if ids else enterprise_users(project_id)


@rule("blocker.updated", "blocker")
def _blocker_updated(p):
    """A move of a blocker's case that the enterprise can see: to the enterprise user who reported it."""
    note = clip(p.get("public_note"), 120)

    def words(lang):
        project, label = _project_name(p.get("project_id"), lang), public_state(p.get("state"), lang)
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
    case = case_of(p)
    if case is None:
        return []
    summary = clip(case.summary, 80)

    def words(lang):
        project = _project_name(p.get("project_id"), lang)
        if lang == "en":
            return "New project blocker", f"{project}: {summary}"
        return "新的项目堵点", f"{project}：{summary}"

    url = f"/#/blockers/{int(p['blocker_id'])}" if p.get("blocker_id") else case_url(case.id)
    return to_users(inspectors_for_case(case), words, url, f"blocker-{p.get('blocker_id')}")


_ITEM_WORDS = {
    ("approval", "yellow"): {"zh": "审批事项即将超时", "en": "Approval about to time out"},
    ("approval", "red"): {"zh": "审批事项已超时", "en": "Approval timed out"},
    ("payment", "yellow"): {"zh": "应付账款即将逾期", "en": "Payment almost overdue"},
    ("payment", "red"): {"zh": "应付账款已逾期未付", "en": "Payment overdue"},
}


def _project_item(kind: str, level: str):
    model = ApprovalItem if kind == "approval" else Payment

    def build(p):
        item = db.session.get(model, int(p["item_id"])) if p.get("item_id") else None
        project = db.session.get(Project, int(p["project_id"])) if p.get("project_id") else None
        if item is None or project is None:
            return []
        department = getattr(item, "department_id" if kind == "approval" else "payer_unit_id", None)
        what, due_on = clip(p.get("title"), 60), p.get("due_on") or "—"

        def words(lang):
            title = _ITEM_WORDS[(kind, level)][lang]
            return title, (f"{project.name}: {what} (due {due_on})" if lang == "en"
                           else f"{project.name}：{what}（期限 {due_on}）")

        return to_users(handlers_of(department) + inspectors_for(model, item), words,
                        f"/#/projects/{project.id}", f"project-{project.id}-{kind}-{item.id}")
    return build


for (_kind, _level) in _ITEM_WORDS:
    rule(f"project.{_kind}.{_level}", "project_alerts")(_project_item(_kind, _level))
