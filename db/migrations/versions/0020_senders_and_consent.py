"""Who sent an announcement, as members read it, and a member's consent to pass their phone to a buyer.

- announcements.sender_role / sender_place / sender_region: the role the announcement was sent in
  (ketua, koordinator) and its cluster or kabupaten, recorded at publication, so /info shows
  the same "Dari: ..." line as the member's copy after the author's roles change. No name: the
  name is read from the author's member row, so erasing their data removes it.
- announcement_responses.phone_to_buyer_at / phone_to_buyer_version: when a member who answered
  "Saya tertarik" agreed that the sender may pass their phone number to the buyer (and the
  version of the text they agreed to); without it the interest list's spreadsheet carries no phone.

Revision ID: 0020_senders_and_consent
Revises: 0016_criteria
Create Date: 2026-12-01 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_senders_and_consent"
down_revision: str | None = "0016_criteria"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN, nullable (no batch copy: copying `announcements` would go
    # through its deliveries' ON DELETE CASCADE). Older rows keep NULL: "not recorded".
    op.add_column("announcements", sa.Column("sender_role", sa.String(length=16), nullable=True))
    op.add_column("announcements", sa.Column("sender_place", sa.String(length=200), nullable=True))
    op.add_column("announcements", sa.Column("sender_region", sa.Boolean(), nullable=True))
    op.add_column("announcement_responses", sa.Column("phone_to_buyer_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("announcement_responses", sa.Column("phone_to_buyer_version", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("announcement_responses") as batch:
        batch.drop_column("phone_to_buyer_version")
        batch.drop_column("phone_to_buyer_at")
    with op.batch_alter_table("announcements") as batch:
        batch.drop_column("sender_region")
        batch.drop_column("sender_place")
        batch.drop_column("sender_role")
