"""A clean environment for command-line tests, on the suite's database."""

from __future__ import annotations

import pytest


@pytest.fixture
def env(monkeypatch, tmp_path, database_url):
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_USERNAME", "TELEGRAM_API_BASE_URL", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "klaster_jateng_bot")
    return monkeypatch


@pytest.fixture(autouse=True)
def _drop_log_handlers():
    """`klasterbot run` adds its log handler to the root logger; a test's ends with the test."""
    import logging

    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_klasterbot", False):
            root.removeHandler(handler)
