"""ratings: a rating's device digest and its single-use token nonce

A rating is accepted only with a token the landing page handed out; the token's nonce is kept with
the rating, unique, so that a token rates once. The rating's device, as a keyed digest, lets the
ratings figures flag a window whose ratings come from few devices. Reports keep neither. The
idempotency keys table is unchanged: its `key` now holds a keyed digest of the client's key and its
device (old rows, raw keys, simply never match again and are cleaned up with the others).

Revision ID: a13c_ratings
Revises: a13b_tokens
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a13c_ratings'
down_revision = 'a13b_tokens'
branch_labels = None
depends_on = None


def _where(column):
    where = sa.text(f"{column} IS NOT NULL")
    return {"sqlite_where": where, "postgresql_where": where}


def upgrade():
    # In place, also on SQLite: batch mode would copy `reports`, which foreign keys point at.
    op.add_column('reports', sa.Column('device_digest', sa.String(length=32), nullable=True))
    op.add_column('reports', sa.Column('rating_nonce', sa.String(length=16), nullable=True))
    op.create_index('uq_reports_rating_nonce', 'reports', ['rating_nonce'], unique=True, **_where('rating_nonce'))


def downgrade():
    op.drop_index('uq_reports_rating_nonce', table_name='reports')
    op.drop_column('reports', 'rating_nonce')
    op.drop_column('reports', 'device_digest')
