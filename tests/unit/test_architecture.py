"""The import rules of architecture.md, read from the source with ast."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _files(*parts: str) -> list[Path]:
    base = ROOT.joinpath(*parts)
    return sorted(base.rglob("*.py")) if base.is_dir() else [base]


def _violations(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in files:
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.name} imports {name}")
    return found


@pytest.mark.parametrize(
    "where, forbidden",
    [
        (("bot", "domain.py"), ("telegram", "handlers", "sqlalchemy", "db")),
        (("bot", "services"), ("telegram", "handlers")),
        (("bot", "money.py"), ("telegram", "handlers", "sqlalchemy", "db")),
        (("bot", "dates.py"), ("telegram", "handlers", "sqlalchemy", "db")),
        (("handlers",), ("sqlalchemy", "db.models")),
        (("db",), ("telegram", "handlers")),
    ],
)
def test_layer_rules(where, forbidden):
    assert _violations(_files(*where), forbidden) == []


def test_the_checker_sees_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from telegram import Update\nimport sqlalchemy.orm\n")
    assert len(_violations([bad], ("telegram", "sqlalchemy"))) == 2


def test_no_import_time_side_effects_in_composition_root():
    """Importing the app must not read settings, open a database or build the application."""
    source = (ROOT / "bot" / "shell" / "app.py").read_text()
    tree = ast.parse(source)
    top_level_calls = [
        node for node in tree.body if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
    ]
    assigns_calling = [
        node
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and not (isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "getLogger")
    ]
    assert top_level_calls == [] and assigns_calling == []


TELEGRAM_CALLS = ("say", "refuse", "ask_for_cluster", "show_step", "_show")


def _telegram_calls_inside_units_of_work(source: str) -> list[int]:
    """Lines where a handler talks to Telegram while its transaction is still open."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.AsyncWith) and any("uow" in ast.unparse(i.context_expr) for i in node.items):
            for inner in ast.walk(ast.Module(body=node.body, type_ignores=[])):
                if isinstance(inner, ast.Call):
                    name = ast.unparse(inner.func)
                    if name in TELEGRAM_CALLS or name.startswith(("context.bot.", "query.", "update.")):
                        lines.append(inner.lineno)
    return lines


def test_handlers_close_the_transaction_before_any_telegram_call():
    found = {
        path.name: lines
        for path in _files("handlers")
        if (lines := _telegram_calls_inside_units_of_work(path.read_text()))
    }
    assert found == {}


def test_the_transaction_checker_sees_a_violation():
    source = "async def f(context):\n    async with context.uow() as uow:\n        await say(1)\n"
    assert _telegram_calls_inside_units_of_work(source) == [3]
