"""partial indexes for sparse columns, no duplicate case_id indexes

Taking a report writes a case, its first event, the report and its idempotency key; every index on
those tables is one more page written at commit. Indexes over columns that a new row leaves empty
(a case's deadline and warning time, a report's project) now hold only the rows that have them, and
the case_id indexes that the unique constraints starting with case_id already provide are gone.

Revision ID: fc49fc04aebf
Revises: 410fdf4ff996
Create Date: 2026-11-26 18:54:49.796177

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fc49fc04aebf'
down_revision = '410fdf4ff996'
branch_labels = None
depends_on = None


PARTIAL = (  # (index, table, columns, the column that must be set)
    ("ix_cases_state_due", "cases", ["state", "due_at"], "due_at"),
    ("ix_cases_warning_warn", "cases", ["warning", "warn_at"], "warn_at"),
    ("ix_reports_project_id", "reports", ["project_id"], "project_id"),
)


def _where(column):
    where = sa.text(f"{column} IS NOT NULL")
    return {"sqlite_where": where, "postgresql_where": where}


# The case_id indexes that unique constraints starting with case_id already provide.
DUPLICATES = (("ix_case_events_case_id", "case_events"), ("ix_case_warnings_case_id", "case_warnings"))


def upgrade():
    for name, table, columns, column in PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, **_where(column))
    for name, table in DUPLICATES:
        op.drop_index(name, table_name=table)


def downgrade():
    for name, table in DUPLICATES:
        op.create_index(name, table, ["case_id"])
    for name, table, columns, _column in PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
