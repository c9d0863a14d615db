"""What an operator can meet outside the happy path, as one clear line and an exit code.

`klasterbot` never ends in a traceback (unless LOG_LEVEL=DEBUG): `explain()` walks an
exception's chain (SQLAlchemy's `.orig`, `__cause__`, `__context__`) to the root cause and names
it in Indonesian and English, with what to do. The table of codes is in the README
("Production", "When it fails"); a test covers each line.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.engine import make_url

EXIT_FAILED = 1
EXIT_USAGE = 2  # configuration or command line: fix the setting or the arguments
EXIT_DB_UNREACHABLE = 3  # the database server cannot be reached (down, wrong host or port)
EXIT_DB_MISSING = 4  # the server answers, but that database does not exist
EXIT_DB_AUTH = 5  # the server refused the user or password
EXIT_DB_READ_ONLY = 6  # the database file or its folder cannot be opened or written
EXIT_DISK_FULL = 7
EXIT_TOKEN_REJECTED = 8  # Telegram (or what TELEGRAM_API_BASE_URL points at) refused the token
EXIT_PORT_IN_USE = 9  # webhook mode: another program listens on the port
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Failure:
    """One line for the operator and the process's exit code."""

    line: str
    code: int


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's
        current = orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)


def where(database_url: str) -> str:
    """The database named without its password: host:port/name, or the SQLite file."""
    try:
        url = make_url(database_url)
    except Exception:  # an unparseable URL is reported by SQLAlchemy itself
        return "DATABASE_URL"
    if url.get_backend_name() == "sqlite":
        return f"SQLite {url.database}"
    port = f":{url.port}" if url.port else ""
    return f"{url.host or 'localhost'}{port}/{url.database or ''}"


def explain(exc: BaseException, *, database_url: str = "", api_base_url: str = "") -> Failure | None:
    """The operator's line for a failure we know, or None for an unexpected one."""
    from telegram.error import InvalidToken

    db = where(database_url) if database_url else "DATABASE_URL"
    for cause in _chain(exc):
        if isinstance(cause, InvalidToken):
            return Failure(
                f"Token bot ditolak oleh {api_base_url or 'Telegram'} (401/404): salin ulang "
                "TELEGRAM_BOT_TOKEN dari @BotFather, dan periksa TELEGRAM_API_BASE_URL / the bot "
                f"token was rejected by {api_base_url or 'Telegram'} (401/404): copy "
                "TELEGRAM_BOT_TOKEN again from @BotFather and check TELEGRAM_API_BASE_URL",
                EXIT_TOKEN_REJECTED,
            )
        sqlstate = getattr(cause, "sqlstate", None)
        if sqlstate == "3D000":
            return Failure(
                f"Basis data {db} belum ada: buat dulu (createdb) atau perbaiki nama di DATABASE_URL"
                f" / the database {db} does not exist: create it (createdb) or fix its name in "
                "DATABASE_URL",
                EXIT_DB_MISSING,
            )
        if sqlstate in ("28P01", "28000"):
            return Failure(
                f"Server basis data {db} menolak pengguna atau kata sandinya: periksa DATABASE_URL /"
                f" the database server {db} refused the user or password: check DATABASE_URL",
                EXIT_DB_AUTH,
            )
        if sqlstate == "53100":
            return _disk_full(db)
        name = getattr(cause, "sqlite_errorname", None)
        if name == "SQLITE_FULL":
            return _disk_full(db)
        if name in ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM"):
            return _read_only(db)
        if isinstance(cause, socket.gaierror):
            return Failure(
                f"Alamat server basis data {db} tidak dikenal: periksa nama host di DATABASE_URL / "
                f"the database host of {db} is unknown: check the host name in DATABASE_URL",
                EXIT_DB_UNREACHABLE,
            )
        if isinstance(cause, OSError):
            if cause.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT):
                return Failure(
                    f"Server basis data {db} tidak dapat dihubungi: pastikan PostgreSQL berjalan dan "
                    f"DATABASE_URL benar / the database server {db} cannot be reached: check that "
                    "PostgreSQL is running and DATABASE_URL is right",
                    EXIT_DB_UNREACHABLE,
                )
            if cause.errno == errno.EADDRINUSE:
                return Failure(
                    "Port webhook sudah dipakai program lain: pilih --port lain atau hentikan program "
                    "itu / the webhook port is in use by another program: choose another --port or "
                    "stop that program",
                    EXIT_PORT_IN_USE,
                )
            if cause.errno in (errno.ENOSPC, errno.EDQUOT):
                return _disk_full(db)
            if cause.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                return _read_only(db)
        if isinstance(cause, TimeoutError):
            return Failure(
                f"Server basis data {db} tidak menjawab: pastikan PostgreSQL berjalan dan dapat "
                f"dihubungi / the database server {db} does not answer: check that PostgreSQL runs "
                "and can be reached",
                EXIT_DB_UNREACHABLE,
            )
    return None


def _disk_full(db: str) -> Failure:
    return Failure(
        f"Disk penuh: {db} tidak bisa ditulis; kosongkan ruang disk lalu jalankan lagi / the disk "
        f"is full: {db} cannot be written; free some space and start again",
        EXIT_DISK_FULL,
    )


def _read_only(db: str) -> Failure:
    return Failure(
        f"{db} tidak bisa dibuka atau ditulis (hanya-baca atau tanpa izin): jalankan dari folder "
        "yang bisa ditulis pengguna bot, atau atur DATABASE_URL / "
        f"{db} cannot be opened or written (read-only or no permission): run from a folder the "
        "bot's user can write, or set DATABASE_URL",
        EXIT_DB_READ_ONLY,
    )


def unexpected(exc: BaseException) -> Failure:
    """Any other failure: still one line, and where to look."""
    text = " ".join(str(exc).split())[:300]
    return Failure(
        f"Kesalahan tak terduga / unexpected error: {type(exc).__name__}: {text} "
        "(LOG_LEVEL=DEBUG menampilkan rinciannya / shows the details)",
        EXIT_FAILED,
    )
