"""announcements.progress_edit_until: the lease of the one edit of an author's progress message
in flight. While it holds, nobody else edits that message nor finishes the send, and the final
report waits for it: a slow edit ("4 of 5") can no longer arrive after the final report.

Revision ID: 0022_progress_lease
Revises: 0021_role_epoch
Create Date: 2026-12-01 12:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_progress_lease"
down_revision: str | None = "0021_role_epoch"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of `announcements`, whose deliveries cascade).
    op.add_column("announcements", sa.Column("progress_edit_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("announcements") as batch:
        batch.drop_column("progress_edit_until")
