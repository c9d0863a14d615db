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
