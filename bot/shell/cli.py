"""`klasterbot` command line: run the bot, migrate, manage clusters and roles."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.config import ConfigError, Settings
from bot.domain import (
    CLUSTER_ZONES,
    DomainError,
    InvalidInput,
    Role,
    UnknownKabupaten,
    cluster_zone,
    zone_short_name,
)
from bot.shell.failures import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, explain, unexpected
from bot.shell.logs import Redactor
from db.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


class CommandFailed(Exception):
    """A clear one-line reason to stop with a non-zero exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


# The periodic jobs of the bot (bot.shell.background.JOBS) an operator may run by hand.
BACKGROUND_JOBS = ("monthly", "due-work", "market-followups", "retention")


def _now() -> datetime:
    """The time jobs run at (tests move it)."""
    return datetime.now(UTC)

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="klasterbot",
        description="klasterbot — Telegram bot untuk klaster UMKM / for micro-enterprise clusters",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (long polling, or a webhook); applies database migrations first")
    run.add_argument("--webhook", metavar="URL", help="public HTTPS URL Telegram posts updates to (webhook mode)")
    run.add_argument("--listen", default="127.0.0.1", help="address to listen on in webhook mode (default 127.0.0.1, behind a reverse proxy)")
    run.add_argument("--port", type=int, default=8443, help="port to listen on in webhook mode (default 8443)")
    run.add_argument("--secret", help="webhook secret token (A-Z a-z 0-9 _ -, up to 256); generated when not given")

    demo = sub.add_parser("demo", help="try the bot in the terminal: no token, a fake Telegram, seeded data")
    demo.add_argument("--dir", default="klasterbot-demo", help="folder for the demo database and received files")

    sandbox = sub.add_parser("sandbox", help="serve the fake Telegram Bot API on 127.0.0.1 (no token needed)")
    sandbox.add_argument("--port", type=int, default=8081)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="migrate the database to the newest schema")
    backup = db.add_parser("backup", help="SQLite: a consistent copy of the database file, safe while the bot runs")
    backup.add_argument("file", help="where to write the copy, e.g. backup-2026-12-01.db")
    copy = db.add_parser("copy", help="copy every row from DATABASE_URL into an empty database (SQLite -> PostgreSQL)")
    copy.add_argument("--to", required=True, metavar="URL", help="the target, e.g. postgresql+asyncpg://klasterbot:PASS@127.0.0.1/klasterbot")

    cluster = sub.add_parser("cluster", help="clusters").add_subparsers(dest="cluster_command", required=True)
    add = cluster.add_parser("add", help="create a cluster and print its invite link")
    add.add_argument("name")
    add.add_argument("--kabupaten", required=True, help="kabupaten/kota, e.g. Pekalongan")
    add.add_argument("--komoditas", required=True, help="main commodity, e.g. batik")
    add.add_argument("--timezone", default=None, help="WIB (Asia/Jakarta, default), WITA (Asia/Makassar) or WIT (Asia/Jayapura)")
    add.add_argument("--province", default="Jawa Tengah")
    add.add_argument("--approval", action="store_true", help="new members need the chair's approval")
    cluster.add_parser("list", help="list clusters with their invite codes")
    set_zone = cluster.add_parser("set-zone", help="move a cluster to WIB, WITA or WIT (audited)")
    set_zone.add_argument("name", help="cluster name or invite code")
    set_zone.add_argument("zone", help="WIB (Asia/Jakarta), WITA (Asia/Makassar) or WIT (Asia/Jayapura)")

    jobs = sub.add_parser("jobs", help="run the bot's jobs by hand, list the monthly runs").add_subparsers(
        dest="jobs_command", required=True
    )
    jobs.add_parser("list", help="the next scheduled runs per cluster, and what already ran")
    run_job = jobs.add_parser(
        "run",
        help="run a job by hand, safe while the bot runs (each step is claimed once in the database: "
        "a second run does nothing twice)",
        description=(
            "reminders / summaries: a month's omzet reminders or summaries (--period, --cluster). "
            "monthly: every monthly step due now. due-work: scheduled announcements that are due, "
            "training reminders. market-followups: follow-up questions on buyer requests and "
            "opportunities that are due. retention: delete what is past its retention period. "
            "Messages are queued; the running bot sends them."
        ),
    )
    run_job.add_argument("job", choices=("reminders", "summaries", *BACKGROUND_JOBS))
    run_job.add_argument("--period", help="the month, YYYY-MM (default: the month just ended)")
    run_job.add_argument("--cluster", help="one cluster (name or invite code); default all")

    roster = sub.add_parser("import-members", help="pre-register people the Dinas already knows (CSV or XLSX)")
    roster.add_argument("file", help="a .csv or .xlsx file with columns nama, usaha, produk, telepon")
    roster.add_argument("--cluster", required=True, help="cluster name or invite code")

    katalog = sub.add_parser("katalog", help="the printed catalogue of published products (A4 PDF with QR codes)")
    katalog.add_argument("selector", nargs="?", help="a cluster (name or invite code), kabupaten or commodity; default all")
    katalog.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    katalog.add_argument("--language", default="id", choices=("id", "en"))

    member = sub.add_parser("member", help="cluster members").add_subparsers(dest="member_command", required=True)
    remove = member.add_parser(
        "remove", help="remove a member from their cluster: membership ends, products unpublished, member told (audited)"
    )
    remove.add_argument("telegram_user_id", help="the member's numeric Telegram user id")

    role = sub.add_parser("role", help="koordinator and ketua roles").add_subparsers(dest="role_command", required=True)
    for name, text in (("grant", "grant a role"), ("revoke", "revoke a role")):
        p = role.add_parser(name, help=text)
        p.add_argument("telegram_user_id", help="numeric Telegram user id (ask the person to message @userinfobot)")
        p.add_argument("role", help="koordinator or ketua")
        p.add_argument("--cluster", help="cluster name or invite code (required for ketua)")
        p.add_argument("--kabupaten", help="koordinator scope: one kabupaten/kota")
    role.add_parser("list", help="list role grants")
    return parser


