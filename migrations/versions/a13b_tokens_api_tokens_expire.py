"""API tokens expire

A bearer token lived until someone revoked it. It now has `expires_at` (API_TOKEN_DAYS after it was
issued, 90 by default). Tokens issued before this change get the default lifetime from the moment of
the upgrade, so no machine client stops at once without a warning period.

Revision ID: a13b_tokens
Revises: 7f20b822f54a
Create Date: 2026-12-01 10:00:00

"""
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a13b_tokens'
down_revision = '7f20b822f54a'
branch_labels = None
depends_on = None

DEFAULT_DAYS = 90

api_tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime))


def upgrade():
    op.add_column('api_tokens', sa.Column('expires_at', sa.DateTime(), nullable=True))
    until = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=DEFAULT_DAYS)
    op.execute(api_tokens.update().values(expires_at=until))
    # Nothing points at api_tokens, so SQLite's batch copy of the table is safe here.
    with op.batch_alter_table('api_tokens') as batch:
        batch.alter_column('expires_at', existing_type=sa.DateTime(), nullable=False)


def downgrade():
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_column('expires_at')
