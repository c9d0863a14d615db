"""One bot process for the benchmarks, started by the driver and stopped with SIGTERM.

`klasterbot`: what `klasterbot run` does (schema check, build_application, run_polling), with
the settings a benchmark needs. `echo`: a bare python-telegram-bot echo bot (ApplicationBuilder
with the same base URL, one MessageHandler that replies with the text) — B1's reference. `peer`:
a minimal PTB + SQLAlchemy ORM bot (benchmarks/peer.py) — B1's other reference.

`--counters FILE`: every SQL statement and transaction of the process is counted with
SQLAlchemy engine events; on SIGUSR1 the counts so far are written to FILE (the driver reads
them before and after the measured part, so start-up and warm-up are left out).

At exit it prints one line `RESULT {json}`: when build_application was called (monotonic,
comparable across processes on Linux) and the peak RSS of this process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import signal
import time
from pathlib import Path

from telegram import Update
from telegram.ext import ApplicationBuilder, MessageHandler, filters

from benchmarks.support import TOKEN


def klasterbot_application(args: argparse.Namespace):
    from bot.config import Settings
    from bot.shell.app import build_application
    from bot.shell.logs import configure_logging
    from db.migrate import upgrade_to_head
    from db.session import create_engine

    settings = Settings(
        token=TOKEN,
        database_url=args.database_url,
        api_base_url=args.api,
        log_level="WARNING",
        max_messages_per_second=args.rate,
        run_background_tasks=args.background,
        # The benchmark pins its own calendar: no monthly reminder or summary fires during a
        # run, whatever day it is (on days 1-9 the reminder would reach every seeded member).
        run_monthly_jobs=False,
    )
    configure_logging(settings.log_level, settings.token)

    async def migrate() -> None:  # `klasterbot run` checks the schema first, as here
        engine = create_engine(settings.database_url)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()

    asyncio.run(migrate())
    built_at = time.monotonic()
    return build_application(settings), built_at


def echo_application(args: argparse.Namespace):
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    built_at = time.monotonic()
    application = ApplicationBuilder().token(TOKEN).base_url(f"{args.api}/bot").build()

    async def reply(update: Update, context) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    application.add_handler(MessageHandler(filters.TEXT, reply))
    return application, built_at


def peer_application(args: argparse.Namespace):
    from benchmarks import peer

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    built_at = time.monotonic()
    return peer.application(TOKEN, args.api, args.database_url), built_at


def count_sql(path: str, kind: str) -> None:
    """Count statements (an executemany is one) and transactions of every engine in this process:
    all of them, and those made while handling an update (klasterbot's background tasks, such as
    the outbox's idle polls, are the difference; the echo and peer bots have none)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if kind == "klasterbot":
        from handlers.context import in_update
    else:
        def in_update() -> bool:
            return True

    counts = {"statements": 0, "transactions": 0, "update_statements": 0, "update_transactions": 0}

    def statement(*_args) -> None:
        counts["statements"] += 1
        if in_update():
            counts["update_statements"] += 1

    def transaction(*_args) -> None:
        counts["transactions"] += 1
        if in_update():
            counts["update_transactions"] += 1

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "begin", transaction)

    def write(*_args) -> None:
        with open(path + ".tmp", "w") as out:
            json.dump(counts, out)
        os.replace(path + ".tmp", path)

    signal.signal(signal.SIGUSR1, write)


def _main_thread_cpu_s() -> float | None:
    try:
        fields = Path(f"/proc/self/task/{os.getpid()}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.botproc")
    parser.add_argument("kind", choices=("klasterbot", "echo", "peer"))
    parser.add_argument("--api", required=True, help="emulator root, http://127.0.0.1:PORT")
    parser.add_argument("--database-url")
    parser.add_argument("--rate", type=float, default=25.0, help="Settings.max_messages_per_second")
    parser.add_argument("--no-background", dest="background", action="store_false")
    parser.add_argument("--counters", help="write SQL statement/transaction counts here on SIGUSR1")
    parser.add_argument("--profile", help="write a pyinstrument text profile of the whole run here")
    args = parser.parse_args()
    if not args.api.startswith("http://127.0.0.1:"):
        raise SystemExit("benchmarks talk to the emulator on 127.0.0.1 only")

    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005, async_mode="disabled")
        profiler.start()
    if args.counters:
        count_sql(args.counters, args.kind)
    if args.kind == "klasterbot":
        application, built_at = klasterbot_application(args)
    elif args.kind == "peer":
        application, built_at = peer_application(args)
    else:
        application, built_at = echo_application(args)
    # As `klasterbot run`: initialize, post_init, start polling, start; SIGTERM stops it all.
    application.run_polling(poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES, close_loop=True)
    if profiler is not None:
        profiler.stop()
        with open(args.profile, "w") as out:
            out.write(profiler.output_text(unicode=True, color=False, show_all=False))
        profiler.last_session.save(args.profile + ".pyisession")  # re-render: pyinstrument --load
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {
        "built_at": built_at, "peak_rss_mb": usage.ru_maxrss / 1024,
        # The event loop's thread against the rest (aiosqlite's, where SQLite itself runs).
        "cpu_s": usage.ru_utime + usage.ru_stime, "loop_thread_cpu_s": _main_thread_cpu_s(),
    }
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
