"""The architecture as rules that fail when it drifts (issue 11, shared/DESIGN.md).

Who may import whom, how large a module or a function may grow, and that handlers take
the time from the app's clock. Exceptions are listed here with the reason they stand.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "omstilling"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80
# Data tables, not logic: the demo municipality's units, people and words.
LONG_MODULES = {"demo/org_data.py"}
LONG_FUNCTIONS = {"demo/org.py:_build_unit"}


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def imported(path: Path) -> set[str]:
    """Every omstilling module this file imports, at any depth (lazy imports too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return {n for n in names if n == "omstilling" or n.startswith("omstilling.")}


def in_package(path: Path, package: str) -> bool:
    return rel(path).startswith(package + "/")


def test_the_layout_test_reads_the_package() -> None:
    assert len(modules()) > 50
    assert "omstilling.domain.organisation" in imported(PACKAGE / "directory.py")


@pytest.mark.parametrize("path", [p for p in modules() if in_package(p, "domain")], ids=rel)
def test_the_domain_imports_nothing_outside_itself(path: Path) -> None:
    outside = {
        n for n in imported(path) if not n.startswith("omstilling.domain") and n != "omstilling"
    }
    assert not outside, f"{rel(path)} imports {sorted(outside)}"


LOWER_LAYERS = ("domain", "store", "calls", "messages", "reports", "orgfile", "demo")


@pytest.mark.parametrize(
    "path", [p for p in modules() if rel(p).split("/")[0] in LOWER_LAYERS], ids=rel
)
def test_nothing_below_the_web_and_the_cli_imports_them(path: Path) -> None:
    upward = {n for n in imported(path) if n.startswith(("omstilling.web", "omstilling.cli"))}
    assert not upward, f"{rel(path)} imports {sorted(upward)}"


@pytest.mark.parametrize("path", [p for p in modules() if in_package(p, "store")], ids=rel)
def test_the_store_knows_neither_the_file_format_nor_the_calls(path: Path) -> None:
    bad = {n for n in imported(path) if n.startswith(("omstilling.orgfile", "omstilling.calls"))}
    assert not bad, f"{rel(path)} imports {sorted(bad)}"


def test_no_module_is_two_concepts() -> None:
    long = {
        f"{rel(p)} ({n} lines)"
        for p in modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
        and rel(p) not in LONG_MODULES
    }
    assert not long, f"over {MAX_MODULE_LINES} lines: {sorted(long)}"


def test_no_function_is_too_long_to_read() -> None:
    long = set()
    for p in modules():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                name = f"{rel(p)}:{node.name}"
                if n > MAX_FUNCTION_LINES and name not in LONG_FUNCTIONS:
                    long.add(f"{name} ({n} lines)")
    assert not long, f"over {MAX_FUNCTION_LINES} lines: {sorted(long)}"


@pytest.mark.parametrize(
    "path", [p for p in modules() if in_package(p, "web") and rel(p) != "web/app.py"], ids=rel
)
def test_handlers_read_the_time_from_the_apps_clock(path: Path) -> None:
    # Tests freeze app.state.clock; a handler that reads the wall clock escapes them.
    text = path.read_text(encoding="utf-8")
    assert "datetime.now(" not in text and "time.time()" not in text, rel(path)
