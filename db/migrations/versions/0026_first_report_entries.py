"""report_first_entries (SQLite): a member's first report of a month in one statement.

On PostgreSQL the statement that adds a first report also writes its first version and moves
the cluster-month's total (data-modifying CTEs, db.repositories._first_report_statement).
SQLite has no writing CTEs; inserting into this view does the same three writes in its
INSTEAD OF trigger, so a report costs SQLite one statement there too, not three.

A view, not a trigger on monthly_reports: only the chat's first report goes through it. A bulk
load, a copy between databases or the demo writes its own versions and recounts its totals
(db.copy, summary_queries.rebuild_upkeep), and a trigger on the table would write them twice.
The view reads as empty; the insert's RETURNING reads the new report's id after the trigger.

Revision ID: 0026_first_report_entries
Revises: 0025_published_index
Create Date: 2026-12-01 19:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026_first_report_entries"
down_revision: str | None = "0025_published_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "member_id, cluster_id, month, amount, no_sales, note, reported_at, updated_at, version, baseline_sum"

VIEW = (
    f"CREATE VIEW report_first_entries AS SELECT {COLUMNS}, NULL AS earlier "
    "FROM monthly_reports WHERE 0"
)

TRIGGER = (
    "CREATE TRIGGER report_first_entries_insert INSTEAD OF INSERT ON report_first_entries BEGIN "
    f"INSERT INTO monthly_reports ({COLUMNS}) VALUES ("
    + ", ".join(f"NEW.{name.strip()}" for name in COLUMNS.split(","))
    + "); "
    "INSERT INTO report_versions (report_id, version, old_amount, old_no_sales, new_amount, new_no_sales, recorded_at) "
    "VALUES (last_insert_rowid(), NEW.version, NULL, NULL, NEW.amount, NEW.no_sales, NEW.updated_at); "
    "INSERT INTO cluster_month_totals (month, cluster_id, reporters, total) "
    "VALUES (NEW.month, NEW.cluster_id, 1, NEW.amount) "
    "ON CONFLICT (month, cluster_id) DO UPDATE SET reporters = reporters + 1, total = total + excluded.total; "
    "END"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(VIEW)
    op.execute(TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER report_first_entries_insert")
    op.execute("DROP VIEW report_first_entries")
