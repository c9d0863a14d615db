"""Actions that happen once: an announcement keeps the draft it came from (unique), and a
person chairs a cluster through one grant at most (a partial unique index).

Revision ID: 0010_claimed_actions
Revises: 0009_update_fingerprints
Create Date: 2026-11-30 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_claimed_actions"
down_revision: str | None = "0009_update_fingerprints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same condition as db.models.CHAIR_GRANT, written out so this migration never changes.
CHAIR_GRANT = "role = 'ketua'"


def upgrade() -> None:
    with op.batch_alter_table("announcements") as batch:
        batch.add_column(sa.Column("draft_key", sa.String(length=32), nullable=True))
        batch.create_unique_constraint("uq_announcements_draft_key", ["draft_key"])
    # A double press before this revision may have left two grants for one chair: keep the first.
    op.execute(
        "DELETE FROM role_grants WHERE role = 'ketua' AND id NOT IN ("
        " SELECT min(id) FROM role_grants WHERE role = 'ketua' GROUP BY telegram_user_id, cluster_id)"
    )
    op.create_index(
        "uq_role_grants_chair",
        "role_grants",
        ["telegram_user_id", "cluster_id"],
        unique=True,
        sqlite_where=sa.text(CHAIR_GRANT),
        postgresql_where=sa.text(CHAIR_GRANT),
    )


def downgrade() -> None:
    op.drop_index("uq_role_grants_chair", table_name="role_grants")
    with op.batch_alter_table("announcements") as batch:
        batch.drop_constraint("uq_announcements_draft_key", type_="unique")
        batch.drop_column("draft_key")
