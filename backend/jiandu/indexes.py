"""Index options the models share."""
from sqlalchemy import text


def only_where_set(column: str) -> dict:
    """A partial index over the rows where `column` is set (SQLite and PostgreSQL alike): a row without
    it is not in the index, and writing that row does not touch the index. A query that compares the
    column (which implies it is not NULL) can still use it."""
    where = text(f"{column} IS NOT NULL")
    return {"sqlite_where": where, "postgresql_where": where}
