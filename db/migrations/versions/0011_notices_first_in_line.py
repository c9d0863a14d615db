"""Outbox: notices to one person go ahead of bulk sends; progress and final reports are claimed.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010_claimed_actions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The conditions of db.models at this revision, written out so this migration never changes.
RETRY_WAITING = "status = 'pending' AND attempts > 0"
FIRST_IN_LINE = "status = 'pending' AND (attempts > 0 OR first_in_line)"


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("first_in_line", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.drop_index("ix_deliveries_retry_due", table_name="deliveries")
    op.create_index(
        "ix_deliveries_first_in_line",
        "deliveries",
        ["not_before"],
        unique=False,
        sqlite_where=sa.text(FIRST_IN_LINE),
        postgresql_where=sa.text(FIRST_IN_LINE),
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_first_in_line", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("first_in_line")
    op.create_index(
        "ix_deliveries_retry_due",
        "deliveries",
        ["not_before"],
        unique=False,
        sqlite_where=sa.text(RETRY_WAITING),
        postgresql_where=sa.text(RETRY_WAITING),
    )
