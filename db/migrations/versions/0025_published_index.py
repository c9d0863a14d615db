"""ix_monthly_reports_published: a month's released reports, for publishing.

Publishing a month (summaries.compile_published) reads its released amounts twice: the
aggregate and growth by cohort. With no index leading with the month, PostgreSQL read the whole
table (every month of every member) for each: at 1,000 clusters x 100,000 members x 36 months,
two scans of 2.9 million rows for 80,000. The index holds every column those two read (month,
cluster, published amount, baseline, member), so SQLite reads no table row and PostgreSQL none
once the pages are vacuumed. It is partial, released rows only: right after a release its
entries are the new row versions, never the dead ones the release left behind, and late
reports waiting to be released are not in it.

Revision ID: 0025_published_index
Revises: 0024_first_month
Create Date: 2026-12-01 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025_published_index"
down_revision: str | None = "0024_first_month"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RELEASED = "published_amount IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_monthly_reports_published",
        "monthly_reports",
        ["month", "cluster_id", "published_amount", "baseline_sum", "member_id"],
        unique=False,
        sqlite_where=sa.text(RELEASED),
        postgresql_where=sa.text(RELEASED),
    )


def downgrade() -> None:
    op.drop_index("ix_monthly_reports_published", table_name="monthly_reports")
