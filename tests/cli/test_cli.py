"""The `klasterbot` command line, run in-process with a clean environment."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.shell.cli import main
from tests.support.harness import TEST_TOKEN


def test_run_without_token_exits_2_with_one_clear_line(tmp_path):
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot.shell.cli", "run"], cwd=tmp_path, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "TELEGRAM_BOT_TOKEN" in lines[0] and "@BotFather" in lines[0]
    assert "Traceback" not in result.stderr


def test_run_with_malformed_token_exits_2(env, capsys):
    env.setenv("TELEGRAM_BOT_TOKEN", "not-a-token")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "tidak valid" in err and "malformed" in err


def test_token_from_dotenv_file(env, tmp_path, capsys):
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=bad\n")
    assert main(["run"]) == 2
    assert "malformed" in capsys.readouterr().err


def test_cluster_add_prints_code_and_link_then_list(env, capsys):
    assert main(["cluster", "add", "Batik Simbang Kulon", "--kabupaten", "Pekalongan", "--komoditas", "batik"]) == 0
    out = capsys.readouterr().out
    code = out.split("invite code: ")[1].split()[0]
    assert f"https://t.me/klaster_jateng_bot?start={code}" in out
    assert main(["cluster", "add", "Jambu Lele", "--kabupaten", "Demak", "--komoditas", "jambu", "--approval", "--timezone", "Asia/Makassar"]) == 0
    capsys.readouterr()
    assert main(["cluster", "list"]) == 0
    listing = capsys.readouterr().out
    assert code in listing and "Jambu Lele\tDemak\tjambu\tAsia/Makassar" in listing


def test_cluster_add_refuses_duplicates_and_bad_zone(env, capsys):
    args = ["cluster", "add", "Batik", "--kabupaten", "Pekalongan", "--komoditas", "batik"]
    assert main(args) == 0
    assert main(args) == 1
    assert "sudah dipakai" in capsys.readouterr().err



@pytest.mark.parametrize("zone", ["Europe/Paris", "Mars/Base", "UTC", "Asia/Singapore", "WITT"])
def test_cluster_add_accepts_only_the_three_zones(env, capsys, zone):
    assert main(["cluster", "add", "Lain", "--kabupaten", "Demak", "--komoditas", "jambu", "--timezone", zone]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0]
    assert f"Zona waktu '{zone}' tidak dikenal" in lines[0] and f"unknown time zone '{zone}'" in lines[0]
    for choice in ("WIB (Asia/Jakarta)", "WITA (Asia/Makassar)", "WIT (Asia/Jayapura)"):
        assert choice in lines[0]
    assert main(["cluster", "list"]) == 0
    assert "Lain" not in capsys.readouterr().out


def test_cluster_add_takes_short_zone_names(env, capsys):
    assert main(["cluster", "add", "Kopi Kintamani", "--kabupaten", "Bangli", "--komoditas", "kopi", "--timezone", "wita"]) == 0
    assert main(["cluster", "add", "Noken Wamena", "--kabupaten", "Jayawijaya", "--komoditas", "noken", "--timezone", "WIT"]) == 0
    capsys.readouterr()
    assert main(["cluster", "list"]) == 0
    listing = capsys.readouterr().out
    assert "Kopi Kintamani\tBangli\tkopi\tAsia/Makassar" in listing
    assert "Noken Wamena\tJayawijaya\tnoken\tAsia/Jayapura" in listing


def test_cluster_set_zone_changes_it_once_and_audits(env, capsys, database_url):
    assert main(["cluster", "add", "Kopi Kintamani", "--kabupaten", "Bangli", "--komoditas", "kopi"]) == 0
    code = capsys.readouterr().out.split("invite code: ")[1].split()[0]
    assert main(["cluster", "set-zone", "kopi kintamani", "WITA"]) == 0
    assert capsys.readouterr().out.strip() == (
        "Zona waktu diubah / time zone changed: Kopi Kintamani: WIB (Asia/Jakarta) -> WITA (Asia/Makassar)"
    )
    assert main(["cluster", "set-zone", code, "Asia/Makassar"]) == 0
    assert "sudah / time zone already: Kopi Kintamani: WITA (Asia/Makassar)" in capsys.readouterr().out
    assert main(["cluster", "list"]) == 0
    assert "Kopi Kintamani\tBangli\tkopi\tAsia/Makassar" in capsys.readouterr().out
    assert main(["cluster", "set-zone", "Kopi Kintamani", "Europe/Paris"]) == 2
    assert "WIT (Asia/Jayapura)" in capsys.readouterr().err
    assert main(["cluster", "set-zone", "Tidak Ada", "WIT"]) == 1
    assert "tidak ditemukan" in capsys.readouterr().err
    assert _audit(database_url, "cluster.zone") == [{"cluster_id": 1, "old": "Asia/Jakarta", "new": "Asia/Makassar"}]


def _audit(database_url, action):
    import asyncio

    from db.session import create_engine, create_session_factory
    from db.uow import UnitOfWorkFactory

    async def read():
        engine = create_engine(database_url)
        try:
            async with UnitOfWorkFactory(create_session_factory(engine))() as uow:
                return [e.details for e in await uow.audit.entries(action)]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_role_grant_list_revoke(env, capsys):
    main(["cluster", "add", "Batik Simbang Kulon", "--kabupaten", "Pekalongan", "--komoditas", "batik"])
    main(["cluster", "add", "Jambu Lele", "--kabupaten", "Demak", "--komoditas", "jambu"])
    assert main(["role", "grant", "12345", "koordinator"]) == 0
    assert main(["role", "grant", "12345", "koordinator"]) == 0
    assert "already" in capsys.readouterr().out
    assert main(["role", "grant", "777", "ketua", "--cluster", "batik simbang kulon"]) == 0
    assert main(["role", "grant", "888", "koordinator", "--kabupaten", "Demak"]) == 0
    capsys.readouterr()
    assert main(["role", "list"]) == 0
    listing = capsys.readouterr().out
    assert "12345\tkoordinator\tseluruh provinsi" in listing
    assert "777\tketua\tBatik Simbang Kulon" in listing
    assert "888\tkoordinator\tkabupaten Demak" in listing
    assert main(["role", "revoke", "777", "ketua"]) == 0
    assert main(["role", "revoke", "777", "ketua"]) == 1


def test_role_grant_refuses_a_kabupaten_no_cluster_has(env, capsys):
    assert main(["role", "grant", "888", "koordinator", "--kabupaten", "Nowhere"]) == 1
    assert "belum ada klaster / no clusters yet" in capsys.readouterr().err
    main(["cluster", "add", "Jambu Lele", "--kabupaten", "Demak", "--komoditas", "jambu"])
    main(["cluster", "add", "Batik Simbang Kulon", "--kabupaten", "Pekalongan", "--komoditas", "batik"])
    capsys.readouterr()
    assert main(["role", "grant", "888", "koordinator", "--kabupaten", "Nowhere"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        "Tidak ada klaster di kabupaten/kota 'Nowhere'; yang dikenal: Demak, Pekalongan / "
        "no cluster is in kabupaten 'Nowhere'; known: Demak, Pekalongan"
    ]
    # A known one in another spelling is stored as its clusters spell it.
    assert main(["role", "grant", "888", "koordinator", "--kabupaten", "  pekalongan "]) == 0
    capsys.readouterr()
    assert main(["role", "list"]) == 0
    listing = capsys.readouterr().out
    assert "888\tkoordinator\tkabupaten Pekalongan" in listing
    assert "Nowhere" not in listing


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["role", "grant", "abc", "ketua", "--cluster", "X"], 2, "bukan ID pengguna"),
        (["role", "grant", "-5", "koordinator"], 2, "bukan ID pengguna"),
        (["role", "grant", "123", "bupati"], 2, "tidak dikenal"),
        (["role", "grant", "123", "ketua", "--cluster", "Tidak Ada"], 1, "tidak ditemukan"),
        (["role", "grant", "123", "ketua"], 1, "memerlukan --cluster"),
    ],
)
def test_role_errors_are_clear_and_non_zero(env, capsys, args, code, message):
    assert main(args) == code
    assert message in capsys.readouterr().err


def test_db_upgrade_reports_head(env, capsys):
    from db.migrate import head_revision

    assert main(["db", "upgrade"]) == 0
    assert head_revision() in capsys.readouterr().out


def test_console_script_is_installed():
    result = subprocess.run(["klasterbot", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("run", "db", "cluster", "role"):
        assert command in result.stdout


def test_test_token_is_well_formed():
    from bot.config import token_problem

    assert token_problem(TEST_TOKEN) is None
