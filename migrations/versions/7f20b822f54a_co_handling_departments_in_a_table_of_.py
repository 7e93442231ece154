"""co-handling departments in a table of their own

A case's co-handling departments (协办单位) were a comma-separated column, `cases.co_department_ids`
("3,7"), which a co-handler's ledger could only search with LIKE '%,7,%' over every case. They are now
rows of `case_co_departments`, indexed by department. Existing values are copied both ways.

Revision ID: 7f20b822f54a
Revises: fc49fc04aebf
Create Date: 2026-11-26 19:30:33.788505

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7f20b822f54a'
down_revision = 'fc49fc04aebf'
branch_labels = None
depends_on = None


cases = sa.table("cases", sa.column("id", sa.Integer), sa.column("co_department_ids", sa.String))
units = sa.table("units", sa.column("id", sa.Integer))
case_co_departments = sa.table("case_co_departments", sa.column("case_id", sa.Integer),
                               sa.column("department_id", sa.Integer))


def upgrade():
    op.create_table('case_co_departments',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_co_departments_case_id_cases')),
    sa.ForeignKeyConstraint(['department_id'], ['units.id'], name=op.f('fk_case_co_departments_department_id_units')),
    sa.PrimaryKeyConstraint('case_id', 'department_id', name=op.f('pk_case_co_departments'))
    )
    op.create_index('ix_case_co_departments_department', 'case_co_departments', ['department_id', 'case_id'],
                    unique=False)

    connection = op.get_bind()
    existing_units = set(connection.scalars(sa.select(units.c.id)))
    rows = []
    for case_id, value in connection.execute(
            sa.select(cases.c.id, cases.c.co_department_ids).where(cases.c.co_department_ids.isnot(None))):
        # The column was written by the application only ("3,7"), but a repeated id or one whose unit
        # is gone would break the new keys: such parts are dropped.
        ids = {int(part) for part in value.split(",") if part.strip().isdigit()}
        rows += [{"case_id": case_id, "department_id": d} for d in sorted(ids & existing_units)]
    if rows:
        op.bulk_insert(case_co_departments, rows)

    # In place, also on SQLite (3.35+): batch mode would copy `cases` into a new table and drop the old
    # one, which the foreign keys pointing at it (events, warnings, reports…) forbid: connections enforce them.
    op.drop_column('cases', 'co_department_ids')


def downgrade():
    op.add_column('cases', sa.Column('co_department_ids', sa.VARCHAR(length=255), nullable=True))

    connection = op.get_bind()
    by_case = {}
    for case_id, department_id in connection.execute(
            sa.select(case_co_departments.c.case_id, case_co_departments.c.department_id)
            .order_by(case_co_departments.c.case_id, case_co_departments.c.department_id)):
        by_case.setdefault(case_id, []).append(str(department_id))
    for case_id, ids in by_case.items():
        connection.execute(cases.update().where(cases.c.id == case_id).values(co_department_ids=",".join(ids)))

    op.drop_index('ix_case_co_departments_department', table_name='case_co_departments')

    op.drop_table('case_co_departments')
