"""What the bot loads at start: the heavy libraries only load when their feature is used
(a chart, an Excel export, a printed catalogue), so start-up stays quick (B5) and an idle
process small (B4)."""

from __future__ import annotations

import json
import subprocess
import sys


def test_the_bot_starts_without_loading_charts_spreadsheets_or_pdf():
    code = (
        "import json, sys; import bot.shell.app, bot.shell.cli; "
        "print(json.dumps(sorted(m for m in ('fpdf', 'numpy', 'matplotlib', 'openpyxl', 'fontTools') "
        "if m in sys.modules)))"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert loaded == []
