"""The inspectors' board (every project in scope with what is overdue or open) and a project's timeline."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, or_, select

from jiandu.cases.models import OPEN_STATES, Case
from jiandu.cases.service import STATE_LABELS, visible_cases
from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, Project, User
from jiandu.org.scope import visible
from jiandu.projects import rules
from jiandu.projects.approvals import approval_view
from jiandu.projects.blockers import blocker_view, list_blockers
from jiandu.projects.categories import category_labels
from jiandu.projects.common import STAFF, fen_to_yuan, require_role
from jiandu.projects.invitations import is_contact
from jiandu.projects.milestones import milestone_view
from jiandu.projects.models import STAGE_LABELS, ApprovalItem, Blocker, Milestone, Payment
from jiandu.projects.payments import payment_view
from jiandu.projects.registry import get_project, point_of, project_view
from jiandu.projects.settings import settings
from jiandu.timeutil import iso_utc
from jiandu.workdays import Calendar


def board(user: User, *, jurisdiction_id: int | None = None, problems_only: bool = False, q: str | None = None,
          page: int = 1, per_page: int = 50) -> dict:
    """Every project in scope, with its open blockers, overdue approvals and overdue payments."""
    require_role(user, *STAFF)
    today = rules.local_today()
    approvals = (select(ApprovalItem.project_id, func.count().label("n"))
                 .where(ApprovalItem.done_on.is_(None), ApprovalItem.due_on < today)
                 .group_by(ApprovalItem.project_id).subquery())
    yellow = (select(ApprovalItem.project_id, func.count().label("n"))
              .where(ApprovalItem.done_on.is_(None), ApprovalItem.yellow_on <= today, ApprovalItem.due_on >= today)
              .group_by(ApprovalItem.project_id).subquery())
    payments = (select(Payment.project_id, func.count().label("n"), func.sum(Payment.amount_fen).label("fen"))
                .where(Payment.paid_on.is_(None), Payment.due_on < today)
                .group_by(Payment.project_id).subquery())
    blockers = (select(Blocker.project_id, func.count().label("n"))
                .join(Case, Case.id == Blocker.case_id).where(Case.state.in_(OPEN_STATES))
                .group_by(Blocker.project_id).subquery())
    n_appr, n_yel = func.coalesce(approvals.c.n, 0), func.coalesce(yellow.c.n, 0)
    n_pay, n_blk = func.coalesce(payments.c.n, 0), func.coalesce(blockers.c.n, 0)
    statement = (visible(user, select(Project, n_appr, n_yel, n_pay, n_blk, func.coalesce(payments.c.fen, 0)))
                 .outerjoin(approvals, approvals.c.project_id == Project.id)
                 .outerjoin(yellow, yellow.c.project_id == Project.id)
                 .outerjoin(payments, payments.c.project_id == Project.id)
                 .outerjoin(blockers, blockers.c.project_id == Project.id)
                 .where(Project.active.is_(True)))
    if jurisdiction_id is not None:
        path = db.session.scalar(select(Jurisdiction.path).where(Jurisdiction.id == jurisdiction_id)) or "-"
        statement = statement.where(Project.jurisdiction_id.in_(
            select(Jurisdiction.id).where(Jurisdiction.path.startswith(path))))
    if q:
        statement = statement.where(or_(Project.name.contains(q[:50]), Project.project_code.contains(q[:50]),
                                        Project.owner_enterprise.contains(q[:50])))
    if problems_only:
        statement = statement.where(or_(n_appr > 0, n_pay > 0, n_blk > 0))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = db.session.execute(statement.order_by((n_appr + n_pay + n_blk).desc(), n_yel.desc(), Project.id)
                              .limit(per_page).offset((page - 1) * per_page)).all()
    items = []
    for project, overdue_a, yellow_a, overdue_p, open_b, fen in rows:
        items.append({"id": project.id, "name": project.name, "project_code": project.project_code,
                      "owner_enterprise": project.owner_enterprise, "stage": project.stage,
                      "stage_label": STAGE_LABELS.get(project.stage),
                      "jurisdiction": project.jurisdiction.name if project.jurisdiction else None,
                      "liaison_name": project.liaison_name, "overdue_approvals": overdue_a,
                      "yellow_approvals": yellow_a, "overdue_payments": overdue_p,
                      "overdue_amount": fen_to_yuan(fen or 0), "open_blockers": open_b})
    return {"items": items, "total": total, "page": page, "per_page": per_page, "today": today.isoformat()}


# Other capabilities' entries on a project's page for staff, by name (fieldwork: "visits"), added from
# their setup: projects does not know them. Each is `entries(user, project_id) -> [{id, at, kind, state}]`.
TIMELINE_SOURCES: dict[str, Callable[[User, int], list[dict]]] = {}


def add_to_timeline(name: str, entries: Callable[[User, int], list[dict]]) -> None:
    TIMELINE_SOURCES[name] = entries


def timeline(user: User, project_id: int) -> dict:
    """A project's page: the registry, approvals with colours, payments, milestones, blockers and, for
    staff, the cases and visits — each list, and one time-ordered stream of everything."""
    project = get_project(user, project_id)
    staff = user.role in STAFF
    today = rules.local_today()
    calendar = Calendar.load()
    s = settings()
    approvals = [approval_view(i, today, calendar, s["approval_yellow_percent"]) for i in db.session.scalars(
        visible(user, ApprovalItem).where(ApprovalItem.project_id == project.id)
        .order_by(ApprovalItem.submitted_on, ApprovalItem.id))]
    payments = [payment_view(p, today, s["payment_warn_days"]) for p in db.session.scalars(
        visible(user, Payment).where(Payment.project_id == project.id).order_by(Payment.due_on, Payment.id))]
    milestones = [milestone_view(m, today) for m in db.session.scalars(
        visible(user, Milestone).where(Milestone.project_id == project.id)
        .order_by(Milestone.planned_on, Milestone.id))]
    labels = category_labels()
    blockers = [blocker_view(b, user, labels) for b in db.session.scalars(list_blockers(user, project.id))]
    cases, visits = [], []
    if staff:
        point = point_of(project.id)
        lead_ids = select(ApprovalItem.lead_case_id).where(ApprovalItem.project_id == project.id).union(
            select(Payment.lead_case_id).where(Payment.project_id == project.id))
        conditions = [Case.project_id == project.id, Case.id.in_(lead_ids)]
        if point is not None:
            conditions.append(Case.point_id == point.id)
        for c in db.session.scalars(visible_cases(user).where(or_(*conditions)).order_by(Case.id)):
            cases.append({"id": c.id, "number": c.number, "state": c.state,
                          "state_label": STATE_LABELS.get(c.state), "case_type": c.case_type,
                          "category": c.category, "summary": c.summary, "warning": c.warning,
                          "created_at": iso_utc(c.created_at)})
        visits = TIMELINE_SOURCES["visits"](user, project.id) if "visits" in TIMELINE_SOURCES else []
    stream = []
    for a in approvals:
        stream.append({"on": a["submitted_on"], "kind": "approval_submitted", "id": a["id"], "title": a["name"],
                       "colour": a["colour"]})
        if a["done_on"]:
            stream.append({"on": a["done_on"], "kind": "approval_done", "id": a["id"], "title": a["name"],
                           "colour": a["colour"]})
    for p in payments:
        stream.append({"on": p["due_on"], "kind": "payment_due", "id": p["id"], "title": p["contract_name"],
                       "colour": p["colour"]})
        if p["paid_on"]:
            stream.append({"on": p["paid_on"], "kind": "payment_paid", "id": p["id"], "title": p["contract_name"],
                           "colour": p["colour"]})
    for m in milestones:
        if m["done_on"] or m["planned_on"]:
            stream.append({"on": m["done_on"] or m["planned_on"], "kind": "milestone", "id": m["id"],
                           "title": m["name"], "colour": "red" if m["late"] else "green"})
    for b in blockers:
        stream.append({"on": (b["created_at"] or "")[:10], "kind": "blocker", "id": b["id"],
                       "title": b["category_label"], "colour": "yellow" if b["open"] else "green"})
    for c in cases:
        stream.append({"on": (c["created_at"] or "")[:10], "kind": "case", "id": c["id"], "title": c["summary"],
                       "colour": c["warning"] if c["warning"] != "none" else "green"})
    for v in visits:
        stream.append({"on": (v["at"] or "")[:10], "kind": "visit", "id": v["id"], "title": "走访",
                       "colour": "green"})
    stream.sort(key=lambda e: (e["on"] or "", e["kind"]))
    return {"project": project_view(project, user), "today": today.isoformat(), "approvals": approvals,
            "payments": payments, "milestones": milestones, "blockers": blockers, "cases": cases,
            "visits": visits, "stream": stream,
            "can_edit": staff, "can_invite": staff or (user.role == "enterprise" and is_contact(user))}
