"""受理: the one way into the loop. A report, a lead or a finding of any channel becomes a case in
state `received` with its first event, here and nowhere else; and its number is spelled here only."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, set_committed_value
from sqlalchemy.orm.util import identity_key

from jiandu.cases.models import Case, CaseEvent
from jiandu.extensions import db
from jiandu.timeutil import utcnow


NUMBER_DIGITS = 7  # JD2027 0000123: the year the case was received, then its id


def number_prefix(received_at: datetime) -> str:
    return f"JD{received_at:%Y}"


def case_number(received_at: datetime, case_id: int) -> str:
    """The number a case is known by (JD20270000123): the only place that spells it."""
    return f"{number_prefix(received_at)}{case_id:0{NUMBER_DIGITS}d}"


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
                                         + func.printf(f"%0{NUMBER_DIGITS}d", next_id))
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
        values["number_prefix"] = number_prefix(now)
    result = connection.execute(insert_statement, values)
    case_id, number = result.one()
    # Every column as written: ours, the defaults SQLAlchemy filled in, and what the database made.
    sent = result.last_inserted_params()
    values = {key: sent.get(column.key) for key, column in _CASE_COLUMNS}
    values["id"], values["number"] = case_id, number
    if values["number"] is None:
        values["number"] = case_number(now, values["id"])
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



def open_cases(rows: list[dict], now: datetime | None = None) -> list[int]:
    """受理 of many cases at once, opened by the system (bulk leads of a scan or a model run): each as
    `open_case` opens one (state received, its number, a first `receive` event), in three statements
    whatever their number. rows: dicts with channel, case_type, category, summary, jurisdiction_id,
    point_id (optional) and source, the channel's key of what the case is about (e.g. "approval:12"),
    kept in the first event as its evidence. Returns the new case ids in the order of `rows`."""
    if not rows:
        return []
    now = now or utcnow()
    table = Case.__table__
    cases = [{"channel": row["channel"], "case_type": row.get("case_type"), "category": row.get("category"),
              "summary": row["summary"][:200], "jurisdiction_id": row["jurisdiction_id"],
              "point_id": row.get("point_id"), "department_id": None, "project_id": None, "state": "received",
              "restricted": False, "warning": "none", "returns_count": 0, "reopen_count": 0, "version": 1,
              "escalation_level": 0, "due_provisional": False, "created_at": now, "updated_at": now}
             for row in rows]
    ids = [r[0] for r in db.session.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), cases)]
    db.session.execute(table.update().where(table.c.id == bindparam("b_id")).values(number=bindparam("b_number")),
                       [{"b_id": case_id, "b_number": case_number(now, case_id)} for case_id in ids])
    db.session.execute(CaseEvent.__table__.insert(), [
        {"case_id": case_id, "seq": 1, "action": "receive", "from_state": None, "to_state": "received",
         "actor_id": None, "actor_kind": "system", "note": None, "public_note": None,
         "data": json.dumps({"auto": True, "source": row["source"]}), "at": now}
        for case_id, row in zip(ids, rows)])
    return ids
