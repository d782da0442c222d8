"""Reading the organisation file's fields: typed readers that collect every error.

`Validator` walks parsed YAML once; each reader returns a value or a default and
records `path: message` for whatever is wrong, so one pass lists every problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from omstilling.domain.danish import parse_phone
from omstilling.domain.hours import validate_expression

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@lru_cache(maxsize=4096)
def hours_error(expression: str) -> str | None:
    return validate_expression(expression)


class Validator:
    """Walks the parsed YAML once, building domain objects and collecting errors."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def err(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    # --- typed field readers ------------------------------------------------------

    def mapping(self, value: Any, path: str, allowed: set[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.err(path, f"must be a mapping, got {kind(value)}")
            return None
        for key in value:
            if key not in allowed:
                hint = close_match(str(key), allowed)
                self.err(
                    f"{path}.{key}" if path else str(key),
                    f"unknown key '{key}'" + (f" (did you mean '{hint}'?)" if hint else ""),
                )
        return value

    def text(
        self,
        m: Mapping[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        default: str | None = None,
    ) -> str | None:
        value = m.get(key)
        if value is None:
            if required:
                self.err(join(path, key), "is required")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.err(join(path, key), f"must be text, got {kind(value)}")
            return default
        text = str(value).strip()
        if required and not text:
            self.err(join(path, key), "must not be empty")
        return text

    def flag(self, m: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        value = m.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.err(join(path, key), f"must be true or false, got {value!r}")
            return default
        return value

    def day(
        self, m: Mapping[str, Any], key: str, path: str, *, required: bool = False
    ) -> date | None:
        value = m.get(key)
        if value is None:
            if required:
                self.err(join(path, key), "is required")
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.err(join(path, key), f"must be a date YYYY-MM-DD, got {value!r}")
        return None

    def texts(self, m: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = m.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.err(join(path, key), f"must be a list, got {kind(value)}")
            return ()
        out: list[str] = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, str | int):
                self.err(f"{path}.{key}[{i}]", f"must be text, got {kind(item)}")
            else:
                out.append(str(item).strip())
        return tuple(out)

    def slug(self, m: Mapping[str, Any], path: str) -> str | None:
        value = self.text(m, "id", path, required=True)
        if value and not SLUG.match(value):
            self.err(join(path, "id"), f"'{value}' is not a valid id ([a-z0-9][a-z0-9-]*)")
            return None
        return value

    def phone(self, value: Any, path: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.err(path, f"must be a phone number, got {kind(value)}")
            return None
        try:
            return parse_phone(str(value))
        except ValueError:
            self.err(path, f"invalid phone number '{value}'")
            return None

    def hours(self, value: Any, path: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.err(path, f"must be an opening_hours expression, got {kind(value)}")
            return None
        problem = hours_error(value.strip())
        if problem:
            self.err(path, problem)
            return None
        return value.strip()

    def items(self, value: Any, path: str) -> list[tuple[str, Any]]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.err(path, f"must be a list, got {kind(value)}")
            return []
        return [(f"{path}[{i}]", item) for i, item in enumerate(value)]


def kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def close_match(key: str, allowed: set[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.7)
    return found[0] if found else None
