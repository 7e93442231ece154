"""The ledger (台账): the filtered, sorted, counted list of cases a user may see; and its Excel export."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from jiandu.cases.labels import category_labels
from jiandu.cases.models import FINAL_STATES, OPEN_STATES, Case
from jiandu.cases.moves import CASE_TYPE_LABELS, STATE_LABELS
from jiandu.cases.visibility import visible_cases
from jiandu.errors import Invalid
from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, Point, Unit, User
from jiandu.org.scope import get_visible
from jiandu.spreadsheet import LedgerSheet
from jiandu.timeutil import LOCAL, iso_utc, utcnow

SORTS = {
    "created_at": Case.created_at, "due_at": Case.due_at, "updated_at": Case.updated_at, "number": Case.id,
    "id": Case.id,
}
SEVERITY_LABELS = {"normal": "一般", "serious": "较重", "grave": "严重"}
WARNING_LABELS = {"none": "", "yellow": "黄色预警", "red": "红色预警"}
CHANNEL_LABELS = {
    "window_code": "窗口码", "hall_code": "大厅码", "website": "网站", "project_app": "项目码",
    "hotline_12345": "12345热线", "field_visit": "走访", "checklist": "清单监督", "risk_model": "风险模型",
    "other": "其他",
}
EXPORT_LIMIT = 100_000


def _local_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL).astimezone(timezone.utc).replace(tzinfo=None)


def filtered(user: User, args: dict, *, with_state: bool = True):
    """The ledger's SELECT for these filters (and the user's scope)."""
    stmt = visible_cases(user)
    conditions = []
    if args.get("jurisdiction"):
        # The place's subtree as a list of ids, not a subquery: with the ids in hand SQLite walks
        # ix_cases_ledger (place, category, date) in date order and reads the page off the index.
        place = get_visible(user, Jurisdiction, args["jurisdiction"], "辖区")
        conditions.append(Case.jurisdiction_id.in_(db.session.scalars(
            select(Jurisdiction.id).where(Jurisdiction.path.startswith(place.path))).all()))
    if with_state and args.get("state"):
        conditions.append(Case.state.in_(args["state"]))
    for name, column in (("warning", Case.warning), ("category", Case.category), ("channel", Case.channel),
                         ("case_type", Case.case_type), ("point", Case.point_id),
                         ("department", Case.department_id)):
        value = args.get(name)
        if value not in (None, "", []):
            conditions.append(column.in_(value) if isinstance(value, list) else column == value)
    if args.get("hall"):
        conditions.append(Case.point_id.in_(select(Point.id).where(Point.hall_id == args["hall"])))
    if args.get("date_from"):
        conditions.append(Case.created_at >= _local_day_start(args["date_from"]))
    if args.get("date_to"):
        conditions.append(Case.created_at < _local_day_start(args["date_to"] + timedelta(days=1)))
    if args.get("overdue") is True:
        conditions.append(and_(Case.due_at < utcnow(), Case.state.in_(OPEN_STATES)))
    elif args.get("overdue") is False:
        conditions.append(~and_(Case.due_at.is_not(None), Case.due_at < utcnow()))
    if args.get("open") is True:
        conditions.append(Case.state.in_(OPEN_STATES))
    if args.get("q"):
        text = args["q"].strip()
        conditions.append(Case.number == text.upper() if text.upper().startswith("JD") else Case.summary.contains(text))
    return stmt.where(*conditions) if conditions else stmt


def ordered(stmt, sort: str | None):
    sort = sort or "-created_at"
    descending = sort.startswith("-")
    column = SORTS.get(sort.lstrip("-"))
    if column is None:
        raise Invalid({"sort": "未知的排序字段"})
    if descending:
        return stmt.order_by(column.desc(), Case.id.desc())
    return stmt.order_by(column.asc(), Case.id.asc())


def state_counts(unstated) -> dict[str, int]:
    """Per-state counts of `unstated`, the ledger's SELECT under every filter but the state (its tabs)."""
    stmt = unstated.order_by(None).with_only_columns(Case.state, func.count()).group_by(Case.state)
    return {state: n for state, n in db.session.execute(stmt).all()}