def _user_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise CommandFailed(
            f"'{text}' bukan ID pengguna Telegram yang valid (angka, contoh 123456789) / "
            f"is not a valid Telegram user id (a positive number, e.g. 123456789)",
            EXIT_USAGE,
        )
    return value


def _role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise CommandFailed(
            f"Peran '{text}' tidak dikenal; pilih koordinator atau ketua / "
            f"unknown role '{text}'; use koordinator or ketua",
            EXIT_USAGE,
        ) from None


_ZONE_CHOICES = ", ".join(f"{short} ({zone})" for short, zone in CLUSTER_ZONES.items())


def _zone(text: str) -> str:
    try:
        return cluster_zone(text)
    except InvalidInput:
        raise CommandFailed(
            f"Zona waktu '{text}' tidak dikenal; pilih {_ZONE_CHOICES} / "
            f"unknown time zone '{text}'; use {_ZONE_CHOICES}",
            EXIT_USAGE,
        ) from None


_DOMAIN_MESSAGES = {
    "cluster": "Klaster tidak ditemukan (periksa nama atau kode undangan; lihat `klasterbot cluster list`) / cluster not found",
    "grant": "Peran itu tidak dimiliki pengguna tersebut / that user has no such role",
    "ketua_needs_cluster": "Peran ketua memerlukan --cluster (dan tanpa --kabupaten) / the ketua role needs --cluster",
    "cluster_or_kabupaten": "Pilih --cluster atau --kabupaten, tidak keduanya / use --cluster or --kabupaten, not both",
    "cluster_name_taken": "Nama klaster itu sudah dipakai / a cluster with that name exists",
    "unknown_timezone": f"Zona waktu tidak dikenal; pilih {_ZONE_CHOICES} (periksa KLASTERBOT_TIMEZONE) / unknown time zone; use {_ZONE_CHOICES}",
    "empty": "Nilai tidak boleh kosong / a value is empty",
    "too_long": "Nilai terlalu panjang / a value is too long",
    "needs_letters": "Nilai harus berisi huruf / a value needs letters",
    "member_gone": "Anggota aktif dengan nomor itu tidak ada / no active member with that number",
    "member_removed": "Anggota itu sudah dikeluarkan / that member was removed already",
    "remove_chair": "Anggota itu ketua klaster: cabut dulu perannya (klasterbot role revoke) / the member is a chair: revoke the role first",
}


def _explain(error: DomainError) -> str:
    if isinstance(error, UnknownKabupaten):
        known = ", ".join(error.known) or "belum ada klaster / no clusters yet"
        return (
            f"Tidak ada klaster di kabupaten/kota '{error.name}'; yang dikenal: {known} / "
            f"no cluster is in kabupaten '{error.name}'; known: {known}"
        )
    key = error.reason if isinstance(error, InvalidInput) else str(error)
    return _DOMAIN_MESSAGES.get(key, f"Gagal / failed: {key}")


