"""Unit of work: one transaction per user action, committed explicitly."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import outbox_queries
from db import repositories as repos
from db.session import SQLITE_BEGIN_OPTION


class UnitOfWork:
    """An async context manager around one session; nothing is saved without commit()."""

    def __init__(self, session_factory: async_sessionmaker, *, read_only: bool = False) -> None:
        self._session_factory = session_factory
        self._read_only = read_only
        self.session: AsyncSession

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        if self.session.bind.dialect.name == "sqlite":
            # Procure the connection now so the begin hook sees how to begin.
            await self.session.connection(
                execution_options={
                    SQLITE_BEGIN_OPTION: "DEFERRED" if self._read_only else "IMMEDIATE"
                }
            )
        s = self.session
        self.clusters = repos.Clusters(s)
        self.members = repos.Members(s)
        self.users = repos.TelegramUsers(s)
        self.roles = repos.Roles(s)
        self.audit = repos.AuditLog(s)
        self.updates = repos.ProcessedUpdates(s)
        self.conversations = repos.Conversations(s)
        self.deliveries = outbox_queries.Deliveries(s)
        self.announcements = outbox_queries.Announcements(s)
        self.reports = repos.Reports(s)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            # Detach first so values already loaded stay readable; nothing uncommitted is kept.
            self.session.expunge_all()
            await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        """Make everything done in this unit durable."""
        await self.session.commit()

    async def rollback(self) -> None:
        """Drop everything done in this unit."""
        await self.session.rollback()


class UnitOfWorkFactory:
    """Hands out fresh units of work; held by the application, one per action."""

    def __init__(self, session_factory: async_sessionmaker) -> None:
        self.session_factory = session_factory

    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(self.session_factory, read_only=read_only)
