"""Unit of work: one transaction per user action, committed explicitly."""

from __future__ import annotations

import asyncio
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import catalogue_queries, outbox_queries, request_queries
from db import repositories as repos
from db.role_cache import RoleCache
from db.session import SQLITE_BEGIN_OPTION


class UnitOfWork:
    """An async context manager around one session; nothing is saved without commit()."""

    def __init__(
        self,
        session_factory: async_sessionmaker,
        *,
        read_only: bool = False,
        writer_turn: asyncio.Lock | None = None,
        role_cache: RoleCache | None = None,
    ) -> None:
        self._session_factory = session_factory
        # Role grants kept by the process across units of work (db/role_cache.py).
        self.role_cache = role_cache if role_cache is not None else RoleCache()
        self._read_only = read_only
        # SQLite has one writer at a time; see UnitOfWorkFactory.
        self._writer_turn = writer_turn if not read_only else None
        self.session: AsyncSession
        # Whether commit() ran: the update's unit (handlers/context.py) commits what admitted
        # the update when the handler did not.
        self.committed = False

    async def __aenter__(self) -> UnitOfWork:
        if self._writer_turn is not None:
            await self._writer_turn.acquire()
        try:
            return await self._open()
        except BaseException:
            if self._writer_turn is not None:
                self._writer_turn.release()
            raise

    async def _open(self) -> UnitOfWork:
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
        self.requests = request_queries.Requests(s)
        self.catalogue = catalogue_queries.Catalogue(s)
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
            try:
                await self.session.close()
            finally:
                if self._writer_turn is not None:
                    self._writer_turn.release()

    async def commit(self) -> None:
        """Make everything done in this unit durable."""
        await self.session.commit()
        self.committed = True

    async def rollback(self) -> None:
        """Drop everything done in this unit."""
        await self.session.rollback()


class UnitOfWorkFactory:
    """Hands out fresh units of work; held by the application, one per action."""

    def __init__(self, session_factory: async_sessionmaker) -> None:
        self.session_factory = session_factory
        bind = session_factory.kw.get("bind")
        # SQLite lets one transaction write at a time. Writers in this process take turns
        # here, in order, instead of meeting at the file lock, where the loser sleeps and
        # polls (busy timeout). That is what lets different people's updates overlap on
        # SQLite too: their Telegram calls run side by side, their transactions queue.
        # Readers (WAL) and other processes are not affected; F7 covers the latter.
        self.role_cache = RoleCache()
        self._writer_turn = asyncio.Lock() if bind is not None and bind.dialect.name == "sqlite" else None

    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(
            self.session_factory, read_only=read_only, writer_turn=self._writer_turn, role_cache=self.role_cache
        )