async def _with_uow(settings: Settings, action: Callable[[Any], Awaitable[Any]]) -> Any:
    from db.migrate import upgrade_to_head
    from db.session import create_engine, create_session_factory

    engine = create_engine(settings.database_url)
    try:
        # Operators run these on a fresh install too: the schema must exist first.
        await upgrade_to_head(engine)
        factory = UnitOfWorkFactory(create_session_factory(engine))
        async with factory() as uow:
            return await action(uow)
    finally:
        await engine.dispose()


async def _bot_username(settings: Settings) -> str | None:
    """The bot's @username for invite links: from settings, else asked from the Bot API."""
    if settings.bot_username:
        return settings.bot_username
    if not settings.token:
        return None
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        async with Bot(settings.token, base_url=f"{settings.api_base_url}/bot") as bot:
            return bot.username
    except (TelegramError, OSError) as exc:
        log.debug("getMe failed: %s", exc)
        return None


def _link(username: str | None, code: str) -> str:
    if username:
        return f"https://t.me/{username}?start={code}"
    return f"https://t.me/<username_bot>?start={code}  (set TELEGRAM_BOT_USERNAME to fill in)"


def _cmd_cluster_add(args: argparse.Namespace, settings: Settings) -> None:
    from bot.services.clusters import create_cluster

    cluster = asyncio.run(
        _with_uow(
            settings,
            lambda uow: create_cluster(
                uow,
                name=args.name,
                kabupaten=args.kabupaten,
                commodity=args.komoditas,
                timezone=_zone(args.timezone) if args.timezone else settings.timezone,
                requires_approval=args.approval,
                province=args.province,
            ),
        )
    )
    username = asyncio.run(_bot_username(settings))
    print(f"Klaster dibuat / cluster created: {cluster.name} ({cluster.kabupaten})")
    print(f"Kode undangan / invite code: {cluster.invite_code}")
    print(f"Tautan / link: {_link(username, cluster.invite_code)}")


def _cmd_cluster_list(args: argparse.Namespace, settings: Settings) -> None:
    from bot.services.clusters import all_clusters

    clusters = asyncio.run(_with_uow(settings, all_clusters))
    if not clusters:
        print("Belum ada klaster / no clusters yet. klasterbot cluster add NAME --kabupaten K --komoditas C")
        return
    for c in clusters:
        approval = " [persetujuan ketua / approval]" if c.requires_approval else ""
        print(f"{c.invite_code}\t{c.name}\t{c.kabupaten}\t{c.commodity}\t{c.timezone}{approval}")


def _cmd_cluster_set_zone(args: argparse.Namespace, settings: Settings) -> None:
    from bot.services.clusters import change_zone, find_cluster

    zone = _zone(args.zone)

    async def move(uow: Any) -> Any:
        cluster = await find_cluster(uow, args.name)
        return await change_zone(uow, cluster.id, zone)

    change = asyncio.run(_with_uow(settings, move))
    old, new = (f"{zone_short_name(z)} ({z})" for z in (change.old, change.new))
    if change.changed:
        print(f"Zona waktu diubah / time zone changed: {change.cluster.name}: {old} -> {new}")
    else:
        print(f"Zona waktu sudah / time zone already: {change.cluster.name}: {new}")


_CLUSTER_COMMANDS = {"add": _cmd_cluster_add, "list": _cmd_cluster_list, "set-zone": _cmd_cluster_set_zone}


def _cmd_role(args: argparse.Namespace, settings: Settings) -> None:
    from bot.services import roles

    if args.role_command == "list":
        rows = asyncio.run(_with_uow(settings, roles.list_grants))
        if not rows:
            print("Belum ada peran / no roles granted yet")
        for r in rows:
            scope = r.cluster_name or (f"kabupaten {r.kabupaten}" if r.kabupaten else "seluruh provinsi / province")
            print(f"{r.telegram_user_id}\t{r.role.value}\t{scope}\t{r.member_name or ''}")
        return
    user_id = _user_id(args.telegram_user_id)
    role = _role(args.role)
    if args.role_command == "grant":
        created = asyncio.run(
            _with_uow(
                settings,
                lambda uow: roles.grant_role(uow, user_id, role, cluster=args.cluster, kabupaten=args.kabupaten),
            )
        )
        print(("Peran diberikan / role granted" if created else "Peran sudah ada / role already granted") + f": {user_id} {role.value}")
    else:
        count = asyncio.run(
            _with_uow(
                settings,
                lambda uow: roles.revoke_role(uow, user_id, role, cluster=args.cluster, kabupaten=args.kabupaten),
            )
        )
        print(f"Peran dicabut / role revoked: {user_id} {role.value} ({count})")


