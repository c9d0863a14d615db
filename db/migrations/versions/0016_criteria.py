"""Agreed criteria and the shortlist: named, versioned criteria sets with weights, each
koordinator's chosen set, and their shortlist of clusters with a note per cluster.

Revision ID: 0016_criteria
Revises: 0019_counters
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_criteria"
down_revision: str | None = "0019_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "criteria_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criteria_sets")),
        sa.UniqueConstraint("name_key", "version", name="uq_criteria_sets_name_version"),
    )
    op.create_table(
        "criteria_choices",
        sa.Column("telegram_user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("criteria_set_id", sa.Integer(), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["criteria_set_id"], ["criteria_sets.id"],
            name=op.f("fk_criteria_choices_criteria_set_id_criteria_sets"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("telegram_user_id", name=op.f("pk_criteria_choices")),
    )
    op.create_table(
        "shortlist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"], ["clusters.id"], name=op.f("fk_shortlist_entries_cluster_id_clusters"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shortlist_entries")),
        sa.UniqueConstraint("owner_telegram_user_id", "cluster_id", name="uq_shortlist_entries_owner_cluster"),
    )
    op.create_index(
        op.f("ix_shortlist_entries_owner_telegram_user_id"), "shortlist_entries", ["owner_telegram_user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_shortlist_entries_owner_telegram_user_id"), table_name="shortlist_entries")
    op.drop_table("shortlist_entries")
    op.drop_table("criteria_choices")
    op.drop_table("criteria_sets")
