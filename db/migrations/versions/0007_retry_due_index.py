"""Outbox: a partial index on retries waiting for their backoff, so they are claimed when due.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same condition as db.models.RETRY_WAITING, written out so this migration never changes.
RETRY_WAITING = "status = 'pending' AND attempts > 0"


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_retry_due",
        "deliveries",
        ["not_before"],
        unique=False,
        sqlite_where=sa.text(RETRY_WAITING),
        postgresql_where=sa.text(RETRY_WAITING),
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_retry_due", table_name="deliveries")