def _cmd_jobs(args: argparse.Namespace, settings: Settings) -> None:
    from bot.dates import Month, MonthError
    from bot.i18n import I18n
    from bot.services import monthly
    from bot.services.clusters import all_clusters

    now = _now()
    schedule = settings.schedule
    if args.jobs_command == "list":
        async def listing(uow):
            from sqlalchemy import select

            from db.models import JobRun

            clusters = await all_clusters(uow)
            done = (await uow.session.scalars(select(JobRun).order_by(JobRun.started_at.desc()).limit(20))).all()
            return clusters, [(r.started_at, r.job, r.period, r.cluster_id, r.step) for r in done]

        clusters, done = asyncio.run(_with_uow(settings, listing))
        names = {c.id: c.name for c in clusters}
        print("Berikutnya / next runs:")
        for when, label, cluster in monthly.next_runs(clusters, now, schedule):
            print(f"  {when:%Y-%m-%d %H:%M} {when.tzname()}\t{label}\t{cluster.name}")
        print("Terakhir / last runs:")
        for started, job, period, cluster_id, step in done:
            print(f"  {started:%Y-%m-%d %H:%M} UTC\t{job} {period} {step}\t{names.get(cluster_id, cluster_id)}")
        return
    try:
        period = Month.parse_iso(args.period) if args.period else Month.from_date(now.astimezone(settings.zone).date()).previous()
    except MonthError:
        raise CommandFailed(f"--period harus YYYY-MM, contoh 2026-10 / must be YYYY-MM: {args.period}", EXIT_USAGE) from None

    i18n = I18n()
    if args.job in BACKGROUND_JOBS:
        print(asyncio.run(_run_background_job(settings, args.job)))
        return
    results = asyncio.run(
        _with_uow(settings, lambda uow: monthly.run_by_hand(uow, args.job, period, args.cluster, now, i18n))
    )
    total = sum(r.queued for r in results)
    for r in results:
        print(f"{r.run.cluster.name}: {r.queued} pesan baru diantrekan / new messages queued")
    print(f"Jumlah / total: {total} ({args.job} {period}); bot yang berjalan mengirimnya / the running bot sends them")


async def _run_background_job(settings: Settings, name: str) -> str:
    """One of the bot's periodic jobs, exactly as the bot runs it (bot.shell.background.JOBS)."""
    from bot.runtime import Runtime
    from bot.shell.background import JOBS
    from db.migrate import upgrade_to_head

    runtime = Runtime.create(settings)
    runtime.clock = _now
    try:
        await upgrade_to_head(runtime.engine)
        result, queued = await JOBS[name](runtime)
    finally:
        await runtime.engine.dispose()
    if name == "monthly":
        done = ", ".join(f"{r.run.job} {r.run.period} {r.run.cluster.name}: {r.queued}" for r in result) or "-"
        summary = f"{len(result)} runs ({done})"
    elif name == "retention":
        summary = (f"{result.updates} update ids, {result.drafts} drafts, {result.roster_rows} list rows deleted; "
                   f"{result.message_copies} message texts blanked")
    elif name == "market-followups":
        summary = f"{result} follow-up questions queued"
    else:
        summary = str(result)
    tail = "; bot yang berjalan mengirimnya / the running bot sends them" if queued else ""
    return f"{name}: {summary}{tail}"


def _cmd_import_members(args: argparse.Namespace, settings: Settings) -> None:
    from datetime import UTC, datetime
    from pathlib import Path

    from bot.roster_files import RosterFileError, read_roster
    from bot.services.roster import import_rows

    path = Path(args.file)
    if not path.is_file():
        raise CommandFailed(f"Berkas tidak ditemukan / file not found: {path}", EXIT_USAGE)
    try:
        rows = read_roster(path)
    except RosterFileError as error:
        raise CommandFailed(f"Berkas tidak bisa dibaca / cannot read the file: {error}") from error
    report = asyncio.run(_with_uow(settings, lambda uow: import_rows(uow, args.cluster, rows, datetime.now(UTC))))
    print(f"Diimpor / imported: {report.imported}; dilewati / skipped: {len(report.skipped)}")
    for row, reason in report.skipped:
        print(f"  baris / row {row}: {reason}")


