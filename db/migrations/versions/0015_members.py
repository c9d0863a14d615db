"""Members first: a note with a month reported without sales, a typed (unverified) phone, and
the invite a person opened, remembered until they join or pick another cluster.

Revision ID: 0015_members
Revises: 0014_published_figures
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_members"
down_revision: str | None = "0014_published_figures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The condition of db.models at this revision, written out so this migration never changes.
REMINDER_KINDS = "kind IN ('omzet_reminder', 'omzet_nudge')"


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_reminder_message",
        "deliveries",
        ["chat_id", "telegram_message_id"],
        unique=False,
        sqlite_where=sa.text(REMINDER_KINDS),
        postgresql_where=sa.text(REMINDER_KINDS),
    )
    with op.batch_alter_table("monthly_reports") as batch:
        batch.add_column(sa.Column("note", sa.String(200), nullable=True))
    # Plain nullable columns only: SQLite adds them in place. A server default expression or a
    # foreign key would make batch mode copy and drop the table, and dropping `members` would
    # set every report's member_id to NULL through its ON DELETE SET NULL.
    with op.batch_alter_table("members") as batch:
        # False: typed by the member; True: shared with the contact button; NULL: from before
        # typed numbers were accepted (all of them came from the button).
        batch.add_column(sa.Column("phone_verified", sa.Boolean(), nullable=True))
    with op.batch_alter_table("telegram_users") as batch:
        batch.add_column(sa.Column("invite_cluster_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_index("ix_deliveries_reminder_message", table_name="deliveries")
    with op.batch_alter_table("telegram_users") as batch:
        batch.drop_column("invite_cluster_id")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("phone_verified")
    with op.batch_alter_table("monthly_reports") as batch:
        batch.drop_column("note")
