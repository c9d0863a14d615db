"""Every failure an operator can meet is one line, with its own exit code, and never the token.

Each case is reproduced for real: a port nobody listens on, a host that does not resolve, a
folder the bot cannot write (/sys), a directory given as the SQLite file, a read-only SQLite
database, a PostgreSQL database that does not exist or a role it refuses (on the suite's server
when TEST_DATABASE_URL is set), a Bot API that answers 401 or 404, a port already taken.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sqlite3

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bot.shell import failures
from bot.shell.cli import main
from bot.shell.sandbox.core import FakeBotApi
from bot.shell.sandbox.http import SandboxServer
from db.migrate import upgrade_to_head
from db.session import create_engine
from tests.support.harness import TEST_TOKEN

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
COMMANDS = [["db", "upgrade"], ["cluster", "list"], ["run"]]


def _one_line(capsys) -> str:
    captured = capsys.readouterr()
    everything = captured.out + captured.err
    assert TEST_TOKEN not in everything and TEST_TOKEN.split(":")[1] not in everything
    assert "Traceback" not in everything, everything
    # `run` logs its start at INFO (and the in-process emulator its access log): those are log
    # lines with a time stamp; what the operator is told is the one line without.
    lines = [line for line in captured.err.strip().splitlines() if not _LOG_LINE.match(line)]
    assert len(lines) == 1, captured.err
    return lines[0]


_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def run_env(env):
    env.setenv("TELEGRAM_BOT_TOKEN", TEST_TOKEN)
    return env


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_postgresql_down_is_one_line_exit_3(run_env, capsys, command):
    port = _free_port()
    run_env.setenv("DATABASE_URL", f"postgresql+asyncpg://klasterbot:rahasia123@127.0.0.1:{port}/klasterbot")
    assert main(command) == failures.EXIT_DB_UNREACHABLE
    line = _one_line(capsys)
    assert f"127.0.0.1:{port}/klasterbot" in line and "tidak dapat dihubungi" in line and "cannot be reached" in line
    assert "rahasia123" not in line


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_unknown_database_host_is_one_line_exit_3(run_env, capsys, command):
    run_env.setenv("DATABASE_URL", "postgresql+asyncpg://klasterbot@db.tidak-ada.invalid/klasterbot")
    assert main(command) == failures.EXIT_DB_UNREACHABLE
    line = _one_line(capsys)
    assert "db.tidak-ada.invalid" in line and "tidak dikenal" in line and "unknown" in line


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_read_only_working_directory_is_one_line_exit_6(run_env, capsys, command):
    # The default database is ./data/klasterbot.db; /sys refuses new folders even to root.
    run_env.delenv("DATABASE_URL")
    run_env.chdir("/sys/kernel")
    assert main(command) == failures.EXIT_DB_READ_ONLY
    line = _one_line(capsys)
    assert "/sys/kernel/data/klasterbot.db" in line and "tidak bisa dibuka atau ditulis" in line and "cannot be opened or written" in line


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_sqlite_path_that_cannot_be_opened_is_one_line_exit_6(run_env, capsys, tmp_path, command):
    (tmp_path / "folder.db").mkdir()
    run_env.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'folder.db'}")
    assert main(command) == failures.EXIT_DB_READ_ONLY
    assert "folder.db" in _one_line(capsys)


def test_read_only_sqlite_database_is_one_line_exit_6(run_env, capsys, tmp_path):
    sqlite3.connect(tmp_path / "ro.db").execute("CREATE TABLE other (x)").connection.close()
    run_env.setenv("DATABASE_URL", f"sqlite+aiosqlite:///file:{tmp_path / 'ro.db'}?mode=ro&uri=true")
    assert main(["db", "upgrade"]) == failures.EXIT_DB_READ_ONLY
    assert "hanya-baca" in _one_line(capsys)


async def test_disk_full_is_named_from_sqlite_and_from_the_os(tmp_path):
    # SQLite's own "database or disk is full", met for real: the file may not grow past 2 pages.
    url = f"sqlite+aiosqlite:///{tmp_path / 'full.db'}"
    engine = create_engine(url)

    @event.listens_for(engine.sync_engine, "connect")
    def _tiny(connection, _record):
        connection.execute("PRAGMA max_page_count=2")

    try:
        with pytest.raises(Exception) as raised:
            await upgrade_to_head(engine)
    finally:
        await engine.dispose()
    failure = failures.explain(raised.value, database_url=url)
    assert failure is not None and failure.code == failures.EXIT_DISK_FULL
    assert "Disk penuh" in failure.line and "disk is full" in failure.line
    # And the operating system's ENOSPC (what a full /var gives a log or a backup).
    def fill() -> None:
        with open("/dev/full", "wb") as full:
            full.write(b"x")
            full.flush()

    with pytest.raises(OSError) as raised:
        fill()
    failure = failures.explain(raised.value, database_url=url)
    assert failure is not None and failure.code == failures.EXIT_DISK_FULL


def _server_url(database: str, user: str | None = None) -> str:
    url = make_url(POSTGRES_URL).set(database=database)
    if user:
        url = url.set(username=user, password="salah-sekali")
    return url.render_as_string(hide_password=False)


if POSTGRES_URL:
    # These need a PostgreSQL server: the suite's, when TEST_DATABASE_URL names one (.ci/run's
    # PostgreSQL step); on SQLite alone there is no server to ask, so they are not defined.

    @pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
    def test_postgresql_database_missing_is_one_line_exit_4(run_env, capsys, command):
        run_env.setenv("DATABASE_URL", _server_url("test_ops_tidak_ada"))
        assert main(command) == failures.EXIT_DB_MISSING
        line = _one_line(capsys)
        assert "test_ops_tidak_ada" in line and "belum ada" in line and "does not exist" in line

    @pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
    def test_postgresql_user_refused_is_one_line_exit_5(run_env, capsys, command):
        run_env.setenv("DATABASE_URL", _server_url(make_url(POSTGRES_URL).database, user="bukan_pengguna"))
        assert main(command) == failures.EXIT_DB_AUTH
        line = _one_line(capsys)
        assert "menolak pengguna atau kata sandinya" in line and "salah-sekali" not in line


@pytest.mark.parametrize("answer", ["401", "404"])
async def test_rejected_token_is_one_line_exit_8_and_never_printed(run_env, capsys, answer):
    api = FakeBotApi()
    api.token = "987654321:SomebodyElsesTokenSomebodyElsesToken"
    server = await SandboxServer(api).start()
    # 401: Telegram does not know the token; 404: TELEGRAM_API_BASE_URL points at a proxy or a
    # path that is not a Bot API (PTB reads both as a rejected token and prints it whole).
    base = server.base_url if answer == "401" else f"{server.base_url}/bukan-bot-api"
    run_env.setenv("TELEGRAM_API_BASE_URL", base)
    try:
        code = await asyncio.to_thread(main, ["run"])
    finally:
        await server.stop()
    assert code == failures.EXIT_TOKEN_REJECTED
    line = _one_line(capsys)
    assert "Token bot ditolak" in line and "token was rejected" in line and base in line


async def test_webhook_port_in_use_is_one_line_exit_9(run_env, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = await asyncio.to_thread(
            main, ["run", "--webhook", "https://bot.dinas.example.go.id/telegram", "--port", str(port)]
        )
    assert code == failures.EXIT_PORT_IN_USE
    assert "Port webhook sudah dipakai" in _one_line(capsys)


def test_an_unexpected_failure_is_one_line(run_env, capsys):
    # A typo in the driver of DATABASE_URL: an error nobody wrote a sentence for.
    run_env.setenv("DATABASE_URL", "postgresql+asyncpgg://klasterbot@127.0.0.1/klasterbot")
    assert main(["cluster", "list"]) == failures.EXIT_FAILED
    line = _one_line(capsys)
    assert line.startswith("Kesalahan tak terduga / unexpected error: NoSuchModuleError: ")
    assert "asyncpgg" in line and "LOG_LEVEL=DEBUG" in line


def test_the_token_is_redacted_from_every_line_even_a_file_name(run_env, capsys, tmp_path):
    missing = tmp_path / f"{TEST_TOKEN}.csv"
    assert main(["import-members", str(missing), "--cluster", "X"]) == failures.EXIT_USAGE
    assert "<token>.csv" in _one_line(capsys)


def test_debug_shows_the_traceback_with_the_token_redacted(run_env, capsys):
    run_env.setenv("LOG_LEVEL", "DEBUG")
    run_env.setenv("DATABASE_URL", f"postgresql+asyncpg://u:{TEST_TOKEN}@127.0.0.1:{_free_port()}/k")
    assert main(["db", "upgrade"]) == failures.EXIT_DB_UNREACHABLE
    captured = capsys.readouterr()
    assert "Traceback" in captured.err and "ConnectionRefusedError" in captured.err
    assert TEST_TOKEN not in captured.err and TEST_TOKEN.split(":")[1] not in captured.err
    assert "cannot be reached" in captured.err.strip().splitlines()[-1]
