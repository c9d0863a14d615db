"""`klasterbot demo`: the real bot against the fake Bot API, a chat in the terminal.

No token, no network. A fresh SQLite file is seeded with two Central Java clusters, about
30 members with 12 months of omzet, a ketua and a koordinator. You type as one of them:

    text          sends a message (commands included: /daftar, /omzet 12,5 jt, ...)
    1, 2, ...     presses the button with that number (numbered across what the last step showed)
    :kontak       shares your own phone number (the share-contact button)
    :peran NAMA   becomes anggota, ketua, koordinator, baru (a new, unregistered person), or
                  any new person met so far (baru1, baru2, ...); ":peran" alone lists them
    :keluar       ends the demo (so do Ctrl-D and Ctrl-C, at any moment)

Messages the bot sends to other people met in the demo (the author told of a new interest, a
chair asked to approve) are shown too, marked with who received them.

When standard input is not a terminal, lines are read as a script and the whole
conversation is printed, so the demo can be tested and shown in the README.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import threading
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

# The ketua and the anggota are seeded members (_NAMES[11] "Agus Salim", _NAMES[0] "Sri
# Wahyuni"): their labels carry those names.
PERSONAS = {
    "koordinator": (9001, "Bu Rina (koordinator Dinas)"),
    "ketua": (9002, "Pak Agus (ketua Batik Simbang Kulon)"),
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
        # Everyone met so far: persona key -> (user id, label); new people are baru1, baru2, ...
        self.met: dict[str, tuple[int, str]] = {}
        # How many bot messages each person met has had shown (others' are shown as they come).
        self.seen: dict[int, int] = {}
        # The numbers on screen: 1, 2, ... across every message the last step showed.
        self.numbered: list[tuple[dict[str, Any], dict[str, Any]]] = []

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
        for key, (user_id, label) in PERSONAS.items():
            self.api.user(user_id, label.split(" (")[0].split()[-1])
            self.met[key] = (user_id, label)
            self.seen[user_id] = 0
        self._become("baru")
        self._print("klasterbot demo — Telegram tiruan, tanpa BotFather / a fake Telegram, nothing to set up")
        for name, code in codes.items():
            self._print(f"  {name}: https://t.me/{self.api.bot_user['username']}?start={code}")
        self._print("  Ketik pesan, nomor tombol, :kontak, :peran anggota|ketua|koordinator|baru|baru1..., :keluar")

    async def _process(self, data: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(data, self.app.bot))

    async def stop(self) -> None:
        await self.app.shutdown()
        await self.app.post_shutdown(self.app)

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _become(self, persona: str) -> bool:
        if persona == "baru":
            user_id = self.next_new_user
            self.next_new_user += 1
            key = f"baru{user_id - FIRST_NEW_USER + 1}"
            self.met[key] = (user_id, f"Pengguna baru {user_id - FIRST_NEW_USER + 1}")
            self.user = self.api.user(user_id, "Tamu")
            self.seen[user_id] = 0
        elif persona in self.met:
            user_id = self.met[persona][0]
            self.user = self.api.user_handle(user_id)
        else:
            return False
        self.numbered = []
        self.label = self.met[self._key_of(user_id)][1]
        return True

    def _key_of(self, user_id: int) -> str:
        return next(key for key, (uid, _) in self.met.items() if uid == user_id)

    def _roles(self) -> str:
        known = [key if not key.startswith("baru") else f"{key} ({label})" for key, (_, label) in self.met.items()]
        return ", ".join([*known, "baru"])

    async def _refresh_labels(self) -> None:
        """A new person who registered is shown by their name from then on."""
        from sqlalchemy import select

        new = {uid: key for key, (uid, _) in self.met.items() if key.startswith("baru")}
        if not new:
            return
        async with runtime_of(self.app).uow(read_only=True) as uow:
            rows = (await uow.session.execute(
                select(Member.telegram_user_id, Member.name).where(Member.telegram_user_id.in_(new))
            )).all()
        for user_id, name in rows:
            self.met[new[user_id]] = (user_id, name)
        assert self.user is not None
        self.label = self.met[self._key_of(self.user.id)][1]

    async def _settle(self) -> None:
        """Let the outbox deliver what is due (announcements), as the background sender would."""
        from bot.shell.background import queue_due_work, report_progress

        runtime = runtime_of(self.app)
        await queue_due_work(self.app)
        for _ in range(50):
            stats = await runtime.outbox.drain_once()
            if not (stats.sent or stats.retried or stats.blocked or stats.failed) and not await report_progress(self.app):
                break

    async def handle(self, line: str, *, echo: bool = True) -> bool:
        """One line of input; False when the person wants to stop. `echo`: print the line
        (a script); a terminal already shows what was typed."""
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            return True
        assert self.user is not None
        if echo:
            self._print(f"\n[{self.label}] > {line}")
        before = len(self.user.bot_messages())
        # The bot may answer by editing a message already on screen (a pressed question
        # becomes its answer): remember what each said, to show what changed.
        shown = [(m, m.get("text"), m.get("reply_markup")) for m in self.user.bot_messages()]
        command, _, argument = line.strip().partition(" ")
        if command in (":keluar", ":quit", ":exit"):
            return False
        if command == ":peran":
            if not argument.strip() or not self._become(argument.strip()):
                self._print(f"  (peran: {self._roles()})")
            else:
                self._print(f"  (sekarang Anda: {self.label})")
            return True
        numbered, self.numbered = self.numbered, []
        try:
            if command == ":kontak":
                await self.user.share_contact(f"0812{self.user.id:08d}")
            elif line.strip().isdigit():
                if not numbered:  # nothing numbered since a change of persona: their newest
                    newest = [m for m in self.user.bot_messages() if (m.get("reply_markup") or {}).get("inline_keyboard")]
                    numbered = [(newest[-1], b) for row in newest[-1]["reply_markup"]["inline_keyboard"] for b in row] if newest else []
                index = int(line.strip()) - 1
                if not 0 <= index < len(numbered):
                    self._print("  (tidak ada tombol dengan nomor itu)")
                    self.numbered = numbered
                    return True
                message, button = numbered[index]
                await self.user.press_data(button["callback_data"], message)
            else:
                await self.user.send(line.strip())
            await self._settle()
        except AssertionError as exc:
            self._print(f"  ({exc})")
        await self._refresh_labels()
        for message, text, markup in shown:
            if message.get("text") != text or (message.get("reply_markup") != markup and message.get("reply_markup")):
                self._print("[bot] (pesan di atas diubah / message edited)")
                self._show(message)
        for message in self.user.bot_messages()[before:]:
            self._show(message)
        self.seen[self.user.id] = len(self.user.bot_messages())
        self._show_others()
        return True

    def _show_others(self) -> None:
        """What the bot sent meanwhile to the other people met, marked with who got it."""
        assert self.user is not None
        for key, (user_id, label) in self.met.items():
            if user_id == self.user.id or user_id not in self.api.users:
                continue
            messages = self.api.user_handle(user_id).bot_messages()
            for message in messages[self.seen.get(user_id, 0):]:
                self._show(message, to=f"{label}; :peran {key}")
            self.seen[user_id] = len(messages)

    def _show(self, message: dict[str, Any], to: str | None = None) -> None:
        prefix = f"[bot → {to}]" if to else "[bot]"
        text = message.get("text") or message.get("caption") or ""
        for kind in ("photo", "document"):
            if message.get(kind):
                file_id = message[kind][-1]["file_id"] if kind == "photo" else message[kind]["file_id"]
                name = message[kind].get("file_name", f"{file_id}.png") if kind == "document" else f"{file_id}.png"
                path = self.files / name
                path.write_bytes(self.api.files.get(file_id, b""))
                self._print(f"{prefix} ({'gambar' if kind == 'photo' else 'berkas'}: {path})")
        if text:
            lines = text.splitlines() or [""]
            self._print(f"{prefix} " + lines[0])
            for rest in lines[1:]:
                self._print("      " + rest)
        markup = message.get("reply_markup") or {}
        buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
        if buttons and to is None:
            # Numbered on from the previous message's buttons: each number is one button on screen.
            first = len(self.numbered) + 1
            self.numbered += [(message, b) for b in buttons]
            self._print("      " + "  ".join(f"[{i}] {b['text']}" for i, b in enumerate(buttons, first)))
        elif buttons:
            self._print("      " + "  ".join(f"[{b['text']}]" for b in buttons))
        keyboard = [b["text"] for row in markup.get("keyboard", []) for b in row]
        if keyboard:
            self._print("      (tombol bawah: " + " | ".join(keyboard) + "; ketik :kontak untuk membagikan nomor)")


def _read_lines(stdin: TextIO, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> None:
    """Read standard input in a daemon thread: Ctrl-C ends the demo at once, without waiting
    for a line that will never come (a worker of the default executor would be waited for)."""
    try:
        for line in iter(stdin.readline, ""):
            loop.call_soon_threadsafe(queue.put_nowait, line)
    except (OSError, ValueError):  # stdin closed under us
        pass
    finally:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, "")
        except RuntimeError:  # the loop is already gone
            pass


async def run_demo(stdin: TextIO, stdout: TextIO, workdir: Path | None = None) -> None:
    """Run the demo until the input ends or the person types :keluar."""
    with tempfile.TemporaryDirectory(prefix="klasterbot-demo-") as tmp:
        base = workdir or Path(tmp)
        demo = Demo(stdout, base)
        await demo.start()
        interactive = stdin.isatty()
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str] = asyncio.Queue()
        threading.Thread(target=_read_lines, args=(stdin, loop, lines), daemon=True, name="demo-stdin").start()
        try:
            while True:
                if interactive:
                    print(f"\n[{demo.label}] > ", end="", file=stdout, flush=True)
                line = await lines.get()
                if not line:  # Ctrl-D, or the end of a script
                    if interactive:
                        print(file=stdout, flush=True)
                    break
                if not await demo.handle(line, echo=not interactive):
                    break
        finally:
            await demo.stop()


def main() -> None:
    asyncio.run(run_demo(sys.stdin, sys.stdout, Path.cwd() / "klasterbot-demo"))
