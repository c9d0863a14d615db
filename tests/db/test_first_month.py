"""members.first_month (migration 0024_first_month): backfilled from the reports a database
already holds, then kept by triggers whichever path writes a report, on both dialects."""

from __future__ import annotations

from sqlalchemy import text

from db.migrate import upgrade_to_head
from db.session import create_engine

CLUSTER = (
    "INSERT INTO clusters (id, name, kabupaten, province, commodity, invite_code, requires_approval, timezone, created_at)"
    " VALUES (1, 'Batik', 'Pekalongan', 'Jawa Tengah', 'batik', 'abc', false, 'Asia/Jakarta', '2026-01-01 00:00:00+00')"
)


def _member(member_id: int) -> str:
    return (
        "INSERT INTO members (id, telegram_user_id, chat_id, name, cluster_id, status, joined_at, consent_at,"
        " consent_version, announcements_paused, updated_at)"
        f" VALUES ({member_id}, {40 + member_id}, {40 + member_id}, 'Anggota', 1, 'active', '2026-01-01 00:00:00+00',"
        " '2026-01-01 00:00:00+00', '2026-11', false, '2026-01-01 00:00:00+00')"
    )


def _report(member_id: int, month: str) -> str:
    return (
        "INSERT INTO monthly_reports (member_id, cluster_id, month, amount, no_sales, reported_at, updated_at, version)"
        f" VALUES ({member_id}, 1, '{month}', 1000000, false, '2026-11-01 00:00:00+00', '2026-11-01 00:00:00+00', 1)"
    )


async def _downgrade_to(engine, revision: str) -> None:
    from alembic import command

    from db.migrate import alembic_config

    def downgrade(connection):
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with engine.connect() as connection:
        await connection.run_sync(downgrade)
        await connection.commit()


async def _first_months(connection) -> dict[int, str | None]:
    rows = await connection.execute(text("SELECT id, first_month FROM members ORDER BY id"))
    return {member_id: month for member_id, month in rows.all()}


async def test_existing_reports_are_backfilled_and_later_writes_keep_the_month(database_url):
    engine = create_engine(database_url)
    try:
        await _downgrade_to(engine, "0023_enquiry_drafts")
        async with engine.begin() as connection:
            for statement in (
                CLUSTER, _member(1), _member(2), _member(3),
                _report(1, "2026-05"), _report(1, "2026-03"), _report(1, "2026-09"), _report(2, "2026-10"),
            ):
                await connection.execute(text(statement))
        await upgrade_to_head(engine)
        async with engine.begin() as connection:
            # Backfilled: the earliest month each member reported; none for a member without reports.
            assert await _first_months(connection) == {1: "2026-03", 2: "2026-10", 3: None}
            # Written in the report's own statement from now on: an earlier month moves it, a
            # later one does not, a first report sets it.
            await connection.execute(text(_report(2, "2026-08")))
            await connection.execute(text(_report(1, "2026-11")))
            await connection.execute(text(_report(3, "2026-07")))
            assert await _first_months(connection) == {1: "2026-03", 2: "2026-08", 3: "2026-07"}
            # A report no longer linked to its member (erasure keeps the figure) or deleted:
            # the member's month is counted again from what remains.
            await connection.execute(text("UPDATE monthly_reports SET member_id = NULL WHERE member_id = 1 AND month = '2026-03'"))
            await connection.execute(text("DELETE FROM monthly_reports WHERE member_id = 2 AND month = '2026-08'"))
            await connection.execute(text("DELETE FROM monthly_reports WHERE member_id = 3"))
            assert await _first_months(connection) == {1: "2026-05", 2: "2026-10", 3: None}
            # An edit of the amount changes nothing.
            await connection.execute(text("UPDATE monthly_reports SET amount = 5 WHERE member_id = 1"))
            assert await _first_months(connection) == {1: "2026-05", 2: "2026-10", 3: None}
    finally:
        await engine.dispose()
