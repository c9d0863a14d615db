"""Processed updates remember a fingerprint of the update's content with its id.

Telegram starts update ids again after a quiet week (and a fresh emulator does on an old
database): an id alone then looks like a redelivery and the new update was ignored. Rows from
before this revision get an empty fingerprint, which no update has, so an id seen before the
upgrade counts as a new update (at worst one update in flight during the upgrade is handled
twice; its actions are claimed in the database anyway).

Revision ID: 0009_update_fingerprints
Revises: 0008_membership_periods
Create Date: 2026-11-30 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_update_fingerprints"
down_revision: str | None = "0008_membership_periods"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=64), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_column("fingerprint")
