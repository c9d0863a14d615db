"""The suite refuses to empty a database whose name does not say it is for tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pytest(url: str | None, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    if url is not None:
        environment["TEST_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *extra, str(ROOT / "tests" / "unit" / "test_money.py")],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )


def test_a_database_not_named_test_is_refused_before_anything(tmp_path):
    # Port 1: even a broken guard could not reach a server; the refusal must come first.
    result = _pytest("postgresql+asyncpg://postgres@127.0.0.1:1/klasterbot", tmp_path)
    assert result.returncode == 4, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "'klasterbot' on 127.0.0.1:1" in output and "starts with 'test'" in output
    assert "Nothing was touched" in output


def test_the_suite_says_which_database_it_empties_before_it_starts(tmp_path):
    # Collecting only: nothing connects, but the header is printed as in a real run.
    result = _pytest("postgresql+asyncpg://postgres@127.0.0.1:1/test_kosong", tmp_path, "--collect-only")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PostgreSQL 'test_kosong' on 127.0.0.1:1; its public schema is dropped and recreated" in result.stdout
