"""SQLite statements cost one call into aiosqlite's thread (db/sqlite_one_hop.py), and still
answer everything SQLAlchemy asks of a cursor: rows, rowcount, lastrowid, executemany, errors,
streamed results, and a rollback that undoes."""

from __future__ import annotations

import collections

import aiosqlite.core
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from db.session import create_engine


@pytest.fixture
async def engine(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'hops.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def hops(monkeypatch):
    seen: collections.Counter[str] = collections.Counter()
    original = aiosqlite.core.Connection._execute

    async def counting(self, fn, *args, **kwargs):
        seen[getattr(fn, "__name__", "?")] += 1
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counting)
    return seen


async def test_a_transaction_costs_one_hop_per_statement_and_one_to_commit(engine, hops):
    async with engine.connect() as connection:  # the pool's connection is opened before counting
        pass
    hops.clear()
    async with engine.begin() as connection:
        inserted = await connection.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert inserted.rowcount == 1 and inserted.lastrowid == 1
        await connection.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "b"}, {"n": "c"}])
        rows = (await connection.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [(1, "a"), (2, "b"), (3, "c")]
        updated = await connection.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert updated.rowcount == 2
    # Four statements (BEGIN goes with the first), COMMIT; handing the connection back after
    # a commit costs none.
    assert hops == {"_run": 4, "commit": 1}, hops


async def test_the_begin_sent_with_the_first_statement_takes_the_write_lock(engine, tmp_path):
    # BEGIN IMMEDIATE, even though it travels with a SELECT: a second writer must wait for
    # the first (here: give up at once), never find out at its first write.
    import sqlite3

    async with engine.begin() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM t")) == 0
        other = sqlite3.connect(tmp_path / "hops.db", timeout=0)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()
    async with engine.begin() as connection:  # begun, nothing sent: commits without a hop
        pass


async def test_errors_rollbacks_and_streams_still_work(engine):
    async with engine.connect() as connection:
        await connection.execute(text("INSERT INTO t (name) VALUES ('a')"))
        await connection.rollback()
        assert await connection.scalar(text("SELECT count(*) FROM t")) == 0
        await connection.commit()
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (name) VALUES ('a')"))
            await connection.execute(text("INSERT INTO t (name) VALUES ('a')"))
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM t")) == 0  # all undone
        await connection.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": f"n{i}"} for i in range(250)])
        await connection.commit()
        streamed = await connection.stream(text("SELECT name FROM t ORDER BY id"))
        names = [row[0] async for row in streamed]
        assert len(names) == 250 and names[0] == "n0"
