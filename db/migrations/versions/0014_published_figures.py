"""Published figures: each report's amount as it stands in the published figures of its month.

A month's figures are published at the deadline and revised only in batches (bot.services.summaries),
so a late report or a correction waits in `amount` until it is released into `published_amount`.
The snapshots compiled under the old rule (money figures from 3 reporters, recompiled on every
late report) are dropped: they are recompiled under the new rule when next read, from the
amounts as they stand, which is what the old bot showed.

Revision ID: 0014_published_figures
Revises: 0012_member_ids_never_reused
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_published_figures"
down_revision: str | None = "0012_member_ids_never_reused"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monthly_reports") as batch:
        batch.add_column(sa.Column("published_amount", sa.BigInteger(), nullable=True))
    op.execute("DELETE FROM cluster_summaries")


def downgrade() -> None:
    with op.batch_alter_table("monthly_reports") as batch:
        batch.drop_column("published_amount")
