"""`klasterbot demo` in script mode: registration and an omzet report, printed."""

from __future__ import annotations

import io
import subprocess
import sys

from bot.shell.demo import run_demo

SCRIPT = """\
# a new person registers, then reports last month's omzet
/daftar
1
Siti Aminah
Batik Siti
batik tulis
1
:kontak
1
/omzet 12,5 jt
1
:peran anggota
/riwayat
:peran ketua
/umumkan
3
Rapat anggota hari Sabtu.
1
:peran nobody
7
"""


async def test_demo_script_registers_reports_and_announces(tmp_path):
    out = io.StringIO()
    await run_demo(io.StringIO(SCRIPT), out, tmp_path)
    text = out.getvalue()
    assert "[Pengguna baru 1] > /daftar" in text
    assert "[Siti Aminah] > /omzet 12,5 jt" in text  # named once registered
    assert "Anda sudah terdaftar sebagai anggota Batik Simbang Kulon" in text
    assert "Rp12.500.000 untuk" in text and "tersimpan: Rp12.500.000" in text
    assert "(gambar: " in text  # the /riwayat chart, saved to a file
    charts = list((tmp_path / "demo-files").glob("*.png"))
    assert charts and charts[0].read_bytes().startswith(b"\x89PNG")
    assert "Terkirim: 19" in text  # 18 seeded members and the one who just joined
    assert "(peran: koordinator, ketua, anggota, baru1 (Siti Aminah), baru)" in text
    assert "(tidak ada tombol dengan nomor itu)" in text


def test_demo_console_script_needs_no_token(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot.shell.cli", "demo", "--dir", str(tmp_path / "d")],
        input="/bantuan\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert "Perintah yang bisa Anda pakai" in result.stdout


async def test_demo_seed_gives_every_past_month_at_least_as_many_members_as_reporters(tmp_path):
    """Was "Anggota: 0, Sudah melapor: 17" for every month but the last, in the chat and in
    /ekspor: the seeded members had joined "now", after a year of reports."""
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from bot.dates import Month
    from bot.runtime import runtime_of
    from bot.services import summaries
    from bot.shell.demo import Demo
    from db import summary_queries
    from db.models import Cluster, Member, MonthlyReport

    demo = Demo(io.StringIO(), tmp_path)
    await demo.start()
    try:
        runtime = runtime_of(demo.app)
        async with runtime.uow(read_only=True) as uow:
            firsts = (await uow.session.execute(
                select(Member.joined_at, Cluster.timezone, func.min(MonthlyReport.month))
                .join(MonthlyReport, MonthlyReport.member_id == Member.id)
                .join(Cluster, Cluster.id == Member.cluster_id)
                .group_by(Member.id, Member.joined_at, Cluster.timezone)
            )).all()
        assert len(firsts) == 30
        # The seed itself says so: everyone joined before their first report.
        assert all(joined < summary_queries.month_bounds(first, zone)[0] for joined, zone, first in firsts)
        current = Month.from_date(datetime.now(UTC).date())
        for back in range(12, 0, -1):
            async with runtime.uow() as uow:
                figures = await summaries.compile_month(uow, current.months_back(back), datetime.now(UTC))
            for f in figures:
                assert f.reporters > 0 and f.members >= f.reporters, (str(f.month), f.title, f.members, f.reporters)
    finally:
        await demo.stop()


async def test_demo_ringkasan_and_ekspor_of_past_months(tmp_path):
    import re
    from datetime import UTC, datetime

    from bot.dates import Month
    from tests.support.harness import export_table

    past = Month.from_date(datetime.now(UTC).date()).months_back(6)
    script = f":peran koordinator\n/ringkasan Jambu Lele {past.month:02d}/{past.year}\n/ekspor\n"
    out = io.StringIO()
    await run_demo(io.StringIO(script), out, tmp_path)
    text = out.getvalue()
    members = int(re.search(r"Anggota: (\d+)", text)[1])
    reporters = int(re.search(r"Sudah melapor: (\d+)", text)[1])
    assert members == 12 and 0 < reporters <= members
    [export] = (tmp_path / "demo-files").glob("*.xlsx")
    rows = export_table(export.read_bytes())
    assert len(rows) == 24  # two clusters, twelve months
    current = Month.from_date(datetime.now(UTC).date())
    assert all(0 < row["Sudah melapor"] <= row["Anggota"] for row in rows if Month.from_date(row["Bulan"]) != current), rows


class _Terminal(io.StringIO):
    """Standard input as a terminal: what is typed is already on screen."""

    def isatty(self) -> bool:
        return True


async def test_demo_in_a_terminal_shows_each_typed_line_once(tmp_path):
    out = io.StringIO()
    await run_demo(_Terminal("/bantuan\n"), out, tmp_path)
    text = out.getvalue()
    assert "> /bantuan" not in text  # the terminal echoed it; the demo does not print it again
    assert "[Pengguna baru 1] > " in text and "Perintah yang bisa Anda pakai" in text


PELUANG = """\
:peran ketua
/umumkan
1
Pembeli dari Semarang mencari 200 lembar batik tulis.
2
:peran anggota
1
:peran baru
/bantuan
:peran baru1
:peran
:peran ketua
/profil
"""


async def test_demo_shows_others_messages_numbers_buttons_once_and_returns_to_anyone_met(tmp_path):
    out = io.StringIO()
    await run_demo(io.StringIO(PELUANG), out, tmp_path)
    text = out.getvalue()
    # The preview's "Saya tertarik" and the send buttons are on screen together: 1 and 2.
    assert "[1] Saya tertarik" in text and "[2] Kirim sekarang  [3] Jadwalkan" in text
    assert "Terkirim: 18" in text  # "2" pressed "Kirim sekarang", not a second "1"
    # The member's copy arrived while playing the ketua: shown, marked with who got it.
    assert "[bot → Bu Sri (anggota Batik Simbang Kulon); :peran anggota] PELUANG PASAR" in text
    # The author is told at once of the interest, shown while playing the member.
    assert "[bot → Pak Agus (ketua Batik Simbang Kulon); :peran ketua] Peminat baru" in text
    # Back to the first new person after meeting a second.
    assert "(sekarang Anda: Pengguna baru 1)" in text
    assert "(peran: koordinator, ketua, anggota, baru1 (Pengguna baru 1), baru2 (Pengguna baru 2), baru)" in text
    # The ketua persona is the member it says it is.
    profile = text.split("[Pak Agus (ketua Batik Simbang Kulon)] > /profil")[1]
    assert "Agus Salim" in profile


def test_ctrl_c_ends_the_demo_at_once(tmp_path):
    import os
    import signal
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "bot.shell.cli", "demo", "--dir", str(tmp_path / "d")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        # As in a terminal: a suite started in the background inherits SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        # Wait for the banner: the demo is reading standard input, which stays open.
        banner = process.stdout.readline()
        assert "klasterbot demo" in banner
        while "Ketik pesan" not in process.stdout.readline():
            pass
        time.sleep(0.3)
        os.kill(process.pid, signal.SIGINT)
        started = time.monotonic()
        # Standard input stays open (no end of input): only the Ctrl-C can end it.
        process.wait(timeout=10)
        out, err = process.stdout.read(), process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
    assert time.monotonic() - started < 5
    assert process.returncode == 130, err
    assert "Traceback" not in err and "demo selesai" in out


def test_ctrl_d_ends_the_demo_cleanly(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot.shell.cli", "demo", "--dir", str(tmp_path / "d")],
        input="", capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr
