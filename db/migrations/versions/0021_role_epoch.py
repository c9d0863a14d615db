"""A role epoch: one counter that triggers bump whenever role grants or cluster names change.

Each process keeps role grants while the epoch it reads with the sender stays (db/role_cache.py),
so the grants are not read on every update, and a grant or revoke by any path (chat, CLI,
import, plain SQL) is seen on the next update, in this instance or another.

Revision ID: 0021_role_epoch
Revises: 0020_senders_and_consent
Create Date: 2026-12-01 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_role_epoch"
down_revision: str | None = "0020_senders_and_consent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = "UPDATE role_epoch SET epoch = epoch + 1 WHERE id = 1"
# (trigger name, SQLite event, table)
SQLITE_TRIGGERS = [
    ("role_grants_epoch_insert", "INSERT", "role_grants"),
    ("role_grants_epoch_update", "UPDATE", "role_grants"),
    ("role_grants_epoch_delete", "DELETE", "role_grants"),
    ("clusters_epoch_rename", "UPDATE OF name", "clusters"),
    ("clusters_epoch_delete", "DELETE", "clusters"),
]


def upgrade() -> None:
    op.create_table(
        "role_epoch",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_epoch")),
    )
    op.execute("INSERT INTO role_epoch (id, epoch) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION bump_role_epoch() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER role_grants_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON role_grants "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_role_epoch()"
        )
        op.execute(
            "CREATE TRIGGER clusters_epoch AFTER UPDATE OF name OR DELETE ON clusters "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_role_epoch()"
        )
    else:
        for name, event, table in SQLITE_TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER clusters_epoch ON clusters")
        op.execute("DROP TRIGGER role_grants_epoch ON role_grants")
        op.execute("DROP FUNCTION bump_role_epoch()")
    else:
        for name, _, _ in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("role_epoch")
