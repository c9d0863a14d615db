"""Service tests call the services directly, each action in its own unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from db.session import create_engine, create_session_factory
from db.uow import UnitOfWorkFactory


@pytest.fixture
async def uow(database_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(database_url)
    try:
        yield UnitOfWorkFactory(create_session_factory(engine))
    finally:
        await engine.dispose()
