"""Katalog klaster: members' products with photos, the search index of published products,
and buyers' enquiries relayed through the bot; a member may stop enquiries.

Revision ID: 0018_catalogue
Revises: 0017_requests_and_pledges
Create Date: 2026-12-05 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_catalogue"
down_revision: str | None = "0017_requests_and_pledges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain nullable column: SQLite adds it in place (no table copy of `members`).
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("enquiries_stopped", sa.Boolean(), nullable=True))
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(60), nullable=True),
        sa.Column("unit", sa.String(30), nullable=False),
        sa.Column("retail_price", sa.BigInteger(), nullable=True),
        sa.Column("wholesale_price", sa.BigInteger(), nullable=True),
        sa.Column("min_order", sa.Integer(), nullable=True),
        sa.Column("capacity_per_month", sa.Integer(), nullable=True),
        sa.Column("lead_days", sa.Integer(), nullable=True),
        sa.Column("certificates", sa.JSON(), nullable=False),
        sa.Column("show_phone", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("published", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_products_member_id_members"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cluster_id"], ["clusters.id"], name=op.f("fk_products_cluster_id_clusters"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_products_member_id"), "products", ["member_id"])
    op.create_index(op.f("ix_products_cluster_id"), "products", ["cluster_id"])
    op.create_index(op.f("ix_products_published"), "products", ["published"])
    op.create_table(
        "product_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("telegram_file_id", sa.String(200), nullable=False),
        sa.Column("jpeg", sa.LargeBinary(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_product_photos_product_id_products"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_photos")),
    )
    op.create_index(op.f("ix_product_photos_product_id"), "product_photos", ["product_id"])
    op.create_table(
        "product_words",
        sa.Column("word", sa.String(40), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_product_words_product_id_products"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("word", "product_id", name=op.f("pk_product_words")),
    )
    op.create_index(op.f("ix_product_words_product_id"), "product_words", ["product_id"])
    op.create_table(
        "catalogue_words",
        sa.Column("word", sa.String(40), nullable=False),
        sa.Column("products", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_catalogue_words")),
    )
    op.create_index(op.f("ix_catalogue_words_length"), "catalogue_words", ["length"])
    op.create_table(
        "enquiries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("buyer_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("buyer_name", sa.String(100), nullable=True),
        sa.Column("buyer_username", sa.String(64), nullable=True),
        sa.Column("what", sa.String(300), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("needed_by", sa.String(100), nullable=True),
        sa.Column("deliver_to", sa.String(200), nullable=True),
        sa.Column("routed_to", sa.String(16), nullable=False),
        sa.Column("buyer_shares_contact", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("member_shares_contact", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_enquiries_product_id_products"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_enquiries_member_id_members"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["cluster_id"], ["clusters.id"], name=op.f("fk_enquiries_cluster_id_clusters"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enquiries")),
    )
    op.create_index(op.f("ix_enquiries_product_id"), "enquiries", ["product_id"])
    op.create_index(op.f("ix_enquiries_member_id"), "enquiries", ["member_id"])
    op.create_index("ix_enquiries_buyer_created", "enquiries", ["buyer_telegram_id", "created_at"])


def downgrade() -> None:
    op.drop_table("enquiries")
    op.drop_table("catalogue_words")
    op.drop_table("product_words")
    op.drop_table("product_photos")
    op.drop_table("products")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("enquiries_stopped")
