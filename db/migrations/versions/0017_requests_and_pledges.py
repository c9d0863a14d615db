"""Market requests: a buyer's order sent to clusters, members' pledges, allocation, follow-ups
of requests and of plain *peluang pasar*, and members who want only their products' offers.

Revision ID: 0017_requests_and_pledges
Revises: 0015_members
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_requests_and_pledges"
down_revision: str | None = "0015_members"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "market_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("author_language", sa.String(length=8), nullable=True),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("details", sa.String(length=1500), nullable=False),
        sa.Column("photo_file_id", sa.String(length=255), nullable=True),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit", sa.String(length=24), nullable=False),
        sa.Column("price_per_unit", sa.BigInteger(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("zone", sa.String(length=40), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("requirements", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_month", sa.String(length=7), nullable=False),
        sa.Column("closed_month", sa.String(length=7), nullable=True),
        sa.Column("allocated_month", sa.String(length=7), nullable=True),
        sa.Column("draft_key", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_requests")),
        sa.UniqueConstraint("draft_key", name=op.f("uq_market_requests_draft_key")),
    )
    op.create_index(op.f("ix_market_requests_author_telegram_user_id"), "market_requests", ["author_telegram_user_id"])
    op.create_index(op.f("ix_market_requests_status"), "market_requests", ["status"])
    op.create_table(
        "market_request_clusters",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cluster_id"], ["clusters.id"], name=op.f("fk_market_request_clusters_cluster_id_clusters"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["request_id"], ["market_requests.id"], name=op.f("fk_market_request_clusters_request_id_market_requests"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("request_id", "cluster_id", name=op.f("pk_market_request_clusters")),
    )
    op.create_table(
        "market_pledges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("ready_by", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("allocated", sa.BigInteger(), nullable=True),
        sa.Column("confirmation", sa.String(length=16), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["cluster_id"], ["clusters.id"], name=op.f("fk_market_pledges_cluster_id_clusters"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_market_pledges_member_id_members"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["request_id"], ["market_requests.id"], name=op.f("fk_market_pledges_request_id_market_requests"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_pledges")),
        sa.UniqueConstraint("request_id", "member_id", name="uq_market_pledges_member"),
    )
    op.create_index(op.f("ix_market_pledges_request_id"), "market_pledges", ["request_id"])
    op.create_table(
        "market_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("announcement_id", sa.Integer(), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("value", sa.BigInteger(), nullable=True),
        sa.Column("delivered", sa.BigInteger(), nullable=True),
        sa.Column("month", sa.String(length=7), nullable=True),
        sa.Column("omzet_answer", sa.String(length=16), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["announcement_id"], ["announcements.id"], name=op.f("fk_market_followups_announcement_id_announcements"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cluster_id"], ["clusters.id"], name=op.f("fk_market_followups_cluster_id_clusters"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_market_followups_member_id_members"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["request_id"], ["market_requests.id"], name=op.f("fk_market_followups_request_id_market_requests"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_followups")),
        sa.UniqueConstraint("key", name=op.f("uq_market_followups_key")),
    )
    op.create_index(op.f("ix_market_followups_request_id"), "market_followups", ["request_id"])
    op.create_index(op.f("ix_market_followups_announcement_id"), "market_followups", ["announcement_id"])
    op.create_index(op.f("ix_market_followups_telegram_user_id"), "market_followups", ["telegram_user_id"])
    op.create_index(op.f("ix_market_followups_member_id"), "market_followups", ["member_id"])
    op.create_table(
        "market_preferences",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("only_my_products", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_market_preferences_member_id_members"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_market_preferences")),
    )


def downgrade() -> None:
    op.drop_table("market_preferences")
    op.drop_table("market_followups")
    op.drop_table("market_pledges")
    op.drop_table("market_request_clusters")
    op.drop_table("market_requests")
