"""Fixtures: a migrated database per test (SQLite file, or PostgreSQL when asked), the bot."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import Settings
from bot.shell.sandbox.core import FakeBotApi
from db.migrate import upgrade_to_head
from db.models import Base
from db.session import create_engine
from tests.support.harness import TEST_TOKEN, Harness

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")

# The suite drops and recreates the public schema of the database TEST_DATABASE_URL names (and
# makes scratch databases beside it). Only a database whose name says it is for tests is ever
# touched: a production `klasterbot` database set there by mistake is refused before anything.
TEST_DATABASE_PREFIX = "test"


def _postgres_target() -> str:
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_URL)
    return f"'{url.database}' on {url.host or 'localhost'}:{url.port or 5432}"


def pytest_configure(config: pytest.Config) -> None:
    if not POSTGRES_URL:
        return
    from sqlalchemy.engine import make_url

    name = make_url(POSTGRES_URL).database or ""
    if not name.startswith(TEST_DATABASE_PREFIX):
        raise pytest.UsageError(
            f"TEST_DATABASE_URL names the database {_postgres_target()}: the suite empties the database "
            f"it is given, so it only runs on one whose name starts with '{TEST_DATABASE_PREFIX}' "
            f"(e.g. test_klasterbot). Nothing was touched."
        )


def pytest_report_header(config: pytest.Config) -> str | None:
    if not POSTGRES_URL:
        return "database: a SQLite file per test (TEST_DATABASE_URL not set)"
    return f"database: PostgreSQL {_postgres_target()}; its public schema is dropped and recreated"


async def _migrate(url: str, *, reset_postgres: bool = False) -> None:
    engine = create_engine(url)
    try:
        if reset_postgres:
            async with engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per session (through Alembic, so every run exercises the migrations)."""
    if POSTGRES_URL:
        asyncio.run(_migrate(POSTGRES_URL, reset_postgres=True))
        return POSTGRES_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return str(path)


@pytest.fixture
async def database_url(migrated_template: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database at head with no rows: a copy of the template, or a truncated PostgreSQL."""
    if POSTGRES_URL:
        engine = create_engine(POSTGRES_URL)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            # The one row migration 0021_role_epoch writes, as a fresh database has it.
            await connection.execute(text("INSERT INTO role_epoch (id, epoch) VALUES (1, 0)"))
        await engine.dispose()
        yield POSTGRES_URL
        return
    path = tmp_path / "klasterbot.db"
    shutil.copyfile(migrated_template, path)
    yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Background tasks off: tests drive the outbox and jobs by hand with a controllable clock.
    # The send rate is high so that thousands of deliveries take seconds, not minutes.
    return Settings(
        token=TEST_TOKEN,
        database_url=database_url,
        api_base_url="http://sandbox.invalid",
        run_background_tasks=False,
        max_messages_per_second=5000.0,
    )


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
async def bot(settings: Settings, api: FakeBotApi) -> AsyncIterator[Harness]:
    """The real Application, initialised against the fake Bot API; checks the API contract."""
    harness = await Harness(settings, api).start()
    try:
        yield harness
    finally:
        await harness.stop()
    assert not api.unknown_methods, f"bot called methods the fake API does not know: {api.unknown_methods}"
    assert not api.unanswered_callbacks, "every button press must be answered"
    if not harness.expect_errors:
        assert not harness.errors.records, [r.getMessage() for r in harness.errors.records]
