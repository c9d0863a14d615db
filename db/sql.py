"""Small SQL helpers the query modules share: the dialect's upsert, reading in keyset pages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Row, Select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


def dialect_insert(session: AsyncSession | AsyncConnection) -> Any:
    """`insert` of the session's dialect: both have ON CONFLICT (DO NOTHING / DO UPDATE)."""
    bind = session.get_bind() if isinstance(session, AsyncSession) else session
    return postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert


async def keyset_pages(session: AsyncSession, query: Select[Any], key: Any, size: int) -> AsyncIterator[Sequence[Row[Any]]]:
    """`query`'s rows, `size` at a time in `key` order (key > last seen, not OFFSET): a huge
    result never sits in memory at once and every page is one index seek. `key` must be the
    first selected column and unique."""
    after = None
    while True:
        page = query if after is None else query.where(key > after)
        rows = (await session.execute(page.order_by(key).limit(size))).all()
        if rows:
            yield rows
        if len(rows) < size:
            return
        after = rows[-1][0]


class Prepared:
    """A statement built once per dialect and run with bound parameters.

    Building a statement and computing its cache key cost more CPU than running it on the hot
    path (measured: the sender's statement, 0.9 ms built each time, 0.35 ms built once, on
    SQLite): the statement object is kept, so SQLAlchemy finds its compiled form at once."""

    def __init__(self, build: Any) -> None:
        self._build = build
        self._built: dict[str, Any] = {}

    def __call__(self, session: AsyncSession | AsyncConnection) -> Any:
        bind = session.get_bind() if isinstance(session, AsyncSession) else session
        name = bind.dialect.name
        statement = self._built.get(name)
        if statement is None:
            statement = self._built[name] = self._build(name)
        return statement
