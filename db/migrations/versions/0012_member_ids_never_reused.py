"""Members: on SQLite an id is never given again (AUTOINCREMENT).

Without it SQLite reuses the highest id once that row is deleted, and a refused join request is
deleted while it is usually the newest: the person's next request got the same id, so the
notices keyed by it (the request to the chair, the decision) were taken as already sent, and an
old "Terima" button approved the new request. PostgreSQL's sequences never reuse an id.

Revision ID: 0012_member_ids_never_reused
Revises: 0011
Create Date: 2026-12-01 11:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_member_ids_never_reused"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # Rebuilt with foreign keys off (env.py): the rows pointing at members stay.
    with op.batch_alter_table("members", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
        pass


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("members", recreate="always", table_kwargs={"sqlite_autoincrement": False}):
        pass
