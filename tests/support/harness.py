"""Drive the real Application (built by build_application) against the fake Bot API."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.domain import Role
from bot.runtime import Runtime, runtime_of
from bot.services import clusters as cluster_service
from bot.services import roles as role_service
from bot.shell.app import build_application
from bot.shell.sandbox.core import FakeBotApi, SandboxUser
from bot.shell.sandbox.request import SandboxRequest
from db.uow import UnitOfWork

TEST_TOKEN = "123456789:TESTtokenTESTtokenTESTtokenTESTtoken1"


class ErrorCollector(logging.Handler):
    """Collects what the bot's error handler logged, so a test fails on a hidden crash."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Harness:
    """One bot process (Application) plus the fake Telegram it talks to."""

    def __init__(self, settings: Settings, api: FakeBotApi) -> None:
        self.settings = settings
        self.api = api
        self.app: Application | None = None
        self.now = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
        self.errors = ErrorCollector()
        self.expect_errors = False

    @property
    def runtime(self) -> Runtime:
        assert self.app is not None
        return runtime_of(self.app)

    async def start(self) -> Harness:
        """Build and initialise the application the way `klasterbot run` does, minus polling."""
        self.app = build_application(
            self.settings,
            request=SandboxRequest(self.api),
            get_updates_request=SandboxRequest(self.api),
        )
        self.runtime.clock = lambda: self.now
        await self.app.initialize()
        await self.app.post_init(self.app)
        self.api.sink = self._process
        logging.getLogger("handlers.errors").addHandler(self.errors)
        return self

    async def _process(self, data: dict[str, Any]) -> None:
        assert self.app is not None
        await self.app.process_update(Update.de_json(data, self.app.bot))

    async def stop(self) -> None:
        """Shut the application down as a process exit would (the database stays)."""
        if self.app is None:
            return
        app, self.app = self.app, None
        self.api.sink = None
        logging.getLogger("handlers.errors").removeHandler(self.errors)
        await app.shutdown()
        await app.post_shutdown(app)

    async def restart(self) -> None:
        """A new process on the same database and the same Telegram."""
        await self.stop()
        await self.start()

    async def drain(self, *, follow_retries: bool = True, max_rounds: int = 500) -> None:
        """Run the outbox until nothing is due; jump the clock to retries that wait for later."""
        from bot.shell.background import queue_due_work, report_progress

        await queue_due_work(self.app)
        outbox = self.runtime.outbox
        for _ in range(max_rounds):
            stats = await outbox.drain_once()
            if stats.sent or stats.retried or stats.blocked or stats.failed:
                continue
            if await report_progress(self.app):
                continue  # a final report was queued, or progress edited: send what follows
            async with self.uow(read_only=True) as uow:
                due = await uow.deliveries.next_due()
            if due is None or not follow_retries:
                break
            self.now = max(self.now, due)
            await queue_due_work(self.app)
        await report_progress(self.app)

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        return self.runtime.uow(read_only=read_only)

    def user(self, user_id: int, first_name: str = "Siti", **kwargs: Any) -> SandboxUser:
        return self.api.user(user_id, first_name, **kwargs)

    async def cluster(
        self,
        name: str = "Batik Simbang Kulon",
        kabupaten: str = "Pekalongan",
        commodity: str = "batik",
        *,
        requires_approval: bool = False,
    ):
        async with self.uow() as uow:
            return await cluster_service.create_cluster(
                uow, name=name, kabupaten=kabupaten, commodity=commodity, requires_approval=requires_approval
            )

    async def grant(self, user_id: int, role: Role, *, cluster: str | None = None, kabupaten: str | None = None) -> None:
        async with self.uow() as uow:
            await role_service.grant_role(uow, user_id, role, cluster=cluster, kabupaten=kabupaten)

    async def register(self, user: SandboxUser, cluster, *, name: str = "Siti Aminah", phone: bool = True) -> None:
        """Walk a user through registration by chat, with the cluster's invite code."""
        await user.send(f"/start {cluster.invite_code}")
        await user.press("Setuju")
        await user.send(name)
        await user.send(f"Usaha {name}")
        await user.send("batik tulis")
        if phone:
            await user.share_contact(f"0812{user.id % 100000000:08d}")
        else:
            await user.send("Lewati")
        await user.press("Benar")


def export_table(content: bytes, sheet: str = "Ringkasan") -> list[dict[str, Any]]:
    """A sheet of an /ekspor file as rows keyed by their header."""
    import io

    from openpyxl import load_workbook

    table = load_workbook(io.BytesIO(content))[sheet]
    header = [c.value for c in table[1]]
    return [dict(zip(header, row, strict=True)) for row in table.iter_rows(min_row=2, values_only=True)]
