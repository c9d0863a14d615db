"""`klasterbot demo`: the real bot against the fake Bot API, a chat in the terminal.

No token, no network. A fresh SQLite file is seeded with two Central Java clusters, about
30 members with 12 months of omzet, a ketua and a koordinator. You type as one of them:

    text          sends a message (commands included: /daftar, /omzet 12,5 jt, ...)
    1, 2, ...     presses that button of the newest message with buttons
    :kontak       shares your own phone number (the share-contact button)
    :peran NAMA   becomes anggota, ketua, koordinator or baru (a new, unregistered person)
    :keluar       ends the demo

When standard input is not a terminal, lines are read as a script and the whole
conversation is printed, so the demo can be tested and shown in the README.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import insert
from telegram import Update

from bot.config import Settings
from bot.dates import Month
from bot.domain import CONSENT_VERSION, Role
from bot.runtime import runtime_of
from bot.services import clusters as cluster_service
from bot.services import roles as role_service
from bot.shell.app import build_application
from bot.shell.sandbox.core import FakeBotApi, SandboxUser
from bot.shell.sandbox.request import SandboxRequest
from db import summary_queries
from db.migrate import upgrade_to_head
from db.models import Member, MonthlyReport

DEMO_TOKEN = "123456789:demodemodemodemodemodemodemodemodem1"

PERSONAS = {
    "koordinator": (9001, "Bu Rina (koordinator Dinas)"),
    "ketua": (9002, "Pak Slamet (ketua Batik Simbang Kulon)"),
    "anggota": (9003, "Bu Sri (anggota Batik Simbang Kulon)"),
}
FIRST_NEW_USER = 9100

_NAMES = [
    "Sri Wahyuni", "Siti Aminah", "Dewi Lestari", "Nur Hidayah", "Rina Marlina", "Wati Susanti",
    "Yuni Astuti", "Endang Sulastri", "Tri Handayani", "Ani Rahmawati", "Budi Santoso", "Agus Salim",
    "Joko Widodo", "Bambang Sutrisno", "Hadi Purnomo", "Eko Prasetyo", "Dedi Kurniawan", "Heru Susilo",
    "Rudi Hartono", "Slamet Riyadi", "Sugeng Raharjo", "Tono Sugiarto", "Wahyu Nugroho", "Yanto Suryadi",
    "Imam Syafii", "Lina Kusuma", "Maya Sari", "Puji Rahayu", "Ratna Dewi", "Umi Kulsum",
]


@dataclass
class DemoWorld:
    api: FakeBotApi
    app: Any
    files: Path
    invite_codes: dict[str, str]


async def _seed(app: Any, now: datetime) -> tuple[dict[str, str], list[tuple[int, str]]]:
    runtime = runtime_of(app)
    await upgrade_to_head(runtime.engine)
    codes = {}
    async with runtime.uow() as uow:
        batik = await cluster_service.create_cluster(uow, name="Batik Simbang Kulon", kabupaten="Pekalongan", commodity="batik")
    async with runtime.uow() as uow:
        jambu = await cluster_service.create_cluster(uow, name="Jambu Lele", kabupaten="Demak", commodity="jambu")
    codes[batik.name], codes[jambu.name] = batik.invite_code, jambu.invite_code
    rng = random.Random(2026)
    join_days = random.Random(13)  # its own stream: the seeded omzet stays as it was
    current = Month.from_date(now.date())
    # Everyone joined during the month before the first seeded one (at 09.00 WIB on some day of
    # it), so they were members of every month they report and of the months they skipped.
    joined_month = current.months_back(13).first_day()
    members, reports = [], []
    for i, name in enumerate(_NAMES):
        joined = datetime.combine(joined_month + timedelta(days=join_days.randint(0, 27)), time(2), tzinfo=UTC)
        cluster = batik if i < 18 else jambu
        user_id = PERSONAS["anggota"][0] if i == 0 else (PERSONAS["ketua"][0] if i == 11 else 20_000 + i)
        members.append(
            {
                "telegram_user_id": user_id, "chat_id": user_id, "name": name,
                "business_name": f"{'Batik' if cluster is batik else 'Jambu'} {name.split()[0]}",
                "main_product": "batik tulis" if cluster is batik else "jambu air", "cluster_id": cluster.id,
                "status": "active", "joined_at": joined, "consent_at": joined, "consent_version": CONSENT_VERSION,
                "announcements_paused": False, "updated_at": now,
            }
        )
    async with runtime.uow() as uow:
        await uow.session.execute(insert(Member), members)
        rows = (await uow.session.execute(Member.__table__.select())).mappings().all()
        for row in rows:
            base = rng.randint(3, 25) * 1_000_000 if row["cluster_id"] == batik.id else rng.randint(2, 9) * 1_000_000
            for back in range(12, 0, -1):
                month = current.months_back(back)
                # Seasonal bumps before Lebaran and the school year; some months not reported.
                if rng.random() < 0.12 and row["telegram_user_id"] != PERSONAS["anggota"][0]:
                    continue
                amount = int(base * (1 + 0.04 * (12 - back)) * rng.uniform(0.8, 1.2)) // 10_000 * 10_000
                reports.append(
                    {"member_id": row["id"], "cluster_id": row["cluster_id"], "month": str(month), "amount": amount,
                     "no_sales": False, "reported_at": now, "updated_at": now, "version": 1}
                )
        await uow.session.execute(insert(MonthlyReport), reports)
        await summary_queries.rebuild_upkeep(uow.session)
        await uow.commit()
    people = [(m["telegram_user_id"], m["name"].split()[0]) for m in members]
    async with runtime.uow() as uow:
        await role_service.grant_role(uow, PERSONAS["koordinator"][0], Role.KOORDINATOR)
    async with runtime.uow() as uow:
        await role_service.grant_role(uow, PERSONAS["ketua"][0], Role.KETUA, cluster=batik.name)
    return codes, people


class Demo:
    """The bot, the fake Telegram, and one person typing."""

    def __init__(self, out: TextIO, workdir: Path) -> None:
        self.out = out
        self.workdir = workdir
        self.api = FakeBotApi(username="klasterbot_demo_bot")
        self.files = workdir / "demo-files"
        self.files.mkdir(parents=True, exist_ok=True)
        self.next_new_user = FIRST_NEW_USER
        self.user: SandboxUser | None = None
        self.label = ""
        self.app: Any = None

    async def start(self) -> None:
        settings = Settings(
            token=DEMO_TOKEN,
            database_url=f"sqlite+aiosqlite:///{self.workdir / 'demo.db'}",
            api_base_url="http://sandbox.invalid",
            run_background_tasks=False,
            max_messages_per_second=1000.0,
        )
        self.app = build_application(settings, request=SandboxRequest(self.api), get_updates_request=SandboxRequest(self.api))
        now = datetime.now(UTC)
        codes, people = await _seed(self.app, now)
        for user_id, first_name in people:
            self.api.user(user_id, first_name)
        await self.app.initialize()
        await self.app.post_init(self.app)
        self.api.sink = self._process
        for user_id, label in PERSONAS.values():
            self.api.user(user_id, label.split(" (")[0].split()[-1])
        self._become("baru")
        self._print("klasterbot demo — Telegram tiruan, tanpa BotFather / a fake Telegram, nothing to set up")
        for name, code in codes.items():
            self._print(f"  {name}: https://t.me/{self.api.bot_user['username']}?start={code}")
        self._print("  Ketik pesan, nomor tombol, :kontak, :peran anggota|ketua|koordinator|baru, :keluar")

    async def _process(self, data: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(data, self.app.bot))

    async def stop(self) -> None:
        await self.app.shutdown()
        await self.app.post_shutdown(self.app)

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _become(self, persona: str) -> bool:
        if persona == "baru":
            user_id, label = self.next_new_user, "Pengguna baru"
            self.next_new_user += 1
            self.user = self.api.user(user_id, "Tamu")
        elif persona in PERSONAS:
            user_id, label = PERSONAS[persona]
            self.user = self.api.user_handle(user_id)
        else:
            return False
        self.label = label
        return True

    async def _settle(self) -> None:
        """Let the outbox deliver what is due (announcements), as the background sender would."""
        from bot.shell.background import queue_due_work, report_progress

        runtime = runtime_of(self.app)
        await queue_due_work(self.app)
        for _ in range(50):
            stats = await runtime.outbox.drain_once()
            if not (stats.sent or stats.retried or stats.blocked or stats.failed) and not await report_progress(self.app):
                break

    async def handle(self, line: str) -> bool:
        """One line of input; False when the person wants to stop."""
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            return True
        assert self.user is not None
        self._print(f"\n[{self.label}] > {line}")
        before = len(self.user.bot_messages())
        # The bot may answer by editing a message already on screen (a pressed question
        # becomes its answer): remember what each said, to show what changed.
        shown = [(m, m.get("text"), m.get("reply_markup")) for m in self.user.bot_messages()]
        command, _, argument = line.strip().partition(" ")
        if command in (":keluar", ":quit", ":exit"):
            return False
        if command == ":peran":
            if not self._become(argument.strip()):
                self._print("  (peran: anggota, ketua, koordinator, baru)")
            else:
                self._print(f"  (sekarang Anda: {self.label})")
            return True
        try:
            if command == ":kontak":
                await self.user.share_contact(f"0812{self.user.id:08d}")
            elif line.strip().isdigit():
                labels = self.user.buttons()
                index = int(line.strip()) - 1
                if not 0 <= index < len(labels):
                    self._print("  (tidak ada tombol dengan nomor itu)")
                    return True
                await self.user.press(labels[index])
            else:
                await self.user.send(line.strip())
            await self._settle()
        except AssertionError as exc:
            self._print(f"  ({exc})")
        for message, text, markup in shown:
            if message.get("text") != text or (message.get("reply_markup") != markup and message.get("reply_markup")):
                self._print("[bot] (pesan di atas diubah / message edited)")
                self._show(message)
        for message in self.user.bot_messages()[before:]:
            self._show(message)
        return True

    def _show(self, message: dict[str, Any]) -> None:
        text = message.get("text") or message.get("caption") or ""
        for kind in ("photo", "document"):
            if message.get(kind):
                file_id = message[kind][-1]["file_id"] if kind == "photo" else message[kind]["file_id"]
                name = message[kind].get("file_name", f"{file_id}.png") if kind == "document" else f"{file_id}.png"
                path = self.files / name
                path.write_bytes(self.api.files.get(file_id, b""))
                self._print(f"[bot] ({'gambar' if kind == 'photo' else 'berkas'}: {path})")
        if text:
            lines = text.splitlines() or [""]
            self._print("[bot] " + lines[0])
            for rest in lines[1:]:
                self._print("      " + rest)
        markup = message.get("reply_markup") or {}
        labels = [b["text"] for row in markup.get("inline_keyboard", []) for b in row]
        if labels:
            self._print("      " + "  ".join(f"[{i}] {label}" for i, label in enumerate(labels, 1)))
        keyboard = [b["text"] for row in markup.get("keyboard", []) for b in row]
        if keyboard:
            self._print("      (tombol bawah: " + " | ".join(keyboard) + "; ketik :kontak untuk membagikan nomor)")


async def run_demo(stdin: TextIO, stdout: TextIO, workdir: Path | None = None) -> None:
    """Run the demo until the input ends or the person types :keluar."""
    with tempfile.TemporaryDirectory(prefix="klasterbot-demo-") as tmp:
        base = workdir or Path(tmp)
        demo = Demo(stdout, base)
        await demo.start()
        interactive = stdin.isatty()
        loop = asyncio.get_running_loop()
        try:
            while True:
                if interactive:
                    print(f"[{demo.label}] > ", end="", file=stdout, flush=True)
                line = await loop.run_in_executor(None, stdin.readline)
                if not line:
                    break
                if not await demo.handle(line):
                    break
        finally:
            await demo.stop()


def main() -> None:
    asyncio.run(run_demo(sys.stdin, sys.stdout, Path.cwd() / "klasterbot-demo"))
