"""Membership periods: when a member left, when an imported person joined the programme.

Members: `left_at`. Roster entries: `joined_at` (the list's "bergabung" column). Backfill: a
member's joined_at moves back to the start of their first reported month (in their
cluster's zone) where it was later, because a reporter of a month was a member in it; and
the summary snapshots, counted under the old rule ("active and joined before"), are dropped
so that they are compiled again.

Revision ID: 0008_membership_periods
Revises: 0007
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0008_membership_periods"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rule of db.summary_queries.refresh_joined, written out so this migration never changes.
FIRST_MONTHS = (
    "SELECT member_id, min(month) AS first_month FROM monthly_reports "
    "WHERE member_id IS NOT NULL GROUP BY member_id"
)
PAIRS = sa.text(
    f"SELECT DISTINCT c.timezone, f.first_month FROM ({FIRST_MONTHS}) AS f "
    "JOIN members m ON m.id = f.member_id JOIN clusters c ON c.id = m.cluster_id"
)
MOVE_BACK = sa.text(
    "UPDATE members SET joined_at = :start "
    "WHERE joined_at > :start "
    "AND cluster_id IN (SELECT id FROM clusters WHERE timezone = :zone) "
    f"AND id IN (SELECT member_id FROM ({FIRST_MONTHS}) AS f WHERE f.first_month = :month)"
).bindparams(sa.bindparam("start", type_=sa.DateTime(timezone=True)))


def _month_start(month: str, zone: str) -> datetime:
    year, number = (int(part) for part in month.split("-"))
    return datetime.combine(date(year, number, 1), time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("left_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("roster_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    for zone, month in connection.execute(PAIRS).all():
        start = _month_start(month, zone)
        if connection.dialect.name == "sqlite":
            start = start.replace(tzinfo=None)  # stored as naive UTC text there
        connection.execute(MOVE_BACK, {"start": start, "zone": zone, "month": month})
    op.execute("DELETE FROM cluster_summaries")


def downgrade() -> None:
    with op.batch_alter_table("roster_entries", schema=None) as batch_op:
        batch_op.drop_column("joined_at")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("left_at")
