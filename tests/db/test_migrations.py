"""Alembic owns the schema: an empty database upgrades to head, matching the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from db.migrate import current_revision, head_revision, upgrade_to_head
from db.models import Base
from db.session import create_engine


async def test_empty_database_upgrades_to_head_and_matches_models(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert await current_revision(engine) is None
        await upgrade_to_head(engine)
        assert await current_revision(engine) == head_revision()

        def diff(connection):
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)

        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert set(Base.metadata.tables) <= tables
        # Running it again is harmless (the bot upgrades at every start).
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()


async def test_test_database_matches_models(database_url):
    """The same check on the suite's database (PostgreSQL when TEST_DATABASE_URL is set)."""
    engine = create_engine(database_url)
    try:
        def diff(connection):
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)

        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []
    finally:
        await engine.dispose()


async def test_sqlite_runs_in_wal_mode_with_busy_timeout(tmp_path):
    from sqlalchemy import text

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'wal.db'}")
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await connection.execute(text("PRAGMA busy_timeout"))).scalar() == 30000
            assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await engine.dispose()


async def _upgrade_to(engine, revision: str) -> None:
    from alembic import command

    from db.migrate import alembic_config

    def upgrade(connection):
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.connect() as connection:
        await connection.run_sync(upgrade)
        await connection.commit()


async def test_upgrading_a_database_in_use_keeps_every_row(tmp_path):
    """SQLite rebuilds tables in batch mode (copy, DROP, rename): with foreign keys on, the DROP
    would cascade and delete every row that points at the table. A database with an
    announcement on its way out keeps its audience, its deliveries and its members' reports."""
    from sqlalchemy import text

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await _upgrade_to(engine, "0009_update_fingerprints")
        async with engine.begin() as connection:
            for statement in (
                "INSERT INTO clusters (id, name, kabupaten, province, commodity, invite_code, requires_approval, timezone, created_at)"
                " VALUES (1, 'Batik', 'Pekalongan', 'Jawa Tengah', 'batik', 'abc', 0, 'Asia/Jakarta', '2026-11-01 00:00:00')",
                "INSERT INTO members (id, telegram_user_id, chat_id, name, cluster_id, status, joined_at, consent_at, consent_version, announcements_paused, updated_at)"
                " VALUES (1, 42, 42, 'Siti', 1, 'active', '2026-10-01 00:00:00', '2026-10-01 00:00:00', '2026-11', 0, '2026-10-01 00:00:00')",
                "INSERT INTO announcements (id, author_telegram_user_id, kind, text, created_at, status, recipients, unreachable, progress_sent)"
                " VALUES (1, 7, 'umum', 'Rapat', '2026-11-01 00:00:00', 'sending', 1, 0, 0)",
                "INSERT INTO announcement_clusters (announcement_id, cluster_id) VALUES (1, 1)",
                "INSERT INTO deliveries (kind, dedupe_key, announcement_id, member_id, chat_id, payload, status, attempts, not_before, created_at)"
                " VALUES ('announcement', 'ann:1:1', 1, 1, 42, '{}', 'pending', 0, '2026-11-01 00:00:00', '2026-11-01 00:00:00')",
            ):
                await connection.execute(text(statement))
        await upgrade_to_head(engine)
        async with engine.connect() as connection:
            counts = {
                table: (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar()
                for table in ("announcements", "announcement_clusters", "deliveries", "members")
            }
            # And the pooled connection has its foreign keys back on.
            assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert counts == {"announcements": 1, "announcement_clusters": 1, "deliveries": 1, "members": 1}
    finally:
        await engine.dispose()


async def test_a_deleted_members_id_is_never_given_again(database_url):
    """A refused request is deleted; the next member must not get its id (notices and buttons
    are keyed by it). SQLite needs AUTOINCREMENT for that; PostgreSQL's sequences never reuse."""
    from datetime import UTC, datetime

    from sqlalchemy import delete, insert, select

    from db.models import Cluster, Member

    engine = create_engine(database_url)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    row = {"cluster_id": 1, "status": "pending", "joined_at": now, "consent_at": now, "consent_version": "x", "updated_at": now}
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(Cluster).values(
                id=1, name="Batik", kabupaten="Pekalongan", province="Jawa Tengah", commodity="batik",
                invite_code="abc", requires_approval=True, timezone="Asia/Jakarta", created_at=now))
            first = (await connection.execute(insert(Member).values(telegram_user_id=1, **row).returning(Member.id))).scalar()
            await connection.execute(delete(Member).where(Member.id == first))
            second = (await connection.execute(insert(Member).values(telegram_user_id=2, **row).returning(Member.id))).scalar()
            assert (await connection.execute(select(Member.id))).scalars().all() == [second]
        assert second > first
    finally:
        await engine.dispose()