def page(user: User, args: dict) -> dict:
    page_no, per_page = args.get("page", 1), args.get("per_page", 50)
    unstated = filtered(user, args, with_state=False)
    counts = state_counts(unstated)
    states = args.get("state")
    total = sum(n for s, n in counts.items() if not states or s in states)
    # A deferred join: sort and cut the page on ids (from the index), then read just those rows.
    listed = unstated.where(Case.state.in_(states)) if states else unstated
    ids = ordered(listed, args.get("sort")).with_only_columns(Case.id)
    ids = ids.limit(per_page).offset((page_no - 1) * per_page)
    wanted = db.session.scalars(ids).all()
    by_id = {case.id: case for case in db.session.scalars(select(Case).where(Case.id.in_(wanted)))} if wanted else {}
    cases = [by_id[i] for i in wanted]
    names = _names(cases)
    now = utcnow()
    return {"items": [item(case, now, names) for case in cases], "total": total, "page": page_no,
            "per_page": per_page, "counts": counts}


def _names(cases) -> dict:
    """{(kind, id): name} for the page's jurisdictions, departments and points: three small queries."""
    names = {}
    for kind, model, attribute in (("jurisdiction", Jurisdiction, "jurisdiction_id"),
                                   ("department", Unit, "department_id"), ("point", Point, "point_id")):
        ids = {getattr(c, attribute) for c in cases} - {None}
        if ids:
            for rid, name in db.session.execute(select(model.id, model.name).where(model.id.in_(ids))):
                names[(kind, rid)] = name
    return names


def _ref(record):
    return None if record is None else {"id": record.id, "name": record.name}


def item(case: Case, now: datetime | None = None, names: dict | None = None) -> dict:
    now = now or utcnow()
    if names is None:
        ref = lambda kind, record_id: _ref(getattr(case, kind))  # noqa: E731
    else:
        ref = lambda kind, record_id: (  # noqa: E731
            None if record_id is None else {"id": record_id, "name": names.get((kind, record_id))})
    return {
        "id": case.id, "number": case.number, "state": case.state, "state_label": STATE_LABELS.get(case.state),
        "case_type": case.case_type, "category": case.category, "severity": case.severity, "channel": case.channel,
        "summary": case.summary, "jurisdiction": ref("jurisdiction", case.jurisdiction_id),
        "department": ref("department", case.department_id), "point": ref("point", case.point_id),
        "project_id": case.project_id, "due_at": iso_utc(case.due_at),
        "deadline_kind": case.deadline_kind, "due_provisional": bool(case.due_provisional),
        "warning": case.warning, "escalation_level": case.escalation_level or 0,
        "overdue": bool(case.due_at and case.due_at < now and case.state not in FINAL_STATES),
        "returns_count": case.returns_count or 0, "reopen_count": case.reopen_count or 0,
        "created_at": iso_utc(case.created_at), "updated_at": iso_utc(case.updated_at),
        "closed_at": iso_utc(case.closed_at), "version": case.version,
    }


HEADERS = ["案件编号", "状态", "类型", "类别", "严重程度", "渠道", "诉求摘要", "辖区", "承办单位", "点位", "受理时间",
           "办理期限", "预警", "督办级别", "退回次数", "重办次数", "办结时间"]


def export_xlsx(user: User, args: dict) -> bytes:
    """The filtered ledger as .xlsx: Chinese headers, times in Asia/Shanghai."""
    sheet = LedgerSheet("案件台账", HEADERS, (16, 10, 10, 12, 8, 10, 40, 12, 22, 22, 18, 18, 10, 8, 8, 8, 18))
    labels = category_labels()
    stmt = ordered(filtered(user, args), args.get("sort")).limit(EXPORT_LIMIT)
    stmt = stmt.options(selectinload(Case.jurisdiction), selectinload(Case.department), selectinload(Case.point))
    rows = db.session.scalars(stmt)
    for case in rows.yield_per(1000) if db.engine.dialect.name != "sqlite" else rows:
        sheet.append([
            case.number, STATE_LABELS.get(case.state, case.state), CASE_TYPE_LABELS.get(case.case_type, ""),
            labels.get(case.category, case.category or ""), SEVERITY_LABELS.get(case.severity, case.severity or ""),
            CHANNEL_LABELS.get(case.channel, case.channel),
            case.summary, case.jurisdiction.name if case.jurisdiction else "",
            case.department.name if case.department else "", case.point.name if case.point else "",
            sheet.time(case.created_at), sheet.time(case.due_at),
            WARNING_LABELS.get(case.warning, ""), case.escalation_level or 0, case.returns_count or 0,
            case.reopen_count or 0, sheet.time(case.closed_at),
        ])
    return sheet.bytes()
