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


SHELL = ("bot.shell",)
TELEGRAM = ("telegram",)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _core_files() -> list[Path]:
    """Every module of bot/ except the shell: the Telegram-free core."""
    return [p for p in _files("bot") if "shell" not in p.relative_to(ROOT / "bot").parts]


def test_the_core_is_every_module_of_bot_but_the_shell():
    names = {_module_name(p) for p in _core_files()}
    assert {"bot.domain", "bot.outbox", "bot.services.announcements", "bot.messages.announcements", "bot.runtime"} <= names
    assert not any(n.startswith("bot.shell") for n in names)


@pytest.mark.parametrize(
    "where, forbidden",
    [
        ("core", ("telegram", "handlers", *SHELL)),
        (("bot", "domain.py"), ("telegram", "handlers", "sqlalchemy", "db")),
        (("bot", "messages"), ("telegram", "handlers", "sqlalchemy", "db", *SHELL)),
        (("bot", "money.py"), ("telegram", "handlers", "sqlalchemy", "db")),
        (("bot", "dates.py"), ("telegram", "handlers", "sqlalchemy", "db")),
        (("handlers",), ("sqlalchemy", "db.models", *SHELL)),
        (("db",), ("telegram", "handlers", "bot")),
    ],
)
def test_layer_rules(where, forbidden):
    files = _core_files() if where == "core" else _files(*where)
    assert _violations(files, forbidden) == []


def _import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (a `from package import module` counts as the module)."""
    files = [*_files("bot"), *_files("handlers"), *_files("db")]
    modules = {_module_name(p): p for p in files}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    targets.add(full if full in modules else node.module)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_modules_import_each_other():
    """No circle of imports between any modules of bot/, handlers/ and db/ (a package's
    __init__ counts as a module of its own)."""
    graph = _import_graph()
    # A package __init__ that only re-exports is imported by its modules' importers, not the
    # reverse; any other circle is a fault.
    assert _circles(graph) == []


def test_the_circle_finder_sees_a_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


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
