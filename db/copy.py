"""Copy every row from one database to another at the same schema (SQLite -> PostgreSQL).

`klasterbot db copy --to URL`: the target is migrated to head first and must be empty; rows go
table by table in dependency order, in one transaction on the target, so a failed copy leaves
nothing behind. Sequences on PostgreSQL are moved past the copied ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.migrate import current_revision, upgrade_to_head
from db.models import Base

CHUNK = 1000
# Rows the migrations write themselves (the role epoch's one row): the target has its own.
MIGRATION_ROWS = {"role_epoch"}


class CopyRefused(Exception):
    """The copy cannot start; the message says why."""


@dataclass(frozen=True)
class CopyReport:
    revision: str | None
    rows: dict[str, int]


async def copy_database(source: AsyncEngine, target: AsyncEngine) -> CopyReport:
    await upgrade_to_head(source)
    await upgrade_to_head(target)
    tables = [table for table in Base.metadata.sorted_tables if table.name not in MIGRATION_ROWS]
    async with target.connect() as connection:
        for table in tables:
            if await connection.scalar(select(func.count()).select_from(table)):
                raise CopyRefused(f"table {table.name} of the target already holds rows")
    counts: dict[str, int] = {}
    async with source.connect() as reading, target.begin() as writing:
        for table in tables:
            counts[table.name] = 0
            result = await reading.stream(select(table))
            async for rows in result.mappings().partitions(CHUNK):
                await writing.execute(table.insert(), [dict(row) for row in rows])
                counts[table.name] += len(rows)
        if target.dialect.name == "postgresql":
            for table in tables:
                column = table.c.get("id")
                if column is None or not column.primary_key:
                    continue
                try:
                    integer = issubclass(column.type.python_type, int)
                except NotImplementedError:  # a column type without a Python type is no serial id
                    integer = False
                if not integer:
                    continue
                await writing.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 1), "
                    f"(SELECT MAX(id) FROM {table.name}) IS NOT NULL)"
                ))
    return CopyReport(await current_revision(target), counts)
