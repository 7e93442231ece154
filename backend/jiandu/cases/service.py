"""The rules of the closed loop 受理 → 建账 → 转办 → 签收 → 反馈 → 核查 → 回访 → 办结, as one table.

Every move is an entry of MOVES: the states it may start from, who may make it, the state it leads
to (None: the case stays where it is, e.g. 催办), and the fields it requires. `act()` checks
all of that, and the case's version, before it changes anything; then it appends an event.
The state kept on the case is always the fold of its events (`derive_state`).

Who: "inspector" = the commission's staff (role inspector or admin, including dispatched-group
inspectors, always inside their scope); "handler" = a department handler of the case's department.
The reporter acts only through `reporter_return_visit()` (the tracking page).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, set_committed_value
from sqlalchemy.orm.util import identity_key

from jiandu.cases.models import FINAL_STATES, Case, CaseEvent, DeadlineRule
from jiandu.errors import ApiError, Conflict, Invalid
from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, Unit, User
from jiandu.org.scope import get_visible, visible
from jiandu.timeutil import iso_utc, utcnow
from jiandu.workdays import Calendar, deadline

# --- deadline rules -------------------------------------------------------------------------

DEFAULT_RULES = {
    # kind: (amount, unit, basis)
    "sign_for": (1, "workday", "assignment"),
    "service_request": (5, "workday", "assignment"),
    "work_style": (15, "workday", "assignment"),
    "bad_rating": (15, "workday", "assignment"),
    "return_visit": (3, "workday", "answer"),
    "recommendation_reply": (30, "day", "issue"),
}
ESCALATE_AFTER_WORKDAYS = 3  # 督办 automatically after this many working days overdue
SATISFIED_LEVELS = (5, 4)    # 非常满意, 满意; 基本满意 (3) counts when the setting says so
SATISFACTION_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
MAX_EXTENSION_WORKDAYS = 30


@dataclass(frozen=True)
class Rule:
    kind: str
    amount: int
    unit: str
    basis: str
    jurisdiction_id: int | None = None  # None: the built-in default


def rule_for(kind: str, jurisdiction_id: int | None) -> Rule:
    """The rule of the nearest jurisdiction up the tree that has one; else the default."""
    if jurisdiction_id is not None:
        path = db.session.scalar(select(Jurisdiction.path).where(Jurisdiction.id == jurisdiction_id)) or ""
        ids = [int(part) for part in path.strip("/").split("/") if part]
        if ids:
            rows = {r.jurisdiction_id: r for r in db.session.scalars(
                select(DeadlineRule).where(DeadlineRule.kind == kind, DeadlineRule.jurisdiction_id.in_(ids)))}
            for jid in reversed(ids):
                if jid in rows:
                    r = rows[jid]
                    return Rule(kind, r.amount, r.unit, r.basis, jid)
    amount, unit, basis = DEFAULT_RULES[kind]
    return Rule(kind, amount, unit, basis)


def rules_for(jurisdiction_id: int) -> list[Rule]:
    return [rule_for(kind, jurisdiction_id) for kind in DEFAULT_RULES]


def set_rule(actor: User, jurisdiction_id: int, kind: str, amount: int, unit: str, basis: str) -> DeadlineRule:
    _require(actor.role == "admin", "只有管理员可以修改办理时限")
    get_visible(actor, Jurisdiction, jurisdiction_id, "辖区")
    errors = {}
    if kind not in DEFAULT_RULES:
        errors["kind"] = "未知的时限类型"
    if unit not in ("workday", "day", "hour"):
        errors["unit"] = "单位须为工作日、自然日或小时"
    if basis not in ("receipt", "assignment", "answer", "issue"):
        errors["basis"] = "起算点须为受理、转办、反馈或印发"
    if not isinstance(amount, int) or not 0 < amount <= 1000:
        errors["amount"] = "时限须为 1 到 1000 之间的整数"
    if errors:
        raise Invalid(errors)
    row = db.session.scalar(select(DeadlineRule).where(DeadlineRule.jurisdiction_id == jurisdiction_id,
                                                       DeadlineRule.kind == kind))
    if row is None:
        row = DeadlineRule(jurisdiction_id=jurisdiction_id, kind=kind)
        db.session.add(row)
    row.amount, row.unit, row.basis, row.updated_by = amount, unit, basis, actor.id
    from jiandu import audit

    audit.record(actor.id, "deadline_rule_set", row, kind=kind, amount=amount, unit=unit, basis=basis)
    return row


def handling_kind(case: Case) -> str:
    if case.category == "bad_rating":
        return "bad_rating"
    if case.case_type == "work_style":
        return "work_style"
    return "service_request"


def _basis_time(case: Case, basis: str, now: datetime) -> datetime:
    if basis == "receipt":
        return case.created_at
    if basis == "answer":
        return case.answered_at or now
    return case.assigned_at or now


def _set_deadline(case: Case, kind: str | None, due_at: datetime | None = None, warn_at=None,
                  provisional: bool = False, seq: int | None = None) -> None:
    case.deadline_kind, case.due_at, case.warn_at, case.due_provisional = kind, due_at, warn_at, provisional
    case.deadline_seq = seq
    case.warning = "none"


def _apply_rule(case: Case, kind: str, now: datetime, calendar: Calendar, seq: int):
    rule = rule_for(kind, case.jurisdiction_id)
    d = deadline(_basis_time(case, rule.basis, now), rule.amount, rule.unit, calendar)
    _set_deadline(case, kind, d.due_at, d.warn_at, d.provisional, seq)
    return d


# --- the table of moves ------------------------------------------------------------------------

INSPECTOR, HANDLER = "inspector", "handler"


@dataclass(frozen=True)
class Move:
    name: str
    label: str
    sources: tuple[str, ...]
    roles: tuple[str, ...]
    target: str | None  # None: the case stays in its state
    required: tuple[str, ...] = ()


MOVES: dict[str, Move] = {m.name: m for m in (
    Move("register", "建账", ("received",), (INSPECTOR,), "registered", ("case_type", "category")),
    Move("not_accept", "不予受理", ("received", "registered"), (INSPECTOR,), "not_accepted", ("reason",)),
    Move("merge", "并案", ("received", "registered"), (INSPECTOR,), "merged", ("into_case_id",)),
    Move("hand_over", "移交问题线索", ("registered",), (INSPECTOR,), "handed_over", ("office",)),
    Move("send_up", "报送上级", ("received", "registered"), (INSPECTOR,), "sent_up", ("reason",)),
    Move("assign", "转办", ("registered",), (INSPECTOR,), "assigned", ("department_id",)),
    Move("sign", "签收", ("assigned",), (HANDLER,), "signed"),
    Move("return", "退回", ("assigned", "signed"), (HANDLER,), "registered", ("reason",)),
    Move("request_extension", "申请延期", ("signed",), (HANDLER,), None, ("days", "reason")),
    Move("decide_extension", "审批延期", ("signed",), (INSPECTOR,), None, ("approve",)),
    Move("answer", "反馈", ("signed",), (HANDLER,), "answered", ("result",)),
    Move("verify", "核查通过", ("answered",), (INSPECTOR,), "verified"),
    Move("send_back", "核查退回", ("answered",), (INSPECTOR,), "signed", ("reason",)),
    Move("urge", "催办", ("assigned", "signed"), (INSPECTOR,), None),
    Move("escalate", "督办", ("assigned", "signed", "parked"), (INSPECTOR,), None, ("level",)),
    Move("park", "挂账", ("signed",), (INSPECTOR,), "parked", ("reason",)),
    Move("review_parked", "挂账复查", ("parked",), (INSPECTOR,), None, ("note",)),
    Move("unpark", "解除挂账", ("parked",), (INSPECTOR,), "signed"),
    Move("return_visit", "回访", ("verified",), (INSPECTOR,), "revisited", ("resolved", "satisfaction")),
    Move("close", "办结销号", ("revisited", "verified"), (INSPECTOR,), "closed"),
    Move("reopen", "重办", ("revisited",), (INSPECTOR,), "assigned", ("reason",)),
)}
INITIAL = Move("receive", "受理", (), (), "received")
ACTION_LABELS = {"receive": "受理", **{m.name: m.label for m in MOVES.values()}}
STATE_LABELS = {
    "received": "已受理", "registered": "已建账", "assigned": "已转办", "signed": "已签收", "answered": "已反馈",
    "verified": "已核查", "revisited": "已回访", "closed": "已办结", "not_accepted": "不予受理",
    "merged": "已并案", "handed_over": "已移交", "parked": "挂账", "sent_up": "已报送上级",
}
CASE_TYPE_LABELS = {"service_request": "服务诉求", "work_style": "作风效能", "lead": "问题线索"}


class InconsistentEvents(ValueError):
    pass


def derive_state(events) -> str | None:
    """The state a sequence of events leads to, checking every step against the table."""
    state = None
    for index, event in enumerate(events):
        if index == 0:
            if event.action != "receive" or event.to_state != "received":
                raise InconsistentEvents("the first event must be receive → received")
            state = "received"
            continue
        move = MOVES.get(event.action)
        if move is None:
            raise InconsistentEvents(f"unknown action {event.action}")
        if event.from_state != state or state not in move.sources:
            raise InconsistentEvents(f"{event.action} from {event.from_state} while the case was {state}")
        expected = move.target or state
        if move.name == "close" and event.to_state == "closed":
            expected = "closed"
        if event.to_state != expected:
            raise InconsistentEvents(f"{event.action} leads to {expected}, not {event.to_state}")
        state = event.to_state
    return state


# --- events ------------------------------------------------------------------------------------

def _number(case: Case) -> str:
    return f"JD{case.created_at:%Y}{case.id:07d}"


def _json_value(value) -> str:
    """A value of an event's data that JSON has no type for: a moment as RFC 3339 with its Z (a bare
    "2027-01-05 15:59:59" would be read as local time), anything else as its text."""
    if isinstance(value, datetime):
        return iso_utc(value)
    return value.isoformat() if isinstance(value, date) else str(value)


def append_event(case: Case, action: str, to_state: str, *, actor_id=None, actor_kind="user", note=None,
                 public_note=None, data: dict | None = None) -> CaseEvent:
    seq = len(case.events) + 1
    event = CaseEvent(case_id=case.id, seq=seq, action=action, from_state=case.state if seq > 1 else None,
                      to_state=to_state, actor_id=actor_id, actor_kind=actor_kind, note=note,
                      public_note=public_note, at=utcnow(),
                      data=json.dumps(data, ensure_ascii=False, default=_json_value) if data else None)
    case.events.append(event)
    case.state = to_state
    case.updated_at = event.at  # every move is an UPDATE of the case, so its version moves too
    return event


_OPEN_STATEMENTS: dict[str, tuple] = {}
_CASE_COLUMNS: list = []  # (attribute, column) of every column of a case


def _open_statements(dialect: str) -> tuple:
    """The INSERTs of `insert_case`, built once per dialect. On SQLite the case takes its id and its
    number in its own INSERT, both from one `max(id) + 1` evaluated by that statement (which runs
    under the write lock), so they always agree and no UPDATE follows. Elsewhere a sequence hands out
    the id and the number is set right after."""
    if dialect not in _OPEN_STATEMENTS:
        table = Case.__table__
        statement = insert(table)
        if dialect == "sqlite":
            next_id = select(func.coalesce(func.max(table.c.id), 0) + 1).scalar_subquery()
            statement = statement.values(id=next_id, number=bindparam("number_prefix", type_=table.c.number.type)
                                         + func.printf("%07d", next_id))
        _OPEN_STATEMENTS[dialect] = (statement.returning(table.c.id, table.c.number), insert(CaseEvent.__table__),
                                     update(table).where(table.c.id == bindparam("case_id"))
                                     .values(number=bindparam("number"), updated_at=table.c.updated_at))
        _CASE_COLUMNS[:] = [(prop.key, prop.columns[0]) for prop in Case.__mapper__.column_attrs]
    return _OPEN_STATEMENTS[dialect]


def insert_case(connection, *, channel: str, summary: str, jurisdiction_id: int, point_id=None,
                department_id=None, project_id=None, category=None, case_type=None,
                public_note="您的诉求已受理") -> tuple[dict, dict]:
    """受理 as two INSERTs on `connection`: a case in state `received` and its first event. Returns
    their rows (every column) as plain values: the hot path of every report, which needs no ORM
    objects (`open_case` makes them)."""
    now = utcnow()
    dialect = connection.dialect.name
    insert_statement, insert_event, set_number = _open_statements(dialect)
    values = {"channel": channel, "summary": summary[:200], "jurisdiction_id": jurisdiction_id,
              "point_id": point_id, "department_id": department_id, "project_id": project_id,
              "category": category, "case_type": case_type, "state": "received", "created_at": now,
              "updated_at": now}
    if dialect == "sqlite":
        values["number_prefix"] = f"JD{now:%Y}"
    result = connection.execute(insert_statement, values)
    case_id, number = result.one()
    # Every column as written: ours, the defaults SQLAlchemy filled in, and what the database made.
    sent = result.last_inserted_params()
    values = {key: sent.get(column.key) for key, column in _CASE_COLUMNS}
    values["id"], values["number"] = case_id, number
    if values["number"] is None:
        values["number"] = f"JD{now:%Y}{values['id']:07d}"  # as _number() makes it
        connection.execute(set_number, {"case_id": values["id"], "number": values["number"]})
    # The first event, as append_event() makes it.
    first = {"case_id": values["id"], "seq": 1, "action": "receive", "from_state": None, "to_state": "received",
             "actor_id": None, "actor_kind": "reporter", "note": None, "public_note": public_note, "data": None,
             "at": now}
    first["id"] = connection.execute(insert_event, first).inserted_primary_key[0]
    return values, first


def open_case(**fields) -> Case:
    """受理: a report from any channel becomes a case in state `received`, with its first event
    (fields: those of `insert_case`). The rows are written directly and join the session as loaded
    objects (the case with its events), just as a flush and a fresh load would leave them."""
    values, first = insert_case(db.session.connection(), **fields)
    case, event = _as_loaded(Case, values), _as_loaded(CaseEvent, first)
    set_committed_value(case, "events", [event])
    set_committed_value(event, "case", case)
    db.session.add(case)  # persistent from here, with its event: no INSERT at flush, no SELECT to read
    return case


def _as_loaded(model, values: dict):
    """An instance holding `values` (every column) as if just loaded from its row: nothing to flush."""
    instance = model()
    instance_dict(instance).update(values)
    make_transient_to_detached(instance)
    # An object of a rolled-back transaction may still hold this id in the session (SQLite hands the
    # id out again): it stands for no row any more, so it makes way.
    stale = db.session.identity_map.get(identity_key(instance=instance))
    if stale is not None:
        db.session.expunge(stale)
    return instance


# --- who may see and act ------------------------------------------------------------------------

def visible_cases(user: User, statement=None):
    """The case files a user may open: the case scope of `jiandu.org.scope` (a department from 转办
    on and never a lead, co-handling departments included, enterprises excluded, cases sent up the
    restricted channel for the top level only)."""
    return visible(user, statement if statement is not None else Case)


def get_case(user: User, case_id: int) -> Case:
    case = db.session.scalar(visible_cases(user).where(Case.id == case_id))
    if case is None:
        from jiandu.errors import NotFound

        raise NotFound("案件")
    return case


def roles_of(user: User, case: Case) -> set[str]:
    roles = set()
    if user.role in ("inspector", "admin"):
        roles.add(INSPECTOR)
    if user.role == "handler" and user.unit_id is not None and user.unit_id == case.department_id:
        roles.add(HANDLER)
    return roles


def allowed_actions(user: User, case: Case) -> list[str]:
    mine = roles_of(user, case)
    return [m.name for m in MOVES.values() if case.state in m.sources and mine & set(m.roles)]


def _require(condition: bool, message: str, status: int = 403, code: str = "forbidden") -> None:
    if not condition:
        raise ApiError(status, code, message)


def _wrong_state(case: Case, move: Move):
    allowed = "、".join(STATE_LABELS[s] for s in move.sources) or "—"
    return Conflict(f"案件当前为“{STATE_LABELS.get(case.state, case.state)}”，不能执行“{move.label}”"
                    f"（仅限：{allowed}）", code="wrong_state",
                    extra={"state": case.state, "version": case.version})


def check_version(case: Case, version) -> None:
    if version is None:
        raise Invalid({"version": "请提交案件的版本号"})
    if version != case.version:
        raise Conflict("案件已被他人处理，请查看最新状态后再操作", code="stale_version",
                       extra={"state": case.state, "version": case.version})


# --- acting on a case ---------------------------------------------------------------------------

def act(user: User, case: Case, action: str, fields: dict, *, version=None, now: datetime | None = None,
        check_version_: bool = True) -> CaseEvent:
    """Make one move, or refuse it (ApiError) having changed nothing."""
    move = MOVES.get(action)
    if move is None:
        raise ApiError(404, "unknown_action", f"没有“{action}”这种操作")
    if check_version_:
        check_version(case, version)
    if case.state not in move.sources:
        raise _wrong_state(case, move)
    _require(bool(roles_of(user, case) & set(move.roles)),
             f"您无权对本案件执行“{move.label}”" + ("（仅限承办单位）" if move.roles == (HANDLER,) else "（仅限纪检监察干部）"))
    missing = {name: "此项必填" for name in move.required if fields.get(name) in (None, "", [])}
    if missing:
        raise Invalid(missing, f"“{move.label}”缺少必填内容")
    now = now or utcnow()
    handler = globals()[f"_do_{action}"]
    plan = handler(user, case, fields, now)  # validates; returns a function that applies the change
    event = plan()
    from jiandu.notify.events import case_moved

    case_moved(case, event, user)  # who must hear of it: outbox rows in this same transaction
    return event


def _text(fields: dict, name: str, limit: int = 2000) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid({name: "应为文字"})
    value = value.strip()
    if len(value) > limit:
        raise Invalid({name: f"不能超过 {limit} 字"})
    return value or None


def _event(case, move_name, to_state, user, fields, now, data=None, public_note=None, note_field="note"):
    event = append_event(case, move_name, to_state, actor_id=user.id if user else None,
                         actor_kind="user" if user else "system", note=_text(fields, note_field),
                         public_note=public_note, data=data)
    event.at = now
    case.updated_at = now
    return event


def _do_register(user, case, fields, now):
    from jiandu.cases.models import CASE_TYPES, CHANNELS

    errors = {}
    if fields["case_type"] not in CASE_TYPES:
        errors["case_type"] = "类型须为服务诉求、作风效能或问题线索"
    if fields.get("channel") is not None and fields["channel"] not in CHANNELS:
        errors["channel"] = "未知的渠道"
    category = _text(fields, "category", 32)
    severity = _text(fields, "severity", 16)
    if errors:
        raise Invalid(errors)

    def apply():
        case.case_type, case.category = fields["case_type"], category
        case.severity = severity or case.severity or "normal"
        if fields.get("channel"):
            case.channel = fields["channel"]
        if _text(fields, "summary", 200):
            case.summary = _text(fields, "summary", 200)
        return _event(case, "register", "registered", user, fields, now,
                      data={"case_type": case.case_type, "category": category, "severity": case.severity},
                      public_note="您的诉求已登记建账")
    return apply


def _do_not_accept(user, case, fields, now):
    reason = _text(fields, "reason", 500)

    def apply():
        _set_deadline(case, None)
        case.closed_at = now
        return _event(case, "not_accept", "not_accepted", user, fields, now, data={"reason": reason},
                      public_note=f"不予受理：{reason}")
    return apply


def _do_merge(user, case, fields, now):
    try:
        into_id = int(fields["into_case_id"])
    except (TypeError, ValueError):
        raise Invalid({"into_case_id": "应为案件编号"})
    if into_id == case.id:
        raise Invalid({"into_case_id": "不能并入本案"})
    target = db.session.scalar(visible_cases(user).where(Case.id == into_id))
    if target is None:
        raise Invalid({"into_case_id": "找不到要并入的案件"})
    if target.state in FINAL_STATES:
        raise Invalid({"into_case_id": "不能并入已结束的案件"})

    def apply():
        case.merged_into_id = target.id
        _set_deadline(case, None)
        case.closed_at = now
        return _event(case, "merge", "merged", user, fields, now, data={"into": target.id, "into_number": target.number},
                      public_note=f"您的诉求已与同类问题合并办理（{target.number}）")
    return apply


def _do_hand_over(user, case, fields, now):
    if case.case_type != "lead":
        raise Conflict("只有“问题线索”类案件可以移交信访/监督检查部门", code="wrong_type",
                       extra={"state": case.state, "version": case.version})
    office = _text(fields, "office", 64)

    def apply():
        _set_deadline(case, None)
        case.closed_at = now
        return _event(case, "hand_over", "handed_over", user, fields, now, data={"office": office},
                      public_note="您反映的问题已移交有关部门依规依纪处理")
    return apply


def _do_send_up(user, case, fields, now):
    reason = _text(fields, "reason", 500)

    def apply():
        case.restricted = True
        _set_deadline(case, None)
        return _event(case, "send_up", "sent_up", user, fields, now, data={"reason": reason},
                      public_note="您反映的问题已按规定报送上级处理")
    return apply


def _department_for(user: User, value, field: str = "department_id") -> Unit:
    try:
        unit_id = int(value)
    except (TypeError, ValueError):
        raise Invalid({field: "应为单位编号"})
    unit = db.session.scalar(visible(user, Unit).where(Unit.id == unit_id, Unit.kind == "department",
                                                      Unit.active.is_(True)))
    if unit is None:
        raise Invalid({field: "该部门不存在或不在您的管辖范围内"})
    return unit


def _do_assign(user, case, fields, now):
    if case.case_type == "lead":
        raise Conflict("问题线索不进入转办流程，请移交信访/监督检查部门", code="wrong_type",
                       extra={"state": case.state, "version": case.version})
    department = _department_for(user, fields["department_id"])
    co = [_department_for(user, v, "co_department_ids") for v in (fields.get("co_department_ids") or [])]
    co = list({u.id: u for u in co if u.id != department.id}.values())

    def apply():
        calendar = Calendar.load()
        case.department_id = department.id
        case.co_departments = co
        case.assigned_at = now
        event = _event(case, "assign", "assigned", user, fields, now,
                       data={"department_id": department.id, "department": department.name,
                             "co_department_ids": [u.id for u in co]},
                       public_note=f"已转交{department.name}办理")
        _start_department_clock(case, now, calendar, event.seq)
        return event
    return apply


def _start_department_clock(case: Case, now: datetime, calendar: Calendar, seq: int) -> None:
    """After assignment: the sign-for deadline now, the handling deadline kept for the sign-for."""
    rule = rule_for(handling_kind(case), case.jurisdiction_id)
    handling = deadline(_basis_time(case, rule.basis, now), rule.amount, rule.unit, calendar)
    case.handle_due_at = handling.due_at
    d = _apply_rule(case, "sign_for", now, calendar, seq)
    case.sign_due_at = d.due_at
    case.signed_at = None
    case.extension_requested_days = None


def _handling_deadline(case: Case, seq: int, calendar: Calendar, now: datetime) -> None:
    due = case.handle_due_at
    if due is None:
        _apply_rule(case, handling_kind(case), now, calendar, seq)
        case.handle_due_at = case.due_at
        return
    # The yellow moment: two thirds of the working time from assignment to the deadline.
    start = case.assigned_at or case.created_at
    rule = rule_for(handling_kind(case), case.jurisdiction_id)
    if rule.unit == "workday":
        from jiandu.workdays import _local, _warn_point

        days, day, end = [], _local(start).date(), _local(due).date()
        while day < end:
            day += timedelta(days=1)
            if calendar.is_workday(day):
                days.append(day)
        warn = _warn_point(start, _local(start).date(), days, due, calendar, 2 / 3)
        provisional = not all(calendar.knows(d) for d in (_local(start).date(), end))
    else:
        warn, provisional = start + (due - start) * 2 / 3, False
    _set_deadline(case, handling_kind(case), due, warn, provisional, seq)


def _do_sign(user, case, fields, now):
    def apply():
        on_time = case.sign_due_at is None or now <= case.sign_due_at
        first = case.signed_at is None
        event = _event(case, "sign", "signed", user, fields, now, data={"on_time": on_time, "first": first},
                       public_note="承办单位已签收")
        case.signed_at = now
        _handling_deadline(case, event.seq, Calendar.load(), now)
        return event
    return apply


def _do_return(user, case, fields, now):
    reason = _text(fields, "reason", 500)

    def apply():
        department = case.department
        event = _event(case, "return", "registered", user, fields, now,
                       data={"reason": reason, "department_id": case.department_id,
                             "department": department.name if department else None})
        case.returns_count = (case.returns_count or 0) + 1
        case.department_id = None
        case.co_departments = []
        case.extension_requested_days = None
        _set_deadline(case, None)
        return event
    return apply


def _do_request_extension(user, case, fields, now):
    try:
        days = int(fields["days"])
    except (TypeError, ValueError):
        raise Invalid({"days": "应为工作日天数"})
    if not 1 <= days <= MAX_EXTENSION_WORKDAYS:
        raise Invalid({"days": f"延期须为 1 到 {MAX_EXTENSION_WORKDAYS} 个工作日"})
    if case.extension_requested_days:
        raise Conflict("已有一项延期申请等待审批", code="pending_extension",
                       extra={"state": case.state, "version": case.version})
    if case.handle_due_at is not None and now > case.handle_due_at:
        raise Conflict("已超过办理期限，不能再申请延期", code="past_deadline",
                       extra={"state": case.state, "version": case.version})
    reason = _text(fields, "reason", 500)

    def apply():
        case.extension_requested_days = days
        return _event(case, "request_extension", case.state, user, fields, now, data={"days": days, "reason": reason})
    return apply


def _do_decide_extension(user, case, fields, now):
    if not case.extension_requested_days:
        raise Conflict("没有待审批的延期申请", code="no_pending_extension",
                       extra={"state": case.state, "version": case.version})
    approve = fields["approve"]
    if not isinstance(approve, bool):
        raise Invalid({"approve": "应为是或否"})
    if not approve and not _text(fields, "note"):
        raise Invalid({"note": "不同意延期须说明理由"})

    def apply():
        days = case.extension_requested_days
        case.extension_requested_days = None
        event = _event(case, "decide_extension", case.state, user, fields, now,
                       data={"approve": approve, "days": days})
        if approve:
            calendar = Calendar.load()
            d = deadline(case.handle_due_at or now, days, "workday", calendar)
            case.handle_due_at = d.due_at
            _handling_deadline(case, event.seq, calendar, now)
            case.due_provisional = case.due_provisional or d.provisional
        return event
    return apply


def _do_answer(user, case, fields, now):
    result = _text(fields, "result", 4000)
    measures = _text(fields, "measures", 4000)
    attachments = fields.get("attachments") or []
    if not isinstance(attachments, list) or not all(isinstance(a, int) for a in attachments):
        raise Invalid({"attachments": "附件应为已上传文件的编号列表"})
    if attachments:
        from jiandu.cases.models import CaseAttachment

        found = db.session.scalars(select(CaseAttachment.id).where(CaseAttachment.id.in_(attachments),
                                                                    CaseAttachment.case_id == case.id)).all()
        if len(set(found)) != len(set(attachments)):
            raise Invalid({"attachments": "部分附件不存在"})

    def apply():
        on_time = case.handle_due_at is None or now <= case.handle_due_at
        event = _event(case, "answer", "answered", user, fields, now,
                       data={"result": result, "measures": measures, "attachments": attachments, "on_time": on_time},
                       public_note=f"办理结果：{result}")
        case.answered_at, case.answered_on_time = now, on_time
        case.extension_requested_days = None
        _apply_rule(case, "return_visit", now, Calendar.load(), event.seq)
        return event
    return apply


def _do_verify(user, case, fields, now):
    def apply():
        return _event(case, "verify", "verified", user, fields, now)
    return apply


def _do_send_back(user, case, fields, now):
    reason = _text(fields, "reason", 500)

    def apply():
        event = _event(case, "send_back", "signed", user, fields, now, data={"reason": reason})
        _handling_deadline(case, event.seq, Calendar.load(), now)
        return event
    return apply


def _do_urge(user, case, fields, now):
    def apply():
        return _event(case, "urge", case.state, user, fields, now, data={"due_at": case.due_at})
    return apply


def _do_escalate(user, case, fields, now):
    try:
        level = int(fields["level"])
    except (TypeError, ValueError):
        raise Invalid({"level": "督办级别应为 1–3"})
    if not 1 <= level <= 3:
        raise Invalid({"level": "督办级别应为 1–3"})
    if level <= (case.escalation_level or 0):
        raise Conflict(f"本案已是 {case.escalation_level} 级督办", code="already_escalated",
                       extra={"state": case.state, "version": case.version})

    def apply():
        case.escalation_level = level
        return _event(case, "escalate", case.state, user, fields, now, data={"level": level})
    return apply


def _do_park(user, case, fields, now):
    reason = _text(fields, "reason", 500)
    try:
        review_days = int(fields.get("review_days") or 30)
    except (TypeError, ValueError):
        raise Invalid({"review_days": "应为天数"})
    if not 1 <= review_days <= 366:
        raise Invalid({"review_days": "复查周期须为 1 到 366 天"})

    def apply():
        case.parked_review_at = now + timedelta(days=review_days)
        _set_deadline(case, None)
        return _event(case, "park", "parked", user, fields, now, data={"reason": reason, "review_days": review_days})
    return apply


def _do_review_parked(user, case, fields, now):
    review_days = int(fields.get("review_days") or 30)

    def apply():
        case.parked_review_at = now + timedelta(days=max(1, min(review_days, 366)))
        return _event(case, "review_parked", "parked", user, fields, now, data={"review_days": review_days})
    return apply


def _do_unpark(user, case, fields, now):
    def apply():
        case.parked_review_at = None
        event = _event(case, "unpark", "signed", user, fields, now)
        calendar = Calendar.load()
        _apply_rule(case, handling_kind(case), now, calendar, event.seq)  # a fresh handling period
        case.handle_due_at = case.due_at
        return event
    return apply


def _visit_fields(fields):
    resolved, satisfaction = fields["resolved"], fields["satisfaction"]
    errors = {}
    if not isinstance(resolved, bool):
        errors["resolved"] = "应为是否解决"
    if not isinstance(satisfaction, int) or isinstance(satisfaction, bool) or satisfaction not in SATISFACTION_LABELS:
        errors["satisfaction"] = "满意度应为 1–5（5 = 非常满意）"
    method = fields.get("method") or "phone"
    if method not in ("phone", "online", "visit"):
        errors["method"] = "回访方式须为电话、线上或上门"
    if errors:
        raise Invalid(errors)
    return resolved, satisfaction, method


def _do_return_visit(user, case, fields, now):
    resolved, satisfaction, method = _visit_fields(fields)

    def apply():
        event = _event(case, "return_visit", "revisited", user, fields, now,
                       data={"resolved": resolved, "satisfaction": satisfaction, "method": method,
                             "on_time": case.due_at is None or now <= case.due_at})
        case.resolved, case.satisfaction = resolved, satisfaction
        _set_deadline(case, None)
        return event
    return apply


def _do_close(user, case, fields, now):
    if case.state == "verified" and not _text(fields, "note"):
        raise Invalid({"note": "未经回访办结，须说明原因（如匿名无法回访）"})

    def apply():
        case.closed_at = now
        _set_deadline(case, None)
        return _event(case, "close", "closed", user, fields, now,
                      data={"on_time": case.answered_on_time, "without_visit": case.state == "verified"},
                      public_note="您的诉求已办结")
    return apply


def _do_reopen(user, case, fields, now):
    reason = _text(fields, "reason", 500)
    if case.department_id is None:
        raise Conflict("本案没有承办单位，无法重办", code="no_department",
                       extra={"state": case.state, "version": case.version})

    def apply():
        case.reopen_count = (case.reopen_count or 0) + 1
        case.resolved = case.satisfaction = None
        case.answered_at = case.answered_on_time = None
        case.assigned_at = now
        event = _event(case, "reopen", "assigned", user, fields, now,
                       data={"reason": reason, "department_id": case.department_id},
                       public_note="根据您的回访意见，已要求承办单位重新办理")
        _start_department_clock(case, now, Calendar.load(), event.seq)
        return event
    return apply


# --- the reporter, from the tracking page -----------------------------------------------------

def reporter_return_visit(case: Case, resolved: bool, satisfaction: int, comment: str | None = None) -> CaseEvent:
    """The reporter answers the return visit online (/t/<token>). A resolved, at least 基本满意
    answer closes the case at once; otherwise an inspector decides to close or reopen it."""
    if case.state != "verified":
        raise Conflict("该诉求当前不需要回访", code="wrong_state", extra={"state": case.state})
    fields = {"resolved": resolved, "satisfaction": satisfaction, "method": "online"}
    resolved, satisfaction, _ = _visit_fields(fields)
    now = utcnow()
    event = append_event(case, "return_visit", "revisited", actor_kind="reporter",
                         note=(comment or "").strip()[:1000] or None,
                         data={"resolved": resolved, "satisfaction": satisfaction, "method": "online",
                               "on_time": case.due_at is None or now <= case.due_at})
    case.resolved, case.satisfaction = resolved, satisfaction
    _set_deadline(case, None)
    if resolved and satisfaction >= 3:
        case.closed_at = now
        append_event(case, "close", "closed", actor_kind="system",
                     data={"on_time": case.answered_on_time, "auto": True}, public_note="您的诉求已办结")
    return event


def public_timeline(case: Case) -> list[dict]:
    """What the reporter may read on the tracking page: public notes only, no staff names."""
    return [{"at": e.at, "action": e.action, "label": ACTION_LABELS.get(e.action, e.action), "state": e.to_state,
             "state_label": STATE_LABELS.get(e.to_state, e.to_state), "note": e.public_note}
            for e in case.events if e.public_note]
