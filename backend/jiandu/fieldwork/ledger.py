"""The checklist ledger (清单台账): every task a user may see, its state, answers and warnings; Excel export.

Warnings follow the cases' rule (jiandu.workdays.deadline: yellow at two thirds of the working time,
red when overdue), computed at read time from the task's warn_at and due_at.
"""
from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from jiandu.extensions import db
from jiandu.fieldwork import service
from jiandu.fieldwork.models import Answer, AnswerSet, ChecklistTask, ChecklistTemplate
from jiandu.fieldwork.views import task_view
from jiandu.org.models import User
from jiandu.org.scope import visible
from jiandu.spreadsheet import LedgerSheet
from jiandu.timeutil import utcnow

STATE_LABELS = {"issued": "待自查", "answered": "已自查", "spot_checked": "已抽查"}
WARNING_LABELS = {"none": "", "yellow": "黄色预警", "red": "红色预警（超期）"}
EXPORT_LIMIT = 50_000


def filtered(user: User, args: dict, now=None):
    now = now or utcnow()
    stmt = visible(user, ChecklistTask)
    if args.get("template_code"):
        stmt = stmt.where(ChecklistTask.template_id.in_(
            select(ChecklistTemplate.id).where(ChecklistTemplate.code == args["template_code"])))
    if args.get("template_id"):
        stmt = stmt.where(ChecklistTask.template_id == args["template_id"])
    if args.get("batch"):
        stmt = stmt.where(ChecklistTask.batch == args["batch"])
    if args.get("state"):
        stmt = stmt.where(ChecklistTask.state == args["state"])
    warning = args.get("warning")
    if warning == "red" or args.get("overdue"):
        stmt = stmt.where(ChecklistTask.state == "issued", ChecklistTask.due_at <= now)
    elif warning == "yellow":
        stmt = stmt.where(ChecklistTask.state == "issued", ChecklistTask.warn_at <= now, ChecklistTask.due_at > now)
    elif warning == "none":
        stmt = stmt.where(or_(ChecklistTask.state != "issued", ChecklistTask.warn_at > now))
    return stmt


def counts(user: User, args: dict, now=None) -> dict:
    now = now or utcnow()
    base = filtered(user, {**args, "state": None, "warning": None, "overdue": None}, now).subquery()
    by_state = dict(db.session.execute(select(base.c.state, func.count()).group_by(base.c.state)).all())
    overdue = db.session.scalar(select(func.count()).select_from(base).where(
        and_(base.c.state == "issued", base.c.due_at <= now)))
    yellow = db.session.scalar(select(func.count()).select_from(base).where(
        and_(base.c.state == "issued", base.c.warn_at <= now, base.c.due_at > now)))
    return {**{s: by_state.get(s, 0) for s in STATE_LABELS}, "red": overdue, "yellow": yellow}


def page(user: User, args: dict) -> dict:
    now = utcnow()
    page_no, per_page = args.get("page", 1), args.get("per_page", 50)
    stmt = filtered(user, args, now)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.options(selectinload(ChecklistTask.unit), selectinload(ChecklistTask.point))
                              .order_by(ChecklistTask.due_at, ChecklistTask.id)
                              .limit(per_page).offset((page_no - 1) * per_page)).all()
    answers = _answer_counts([t.id for t in rows])
    items = []
    for task in rows:
        view = task_view(task, now)
        view["answer_sets"] = answers.get(task.id, 0)
        items.append(view)
    return {"items": items, "total": total, "page": page_no, "per_page": per_page, "counts": counts(user, args, now)}


def _answer_counts(task_ids: list[int]) -> dict[int, int]:
    if not task_ids:
        return {}
    return dict(db.session.execute(select(AnswerSet.task_id, func.count()).where(AnswerSet.task_id.in_(task_ids))
                                   .group_by(AnswerSet.task_id)).all())


def task_detail(user: User, task_id: int) -> dict:
    task = service.get_task(user, task_id)
    view = task_view(task)
    view["template"] = service.template_view(task.template)
    view["answer_sets"] = [service.answer_view(a) for a in db.session.scalars(
        select(AnswerSet).where(AnswerSet.task_id == task.id).order_by(AnswerSet.id))]
    return view


HEADERS = ["任务编号", "清单", "版本", "下发对象", "状态", "下发时间", "期限", "预警", "自查时间", "抽查时间",
           "答卷数", "否定项数"]


def export_xlsx(user: User, args: dict) -> bytes:
    now = utcnow()
    sheet = LedgerSheet("清单台账", HEADERS, (10, 30, 6, 28, 10, 18, 18, 16, 18, 18, 8, 8))
    stmt = filtered(user, args, now).options(selectinload(ChecklistTask.unit), selectinload(ChecklistTask.point),
                                             selectinload(ChecklistTask.template))
    tasks = db.session.scalars(stmt.order_by(ChecklistTask.due_at, ChecklistTask.id).limit(EXPORT_LIMIT)).all()
    ids = [t.id for t in tasks]
    answer_sets = _answer_counts(ids)
    negatives = dict(db.session.execute(
        select(AnswerSet.task_id, func.count()).join(Answer, Answer.answer_set_id == AnswerSet.id)
        .where(AnswerSet.task_id.in_(ids), Answer.negative).group_by(AnswerSet.task_id)).all()) if ids else {}
    for task in tasks:
        target = task.unit.name if task.unit else (task.point.name if task.point else "")
        sheet.append([
            task.id, task.template.title, task.template.version, target, STATE_LABELS.get(task.state, task.state),
            sheet.time(task.issued_at), sheet.time(task.due_at), WARNING_LABELS[service.task_warning(task, now)],
            sheet.time(task.answered_at), sheet.time(task.spot_checked_at),
            answer_sets.get(task.id, 0), negatives.get(task.id, 0),
        ])
    return sheet.bytes()