def _cmd_db(args: argparse.Namespace, settings: Settings) -> None:
    {"upgrade": _cmd_db_upgrade, "backup": _cmd_db_backup, "copy": _cmd_db_copy}[args.db_command](args, settings)


def _cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> None:
    from db.migrate import current_revision, upgrade_to_head
    from db.session import create_engine

    async def upgrade() -> str | None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade_to_head(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    print(f"Basis data mutakhir / database at revision {asyncio.run(upgrade())}")


def _cmd_db_backup(args: argparse.Namespace, settings: Settings) -> None:
    import sqlite3
    from pathlib import Path

    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        raise CommandFailed(
            "db backup untuk SQLite; PostgreSQL: pg_dump -Fc NAMA > berkas.dump / db backup is for "
            "SQLite; for PostgreSQL use pg_dump -Fc NAME > file.dump",
            EXIT_USAGE,
        )
    source_path = Path(url.database or "")
    if not source_path.is_file():
        raise CommandFailed(f"Basis data tidak ditemukan / database not found: {source_path}", EXIT_USAGE)
    target = Path(args.file)
    if target.exists():
        raise CommandFailed(f"Berkas sudah ada / the file exists: {target}", EXIT_USAGE)
    # SQLite's online backup: a consistent copy page by page, while the bot keeps writing (WAL).
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    print(f"Cadangan dibuat / backup written: {target} ({target.stat().st_size} bytes)")


def _cmd_db_copy(args: argparse.Namespace, settings: Settings) -> None:
    from db.copy import CopyRefused, copy_database
    from db.session import create_engine

    async def copy() -> Any:
        source, target = create_engine(settings.database_url), create_engine(args.to)
        try:
            return await copy_database(source, target)
        finally:
            await source.dispose()
            await target.dispose()

    try:
        report = asyncio.run(copy())
    except CopyRefused as error:
        raise CommandFailed(f"Tujuan tidak kosong / the target is not empty: {error}") from error
    total = sum(report.rows.values())
    print(f"Disalin / copied: {total} baris / rows in {len(report.rows)} tables; target at revision {report.revision}")


def _cmd_run(args: argparse.Namespace, settings: Settings) -> None:
    from sqlalchemy.engine import make_url

    from bot.shell.app import build_application
    from bot.shell.logs import configure_logging
    from db.migrate import upgrade_to_head
    from db.session import create_engine

    settings.require_token()
    try:
        password = make_url(settings.database_url).password
    except Exception:  # reported when the engine is made
        password = None
    configure_logging(settings.log_level, settings.token, None, password if isinstance(password, str) else None)

    async def migrate() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()

    secret = args.secret
    if args.webhook:
        if not args.webhook.startswith(("https://", "http://")):
            raise CommandFailed("--webhook harus berupa URL https://... / must be an https:// URL", EXIT_USAGE)
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise CommandFailed("--secret hanya boleh A-Z a-z 0-9 _ - (maks. 256) / may only hold A-Z a-z 0-9 _ -", EXIT_USAGE)
    asyncio.run(migrate())
    application = build_application(settings)
    # Telegram echoes the secret in a header on every update; a random one is safe by default.
    secret = secret or secrets.token_urlsafe(32)

    async def serve() -> None:
        from bot.shell.serve import serve_polling
        from bot.shell.webhook import serve_webhook

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, stop.set)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
                pass
        if not args.webhook:
            log.info("starting long polling against %s", settings.api_base_url)
            await serve_polling(application, stop=stop, api_base_url=settings.api_base_url)
            return
        await serve_webhook(
            application, url=args.webhook, listen=args.listen, port=args.port, secret=secret, stop=stop,
            api_base_url=settings.api_base_url,
        )

    asyncio.run(serve())


