"""SQLite through aiosqlite in one hop to its thread per statement, instead of four.

aiosqlite runs every sqlite3 call in a thread of its own; SQLAlchemy's adapter makes one call
each to open a cursor, execute, fetch and close it, and rolls back on every return of a
connection to the pool, even after a commit. Each hop is a queue put, a thread switch and a
future woken back on the event loop: measured, a report (two updates, 13 statements) made 52
hops, about half of the bot's CPU per update on SQLite. Here a statement is one function run
in that thread (cursor, execute, fetch, close; a transaction's BEGIN goes with its first
statement), and a return to the pool with no transaction open does not hop at all: 14 hops
for the same report (a statement each, and the two commits).

It is SQLAlchemy's own aiosqlite adapter with those two methods replaced, handed to the
engine as its DBAPI (`create_engine(module=...)`); URLs stay `sqlite+aiosqlite://`. Results
stream (server-side cursors, `AsyncSession.stream`) keep the adapter's cursor, which fetches
as it goes.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from threading import Thread
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, list[Any], int, int | None]  # description, rows, rowcount, lastrowid


def _run(connection: sqlite3.Connection, begin: str | None, operation: str, parameters: Any, many: bool) -> _Outcome:
    """In aiosqlite's thread: the transaction's BEGIN when this is its first statement, the
    whole statement, and what the cursor would have answered."""
    if begin is not None:
        connection.execute(begin)
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor that exists only as the answer of one statement (no sqlite3 cursor is kept)."""

    __slots__ = ("_answer",)

    def __init__(self, adapt_connection: Any) -> None:  # no call into the thread to open one
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._answer: _Outcome = (None, [], -1, None)

    @property
    def description(self) -> Any:
        return self._answer[0]

    @property
    def rowcount(self) -> int:
        return self._answer[2]

    @property
    def lastrowid(self) -> Any:
        return self._answer[3]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _statement(self, operation: Any, parameters: Any, many: bool) -> None:
        connection = self._adapt_connection
        async with connection._execute_mutex:
            begin, connection.begin_with = connection.begin_with, None
            self._answer = await self._connection._execute(
                _run, self._connection._conn, begin, operation, parameters, many
            )
            self._rows = collections.deque(self._answer[1])

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._statement(operation, parameters, False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> None:
        await self._statement(operation, seq_of_parameters, True)

    async def _async_soft_close(self) -> None:
        return None  # nothing is open

    def close(self) -> None:
        self._rows.clear()

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None  # sqlite3 ignores them


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """`begin_with`: the BEGIN of a transaction begun but not yet sent, which goes out with
    its first statement (db.session's "begin" hook sets it) rather than in a hop of its own."""

    __slots__ = ("begin_with",)
    _cursor_cls = OneHopCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.begin_with: str | None = None

    def commit(self) -> None:
        if self.begin_with is not None:  # begun, nothing ran: there is nothing to commit
            self.begin_with = None
            return
        super().commit()

    def rollback(self) -> None:
        self.begin_with = None
        # The pool rolls back every connection it takes back; after a commit there is nothing
        # to undo, and sqlite3 says so without entering the thread.
        connection = self._connection._connection
        if connection is not None and not connection.in_transaction:
            return
        super().rollback()


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        connection = self.aiosqlite.connect(*arg, **kw)
        # As SQLAlchemy's adapter does: the thread must not keep the process alive.
        thread = connection if isinstance(connection, Thread) else connection._thread
        thread.daemon = True
        return OneHopConnection(self, await_(connection))


def one_hop_dbapi() -> OneHopDBAPI:
    return OneHopDBAPI(aiosqlite, sqlite3)
