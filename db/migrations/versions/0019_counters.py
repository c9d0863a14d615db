"""Counters for sending at scale, and two indexes that make per-message and per-view reads O(1).

- announcements.sent_count / blocked_count / failed_count / cancelled_count: kept in the outbox's transaction that
  writes each result, so an author's progress reads one row instead of counting the
  announcement's deliveries every second.
- ix_deliveries_chat_id: a 403 stops the chat's pending messages (Deliveries.block_chat) by an
  index seek, not a scan of a million deliveries.
- ix_deliveries_due gains `id`: the sender claims in (not_before, id) order and a big send's rows
  share one not_before, so PostgreSQL sorted every pending row per batch (400 ms a claim at a
  million rows; 0.2 ms with the index in that order).
- ix_monthly_reports_unreleased: the summary's staleness check (summary_queries.pending_changes)
  reads only the reports waiting to be released (a handful after publication), not the month's.

Revision ID: 0019_counters
Revises: 0018_catalogue
Create Date: 2026-12-01 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_counters"
down_revision: str | None = "0018_catalogue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The condition of db.models at this revision, written out so this migration never changes.
UNRELEASED = "published_amount IS NULL OR published_amount != amount"
COUNTERS = {"sent_count": "sent", "blocked_count": "blocked", "failed_count": "failed", "cancelled_count": "cancelled"}


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN with a constant default (no batch copy: copying
    # `announcements` would go through its deliveries' ON DELETE CASCADE).
    for column in COUNTERS:
        op.add_column("announcements", sa.Column(column, sa.Integer(), nullable=False, server_default="0"))
    # Announcements already under way keep their numbers.
    for column, status in COUNTERS.items():
        op.execute(
            f"UPDATE announcements SET {column} = (SELECT count(*) FROM deliveries d "
            f"WHERE d.announcement_id = announcements.id AND d.kind = 'announcement' AND d.status = '{status}')"
        )
    op.create_index("ix_deliveries_chat_id", "deliveries", ["chat_id"], unique=False)
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.create_index("ix_deliveries_due", "deliveries", ["status", "not_before", "id"], unique=False)
    op.create_index(
        "ix_monthly_reports_unreleased",
        "monthly_reports",
        ["cluster_id", "month"],
        unique=False,
        sqlite_where=sa.text(UNRELEASED),
        postgresql_where=sa.text(UNRELEASED),
    )


def downgrade() -> None:
    op.drop_index("ix_monthly_reports_unreleased", table_name="monthly_reports")
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.create_index("ix_deliveries_due", "deliveries", ["status", "not_before"], unique=False)
    op.drop_index("ix_deliveries_chat_id", table_name="deliveries")
    with op.batch_alter_table("announcements") as batch:
        for column in COUNTERS:
            batch.drop_column(column)
