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
    assert "[Pengguna baru] > /daftar" in text
    assert "Anda sudah terdaftar sebagai anggota Batik Simbang Kulon" in text
    assert "Rp12.500.000 untuk" in text and "tersimpan: Rp12.500.000" in text
    assert "(gambar: " in text  # the /riwayat chart, saved to a file
    charts = list((tmp_path / "demo-files").glob("*.png"))
    assert charts and charts[0].read_bytes().startswith(b"\x89PNG")
    assert "Terkirim: 19" in text  # 18 seeded members and the one who just joined
    assert "(peran: anggota, ketua, koordinator, baru)" in text
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
