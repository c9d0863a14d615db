"""The benchmark keeps the first error a bot logged, with the line that names it: the run's
workdir and its whole log are deleted when the run ends."""

from benchmarks.support import first_error

LOG = """2026-12-01 18:00:00 INFO bot started
2026-12-01 18:00:01 ERROR handlers.errors unhandled error while handling an update
Traceback (most recent call last):
  File "handlers/omzet.py", line 10, in confirm
    await save()
sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked
2026-12-01 18:00:02 ERROR handlers.errors unhandled error while handling an update
"""


def test_the_first_error_comes_with_the_line_naming_it():
    found = first_error(LOG)
    assert found.startswith("2026-12-01 18:00:01 ERROR handlers.errors unhandled error")
    assert found.endswith("sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked")


def test_a_clean_log_has_none():
    assert first_error("2026-12-01 18:00:00 INFO bot started\n") is None
