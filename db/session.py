"""Engine and session factory for a DATABASE_URL (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from db.sqlite_one_hop import OneHopConnection, one_hop_dbapi

SQLITE_BUSY_TIMEOUT_SECONDS = 30

# Execution option read by the SQLite "begin" hook: writers take the lock up front
# (BEGIN IMMEDIATE) so two writers never deadlock on lock upgrade; readers stay DEFERRED.
SQLITE_BEGIN_OPTION = "klasterbot_sqlite_begin"


def is_sqlite(url: str) -> bool:
    """True when the URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine with the settings each backend needs."""
    parsed = make_url(url)
    # Statement parameters are members' names, phones and amounts: never in an error's text,
    # so never in a log line or traceback (UU PDP).
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        uri = str(parsed.query.get("uri", "")).lower() in ("true", "1")
        if database and database != ":memory:" and not uri:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            # A file that cannot be opened fails here, at once and in this thread; inside
            # aiosqlite's worker thread it would also print a traceback after the loop closed.
            sqlite3.connect(database).close()
        if parsed.get_driver_name() == "aiosqlite":
            # One call into aiosqlite's thread per statement (db/sqlite_one_hop.py).
            kwargs.setdefault("module", one_hop_dbapi())
        engine = create_async_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
        driver = connection.connection.dbapi_connection
        if isinstance(driver, OneHopConnection):
            driver.begin_with = f"BEGIN {mode}"  # sent with the first statement, in its hop
        else:
            connection.exec_driver_sql(f"BEGIN {mode}")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker:
    """Sessions that keep loaded values after commit (services return plain copies anyway)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
