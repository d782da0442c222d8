"""Docs that cannot drift: the README's command list and the admin guide's settings
table are checked against the Typer app and `Settings` themselves (issue 11, item 8).

A command or setting added, renamed or removed in the code fails here until the
docs say so too; a command, option or variable the docs name that does not exist
fails as well."""

from __future__ import annotations

import importlib
import pkgutil
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from pydantic.fields import FieldInfo
from typer.main import get_command

import omstilling.cli
from omstilling.cli import app
from omstilling.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
ADMIN_GUIDE = ROOT / "docs" / "guide-admin.md"
# Variables the docs may name that are not settings of the app: test and benchmark
# databases (read by the tests and benchmarks, not by omstilling).
NOT_SETTINGS = {"OMSTILLING_TEST_POSTGRES_URL", "OMSTILLING_BENCH_POSTGRES_URL"}
_OPTION = re.compile(r"(?<![\w-])(--?[a-z][a-z-]*)")
_VARIABLE = re.compile(r"OMSTILLING_[A-Z0-9_]+")


def section(path: Path, heading: str) -> str:
    """The text under `## heading` up to the next heading of that level."""
    text = path.read_text(encoding="utf-8")
    found = re.search(rf"^## {re.escape(heading)}[^\n]*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert found, f"{path.name} has no section '## {heading}'"
    return found.group(1)


# --- the commands -------------------------------------------------------------------------


def cli_commands() -> dict[tuple[str, ...], set[str]]:
    """Every command of the installed app (groups resolved) with its option names."""
    for module in pkgutil.iter_modules(omstilling.cli.__path__):
        importlib.import_module(f"omstilling.cli.{module.name}")  # registers its commands
    found: dict[tuple[str, ...], set[str]] = {}

    def walk(command: Any, path: tuple[str, ...]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            found[path] = {
                opt
                for p in command.params
                if p.param_type_name == "option"
                for opt in (*p.opts, *p.secondary_opts)
            }
            return
        for name, sub in subcommands.items():
            walk(sub, (*path, name))

    walk(get_command(app), ())
    return found


def readme_lines() -> list[str]:
    block = re.search(r"```\n(.*?)```", section(README, "Commands"), re.S)
    assert block, "README's ## Commands has no code block"
    lines = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line]


def command_of(line: str, commands: dict[tuple[str, ...], set[str]]) -> tuple[str, ...]:
    words = shlex.split(line)
    assert words[0] == "omstilling", f"README: not a command line: {line!r}"
    groups = {path[0] for path in commands if len(path) > 1}
    path = tuple(words[1:3]) if len(words) > 2 and words[1] in groups else tuple(words[1:2])
    assert path in commands, f"README names a command that does not exist: {line!r}"
    return path


def test_every_command_line_of_the_readme_names_a_real_command_with_real_options() -> None:
    commands = cli_commands()
    for line in readme_lines():
        path = command_of(line, commands)
        unknown = set(_OPTION.findall(line)) - commands[path] - {"--help"}
        assert not unknown, f"README: {' '.join(path)} has no option {sorted(unknown)}"


def test_every_command_of_the_app_is_in_the_readme() -> None:
    commands = cli_commands()
    named = {command_of(line, commands) for line in readme_lines()}
    missing = sorted(" ".join(path) for path in set(commands) - named)
    assert not missing, f"README's ## Commands does not name: {missing}"


def test_the_command_check_sees_a_command_that_does_not_exist() -> None:
    # The check above must be able to fail: a made-up command and option are caught.
    commands = cli_commands()
    with pytest.raises(AssertionError, match="does not exist"):
        command_of("omstilling absence forget EMPLOYEE", commands)
    with pytest.raises(AssertionError, match="does not exist"):
        command_of("omstilling import-everything", commands)
    assert "--dry-run" in commands[("import",)] and "--wet-run" not in commands[("import",)]


# --- the settings -------------------------------------------------------------------------


def variable(name: str) -> str:
    return f"{Settings.model_config.get('env_prefix', '')}{name}".upper()


def settings_table() -> dict[str, str]:
    """The admin guide's settings table: variable -> the default as written."""
    rows: dict[str, str] = {}
    for line in section(ADMIN_GUIDE, "Settings").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 3 or not _VARIABLE.search(cells[0]):
            continue
        names = _VARIABLE.findall(cells[0])
        assert len(names) == 1, f"one setting a row, fully named: {cells[0]}"
        assert names[0] not in rows, f"{names[0]} is in the table twice"
        rows[names[0]] = cells[1]
    return rows


def documented_default(field: FieldInfo, written: str) -> bool:
    value = written.strip("`")
    default = field.default
    if default is None:
        return value == "none"
    if isinstance(default, bool):
        return value == str(default).lower()
    if isinstance(default, int | float):
        return float(value) == default
    return value == default


def test_every_setting_is_in_the_admin_guide_and_nothing_else() -> None:
    table = settings_table()
    expected = {variable(name) for name in Settings.model_fields}
    assert sorted(expected - set(table)) == [], "settings missing from docs/guide-admin.md"
    assert sorted(set(table) - expected) == [], "the guide names settings that do not exist"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_the_admin_guide_gives_each_settings_default(name: str) -> None:
    written = settings_table().get(variable(name))
    field = Settings.model_fields[name]
    assert written is not None and documented_default(field, written), (
        f"{variable(name)}: the guide says {written!r}, the default is {field.default!r}"
    )


@pytest.mark.parametrize("path", [README, *sorted((ROOT / "docs").glob("*.md"))], ids=str)
def test_no_doc_names_a_variable_that_is_not_a_setting(path: Path) -> None:
    expected = {variable(name) for name in Settings.model_fields} | NOT_SETTINGS
    named = set(_VARIABLE.findall(path.read_text(encoding="utf-8")))
    assert sorted(named - expected) == []
