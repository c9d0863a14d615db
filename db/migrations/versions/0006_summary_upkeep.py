"""Summary upkeep: each report's baseline for growth since joining, and cluster monthly totals.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 01:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Backfills: the rules of db.summary_queries.refresh_baselines and refresh_month_totals,
# written out here so that this migration never changes. A report after its member's first
# three reported months carries the sum of those three:
BASELINES = """
UPDATE monthly_reports
SET baseline_sum = CASE WHEN monthly_reports.month > firsts.complete_month THEN firsts.amount_sum END
FROM (
    SELECT member_id, sum(amount) AS amount_sum, CASE WHEN count(*) >= 3 THEN max(month) END AS complete_month
    FROM (
        SELECT member_id, month, amount, row_number() OVER (PARTITION BY member_id ORDER BY month) AS rn
        FROM monthly_reports
        WHERE member_id IS NOT NULL
    ) AS ordered
    WHERE rn <= 3
    GROUP BY member_id
) AS firsts
WHERE monthly_reports.member_id = firsts.member_id
"""

# Every cluster's reporters and total per month:
MONTH_TOTALS = """
INSERT INTO cluster_month_totals (month, cluster_id, reporters, total)
SELECT month, cluster_id, count(*), sum(amount) FROM monthly_reports GROUP BY month, cluster_id
"""


def upgrade() -> None:
    with op.batch_alter_table("monthly_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("baseline_sum", sa.BigInteger(), nullable=True))
    op.create_table(
        "cluster_month_totals",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("cluster_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reporters", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"],
            ["clusters.id"],
            name=op.f("fk_cluster_month_totals_cluster_id_clusters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("month", "cluster_id", name=op.f("pk_cluster_month_totals")),
    )
    op.execute(BASELINES)
    op.execute(MONTH_TOTALS)


def downgrade() -> None:
    op.drop_table("cluster_month_totals")
    with op.batch_alter_table("monthly_reports", schema=None) as batch_op:
        batch_op.drop_column("baseline_sum")
