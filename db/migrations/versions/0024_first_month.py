"""members.first_month: the member's earliest reported month, kept by triggers on monthly_reports.

Growth by cohort groups members by their first reported month; it used to look that up per
member (a MIN over their reports) on every view. The month now sits on the member row, written
in the statement that writes the report (a trigger: no statement of its own, and right
whichever path writes — the chat, an import, the CLI, a bulk load, plain SQL). A report only
ever moves the month earlier when it is added; a report deleted or unlinked from its member
(privacy erasure sets member_id to NULL) recounts that member's month.

On PostgreSQL the insert trigger is per statement over its transition table, so a bulk COPY of
reports costs one set-based UPDATE, not one per row.

Revision ID: 0024_first_month
Revises: 0023_enquiry_drafts
Create Date: 2026-12-01 13:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_first_month"
down_revision: str | None = "0023_enquiry_drafts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = (
    "UPDATE members SET first_month = "
    "(SELECT min(r.month) FROM monthly_reports r WHERE r.member_id = members.id)"
)


def _recount(member: str) -> str:
    return (
        f"UPDATE members SET first_month = (SELECT min(r.month) FROM monthly_reports r "
        f"WHERE r.member_id = {member}) WHERE id = {member}"
    )


SQLITE_TRIGGERS = {
    "monthly_reports_first_month_insert": (
        "AFTER INSERT ON monthly_reports WHEN NEW.member_id IS NOT NULL BEGIN "
        "UPDATE members SET first_month = NEW.month WHERE id = NEW.member_id "
        "AND (first_month IS NULL OR first_month > NEW.month); END"
    ),
    "monthly_reports_first_month_delete": (
        f"AFTER DELETE ON monthly_reports WHEN OLD.member_id IS NOT NULL BEGIN {_recount('OLD.member_id')}; END"
    ),
    "monthly_reports_first_month_move": (
        "AFTER UPDATE OF member_id, month ON monthly_reports BEGIN "
        f"{_recount('OLD.member_id')}; {_recount('NEW.member_id')}; END"
    ),
}

POSTGRESQL = [
    "CREATE FUNCTION members_first_month_added() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE members m SET first_month = added.first_month "
    "FROM (SELECT member_id, min(month) AS first_month FROM added_reports "
    "WHERE member_id IS NOT NULL GROUP BY member_id) added "
    "WHERE m.id = added.member_id AND (m.first_month IS NULL OR m.first_month > added.first_month); "
    "RETURN NULL; END $$",
    "CREATE TRIGGER monthly_reports_first_month_insert AFTER INSERT ON monthly_reports "
    "REFERENCING NEW TABLE AS added_reports FOR EACH STATEMENT EXECUTE FUNCTION members_first_month_added()",
    "CREATE FUNCTION members_first_month_recount() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF OLD.member_id IS NOT NULL THEN {_recount('OLD.member_id')}; END IF; "
    f"IF TG_OP = 'UPDATE' AND NEW.member_id IS NOT NULL THEN {_recount('NEW.member_id')}; END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER monthly_reports_first_month_delete AFTER DELETE ON monthly_reports "
    "FOR EACH ROW EXECUTE FUNCTION members_first_month_recount()",
    "CREATE TRIGGER monthly_reports_first_month_move AFTER UPDATE OF member_id, month ON monthly_reports "
    "FOR EACH ROW WHEN (OLD.member_id IS DISTINCT FROM NEW.member_id OR OLD.month IS DISTINCT FROM NEW.month) "
    "EXECUTE FUNCTION members_first_month_recount()",
]


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of `members`, which other tables reference).
    op.add_column("members", sa.Column("first_month", sa.String(length=7), nullable=True))
    op.execute(BACKFILL)
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL:
            op.execute(statement)
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON monthly_reports")
        op.execute("DROP FUNCTION members_first_month_recount()")
        op.execute("DROP FUNCTION members_first_month_added()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("first_month")
