"""Recipients by organisation: a department's handlers, an enterprise's users, the inspectors whose
scope can hold a place's records. Organisation is the core, so notify may read users and units; who
may read a domain's record is that domain's to decide (its rules filter these candidates).

While a batch of events is fanned out, what several events ask for is looked up once (`remembering`).
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import and_, or_, select

from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, User, group_departments
from jiandu.org.scope import is_visible

_memo: ContextVar[dict | None] = ContextVar("jiandu_notify_memo", default=None)


@contextmanager
def remembering():
    """Within: `memoised` answers are kept (for one batch of events)."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memoised(key, compute):
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _active(statement):
    return statement.where(User.active.is_(True))


def prefetch_handlers(payloads: list[dict]) -> None:
    """The handlers of every department the payloads name, in one query per thousand departments."""
    memo = _memo.get()
    if memo is None:
        return
    departments = sorted({int(d) for p in payloads
                          for d in [p.get("department_id"), *(p.get("co_department_ids") or [])]
                          if str(d or "").isdigit()})
    for start in range(0, len(departments), 1000):
        chunk = departments[start:start + 1000]
        found = {d: [] for d in chunk}
        for user in db.session.scalars(_active(select(User).where(User.role == "handler", User.unit_id.in_(chunk)))
                                       .order_by(User.id)):
            found[user.unit_id].append(user)
        memo.update({("handlers", (d,)): users for d, users in found.items()})


def handlers_of(*department_ids) -> list[User]:
    ids = tuple(sorted({int(i) for i in department_ids if i}))
    if not ids:
        return []
    memo = _memo.get() or {}
    if len(ids) > 1 and all(("handlers", (i,)) in memo for i in ids):
        return sorted((u for i in ids for u in memo[("handlers", (i,))]), key=lambda u: u.id)
    return memoised(("handlers", ids), lambda: list(db.session.scalars(
        _active(select(User).where(User.role == "handler", User.unit_id.in_(ids))).order_by(User.id))))


def enterprise_users(project_id) -> list[User]:
    if not project_id:
        return []
    return list(db.session.scalars(_active(select(User).where(User.role == "enterprise",
                                                              User.project_id == int(project_id)))
                                   .order_by(User.id)))


def active_users(user_ids) -> list[User]:
    return list(db.session.scalars(_active(select(User).where(User.id.in_(list(user_ids)))).order_by(User.id)))


def active_user(user_id) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id else None
    return user if user is not None and user.active else None


def _jurisdiction_chain(jurisdiction_id: int | None) -> list[int]:
    if jurisdiction_id is None:
        return []
    path = db.session.scalar(select(Jurisdiction.path).where(Jurisdiction.id == jurisdiction_id)) or ""
    return [int(part) for part in path.strip("/").split("/") if part] or [jurisdiction_id]


def inspector_candidates(jurisdiction_id: int | None, department_id: int | None) -> list[User]:
    """Commission inspectors of the jurisdiction or above it, and inspectors of the dispatched groups
    that supervise the department: the only ones whose scope can hold the record."""
    return memoised(("inspectors", jurisdiction_id, department_id),
                    lambda: _find_inspector_candidates(jurisdiction_id, department_id))


def _find_inspector_candidates(jurisdiction_id: int | None, department_id: int | None) -> list[User]:
    chain = _jurisdiction_chain(jurisdiction_id)
    conditions = [and_(User.unit_id.is_(None), User.jurisdiction_id.in_(chain))] if chain else []
    if department_id:
        groups = select(group_departments.c.group_id).where(group_departments.c.department_id == department_id)
        conditions.append(User.unit_id.in_(groups))
    if not conditions:
        return []
    return list(db.session.scalars(_active(select(User).where(User.role == "inspector", or_(*conditions)))
                                   .order_by(User.id)))


def inspectors_for(model, record) -> list[User]:
    """Inspectors who can see `record` (a scoped model with jurisdiction and department/unit columns)."""
    columns = getattr(model, "__scope_columns__", {})
    jurisdiction_id = getattr(record, columns.get("jurisdiction", "jurisdiction_id"), None)
    department_id = getattr(record, columns.get("department", columns.get("unit", "department_id")), None)
    return [u for u in inspector_candidates(jurisdiction_id, department_id) if is_visible(u, model, record.id)]
