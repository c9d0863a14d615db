"""A larger enquiry becomes a draft market request for the cluster's chair: the draft's key,
where it stands (waiting, opened, posted, discarded) and the chair who opened it.

Revision ID: 0023_enquiry_drafts
Revises: 0022_progress_lease
Create Date: 2026-12-06 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_enquiry_drafts"
down_revision: str | None = "0022_progress_lease"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enquiries") as batch:
        batch.add_column(sa.Column("draft_key", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("draft_state", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("draft_by", sa.BigInteger(), nullable=True))
        batch.create_unique_constraint(op.f("uq_enquiries_draft_key"), ["draft_key"])


def downgrade() -> None:
    with op.batch_alter_table("enquiries") as batch:
        batch.drop_constraint(op.f("uq_enquiries_draft_key"), type_="unique")
        batch.drop_column("draft_by")
        batch.drop_column("draft_state")
        batch.drop_column("draft_key")
