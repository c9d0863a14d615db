"""Settings from the environment and .env."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings


def test_defaults(tmp_path):
    settings = Settings.from_env({}, workdir=tmp_path)
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/data/klasterbot.db"
    assert settings.api_base_url == "https://api.telegram.org"
    assert settings.timezone == "Asia/Jakarta" and settings.log_level == "INFO"
    with pytest.raises(ConfigError, match="BotFather"):
        settings.require_token()


def test_environment_wins_over_dotenv(tmp_path):
    (tmp_path / ".env").write_text(
        "TELEGRAM_BOT_TOKEN=111:fromfilefromfilefromfilefromfile1234\n"
        "TELEGRAM_API_BASE_URL=http://127.0.0.1:8081/\nLOG_LEVEL=debug\n"
    )
    settings = Settings.from_env({"LOG_LEVEL": "warning"}, workdir=tmp_path)
    assert settings.token.startswith("111:")
    assert settings.api_base_url == "http://127.0.0.1:8081"
    assert settings.log_level == "WARNING"


@pytest.mark.parametrize(
    "env",
    [{"KLASTERBOT_TIMEZONE": "Asia/Atlantis"}, {"LOG_LEVEL": "LOUD"}, {"KLASTERBOT_MAX_MESSAGES_PER_SECOND": "fast"}],
)
def test_bad_values_are_named(tmp_path, env):
    with pytest.raises(ConfigError, match=next(iter(env))):
        Settings.from_env(env, workdir=tmp_path)


def test_malformed_token(tmp_path):
    with pytest.raises(ConfigError, match="malformed"):
        Settings.from_env({"TELEGRAM_BOT_TOKEN": "12345"}, workdir=tmp_path).require_token()


def test_monthly_schedule_from_the_environment(tmp_path):
    from datetime import time

    settings = Settings.from_env(
        {"KLASTERBOT_REMINDER_DAYS": "2, 6", "KLASTERBOT_REMINDER_TIME": "08.30",
         "KLASTERBOT_DEADLINE_DAY": "12", "KLASTERBOT_SUMMARY_TIME": "17:00"},
        workdir=tmp_path,
    )
    assert settings.schedule.reminder_days == (2, 6)
    assert settings.schedule.reminder_time == time(8, 30)
    assert (settings.schedule.deadline_day, settings.schedule.summary_time) == (12, time(17, 0))
    assert Settings.from_env({}, workdir=tmp_path).schedule.reminder_days == (1, 5, 8)


@pytest.mark.parametrize("env", [{"KLASTERBOT_REMINDER_DAYS": "satu"}, {"KLASTERBOT_DEADLINE_DAY": "31"},
                                 {"KLASTERBOT_REMINDER_TIME": "pagi"}])
def test_bad_schedule_values_are_refused(tmp_path, env):
    with pytest.raises(ConfigError):
        Settings.from_env(env, workdir=tmp_path)
