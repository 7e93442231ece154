"""`jiandu keys rotate`: every encrypted value re-encrypted under the newest of CONTACT_KEYS.

Encrypted columns are found, not listed: every column of the models whose name ends in `_enc`
(reports' contact, intake's stored answers, citizens' tracking tokens on push subscriptions, and any
a capability adds). Each table is read in primary-key order, a batch at a time; each batch is its own
transaction, and a value is written back only if it is still what was read (the app keeps running).
A value the newest key already opens is left alone, so a second run changes nothing and a run that
was stopped carries on where it was. A value no key opens is counted and named, never dropped.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Column, Table, func, or_, select, update

from jiandu.extensions import db
from jiandu.security import UndecryptableData, rotate_contact, under_newest_key
from jiandu.sqlite import begin_writing

ENCRYPTED_SUFFIX = "_enc"
BATCH_SIZE = 500


@dataclass
class TableResult:
    table: str
    rows: int = 0
    rewritten: int = 0
    changed_meanwhile: int = 0  # written by the app between the read and the write: a second run checks them
    undecryptable: list[tuple[object, str]] = field(default_factory=list)  # (primary key, column)


def encrypted_columns(metadata=None) -> list[tuple[Table, list[Column]]]:
    """(table, its encrypted columns) for every table with one, in name order."""
    metadata = metadata if metadata is not None else db.metadata
    found = []
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        columns = [c for c in table.columns if c.name.endswith(ENCRYPTED_SUFFIX)]
        if columns:
            found.append((table, columns))
    return found


def rotate_all(batch_size: int = BATCH_SIZE, echo: Callable[[str], None] = print) -> list[TableResult]:
    return [rotate_table(table, columns, batch_size, echo) for table, columns in encrypted_columns()]


def rotate_table(table: Table, columns: list[Column], batch_size: int = BATCH_SIZE,
                 echo: Callable[[str], None] = print) -> TableResult:
    (key,) = table.primary_key.columns  # every table of the app has a single-column key
    has_value = or_(*(c.isnot(None) for c in columns))
    total = db.session.scalar(select(func.count()).select_from(table).where(has_value)) or 0
    result = TableResult(table.name)
    last = None
    while True:
        statement = select(key, *columns).where(has_value).order_by(key).limit(batch_size)
        if last is not None:
            statement = statement.where(key > last)
        rows = db.session.execute(statement).all()
        if not rows:
            break
        changes = [change for row in rows if (change := _rotated(row, key, columns, result))]
        _write(table, key, changes, result)
        last, result.rows = rows[-1][0], result.rows + len(rows)
        echo(f"keys rotate: {table.name}: {result.rows}/{total} rows read, {result.rewritten} re-encrypted")
    db.session.commit()
    return result


def _rotated(row, key: Column, columns: list[Column], result: TableResult) -> tuple | None:
    """(primary key, {column: value as read}, {column: re-encrypted}) of a row with a value to rotate."""
    mapping = row._mapping
    read, new = {}, {}
    for column in columns:
        value = mapping[column]
        if not value or under_newest_key(value):
            continue
        try:
            new[column.name] = rotate_contact(value)
        except UndecryptableData:
            result.undecryptable.append((mapping[key], column.name))
            continue
        read[column.name] = value
    return (mapping[key], read, new) if new else None


def _write(table: Table, key: Column, changes: list[tuple], result: TableResult) -> None:
    if not changes:
        db.session.commit()  # end the batch's read
        return
    connection = begin_writing(db.session)
    for identity, read, new in changes:
        unchanged = [table.c[name] == value for name, value in read.items()]
        written = connection.execute(update(table).where(key == identity, *unchanged).values(**new)).rowcount
        result.rewritten += written
        result.changed_meanwhile += 1 - written
    db.session.commit()