def _cmd_sandbox(args: argparse.Namespace, settings: Settings) -> None:
    from bot.shell.sandbox.core import FakeBotApi
    from bot.shell.sandbox.http import SandboxServer

    async def serve() -> None:
        server = await SandboxServer(FakeBotApi(), port=args.port).start()
        print(f"Bot API emulator at {server.base_url} — TELEGRAM_API_BASE_URL={server.base_url}", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    asyncio.run(serve())


def _cmd_demo(args: argparse.Namespace, settings: Settings) -> None:
    import shutil
    from pathlib import Path

    from bot.shell.demo import run_demo

    workdir = Path(args.dir).resolve()
    # A fresh world each time: the demo is for trying, not for keeping.
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    logging.basicConfig(level=logging.WARNING)
    try:
        asyncio.run(run_demo(sys.stdin, sys.stdout, workdir))
    except KeyboardInterrupt:
        print("\n(demo selesai / demo ended)", flush=True)
        raise


def _cmd_katalog(args: argparse.Namespace, settings: Settings) -> None:
    from bot.catalogue_pdf import render_catalogue
    from bot.i18n import I18n
    from bot.services.catalogue import catalogue_data

    data = asyncio.run(_with_uow(settings, lambda uow: catalogue_data(uow, None, args.selector)))
    username = asyncio.run(_bot_username(settings)) or "klasterbot"
    t = I18n().translator(args.language)
    pdf = render_catalogue(t, data, username, dinas=t.gettext("Dinas Koperasi dan UKM"))
    import pathlib

    pathlib.Path(args.output).write_bytes(pdf)
    print(f"{len(data.products)} produk / products -> {args.output}")


def _cmd_member(args: argparse.Namespace, settings: Settings) -> None:
    from datetime import UTC, datetime

    from bot.i18n import I18n
    from bot.services import leaving

    user_id = _user_id(args.telegram_user_id)

    async def remove(uow: Any) -> Any:
        member = await uow.members.by_telegram_id(user_id)
        return await leaving.remove_member(uow, None, member.id if member else 0, datetime.now(UTC), I18n())

    removed = asyncio.run(_with_uow(settings, remove))
    print(
        f"Anggota dikeluarkan / member removed: {removed.name} ({removed.cluster.name}); "
        f"{removed.unpublished} produk tidak lagi ditampilkan / products unpublished; pemberitahuan antre / notice queued"
    )


_COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], None]] = {
    "member": _cmd_member,
    "katalog": _cmd_katalog,
    "demo": _cmd_demo,
    "run": _cmd_run,
    "sandbox": _cmd_sandbox,
    "import-members": _cmd_import_members,
    "jobs": _cmd_jobs,
    "db": _cmd_db,
    "role": _cmd_role,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `klasterbot` console script."""
    args = _parser().parse_args(argv)
    settings: Settings | None = None
    try:
        settings = Settings.from_env()
        if argv is None:  # the real process (tests pass argv and keep pytest's own hooks)
            _redact_uncaught(Redactor.for_settings(settings))
        if args.command == "cluster":
            _CLUSTER_COMMANDS[args.cluster_command](args, settings)
        else:
            _COMMANDS[args.command](args, settings)
    except ConfigError as error:
        print(Redactor.for_settings(settings).redact(str(error)), file=sys.stderr)
        return EXIT_USAGE
    except CommandFailed as error:
        print(Redactor.for_settings(settings).redact(str(error)), file=sys.stderr)
        return error.code
    except DomainError as error:
        print(Redactor.for_settings(settings).redact(_explain(error)), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as error:  # every other failure: one line and its code, never a traceback
        return _report(error, settings)
    return 0


def _debug(settings: Settings | None) -> bool:
    import os

    level = settings.log_level if settings else (os.environ.get("LOG_LEVEL") or "").upper()
    return level == "DEBUG"


def _report(error: BaseException, settings: Settings | None) -> int:
    """Print the operator's line for `error` (the token and the database password redacted)."""
    import traceback

    redactor = Redactor.for_settings(settings)
    failure = explain(
        error,
        database_url=settings.database_url if settings else "",
        api_base_url=settings.api_base_url if settings else "",
    ) or unexpected(error)
    if _debug(settings):
        print(redactor.redact("".join(traceback.format_exception(error))), file=sys.stderr, end="")
    print(redactor.redact(failure.line), file=sys.stderr)
    return failure.code


def _redact_uncaught(redactor: Redactor) -> None:
    """Whatever escapes (a thread, an interpreter shutdown) is printed without the token."""
    import threading
    import traceback

    def hook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        sys.stderr.write(redactor.redact("".join(traceback.format_exception(kind, value, tb))))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook


if __name__ == "__main__":
    sys.exit(main())
