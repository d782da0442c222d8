"""Reading the organisation file's fields: typed readers that collect every error.

`Validator` walks parsed YAML once; each reader returns a value or a default and
records `path: message` for whatever is wrong, so one pass lists every problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from datetime import date
from functools import lru_cache
from typing import Any

from omstilling.domain.calendar_address import CALENDAR_SET, address_problem
from omstilling.domain.citizen import looks_like_cpr
from omstilling.domain.danish import parse_phone
from omstilling.domain.fields import Declared, declared
from omstilling.domain.hours import validate_expression


def excerpt(text: str, limit: int = 80) -> str:
    """A value as an error may show it: never more than `limit` characters of it (a value
    in a file can be megabytes; the error names where it is, the excerpt what it is). A
    value that holds a CPR number is not shown at all."""
    if looks_like_cpr(text[:10_000]):
        return "(not shown: it holds something shaped like a CPR number)"
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


CPR_REFUSED = "looks like a CPR number; CPR numbers are never stored: leave it out"

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
        # The last guard: a key or a value quoted in a message is never printed whole.
        self.errors.append(f"{excerpt(path, 200)}: {excerpt(message, 400)}")

    # --- typed field readers ------------------------------------------------------

    def mapping(self, value: Any, path: str, allowed: Set[str]) -> dict[str, Any] | None:
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
        if self.holds_cpr(text, join(path, key)):
            return default
        return text

    def holds_cpr(self, text: str, path: str) -> bool:
        """The one CPR guard (domain.citizen) on every text of the file: a CPR number is
        never stored, so the whole file is refused and the value is not repeated."""
        if looks_like_cpr(text):
            self.err(path, CPR_REFUSED)
            return True
        return False

    def flag(self, m: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        value = m.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.err(join(path, key), f"must be true or false, got {excerpt(repr(value))}")
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
        self.err(join(path, key), f"must be a date YYYY-MM-DD, got {excerpt(repr(value))}")
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
            elif not self.holds_cpr(str(item), f"{path}.{key}[{i}]"):
                out.append(str(item).strip())
        return tuple(out)

    def slug(self, m: Mapping[str, Any], path: str) -> str | None:
        value = self.text(m, "id", path, required=True)
        if value and not SLUG.match(value):
            self.err(
                join(path, "id"), f"'{excerpt(str(value))}' is not a valid id ([a-z0-9][a-z0-9-]*)"
            )
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
            self.err(path, f"invalid phone number '{excerpt(str(value))}'")
            return None

    def hours(self, value: Any, path: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.err(path, f"must be an opening_hours expression, got {kind(value)}")
            return None
        if self.holds_cpr(value, path):  # an expression may hold comments in quotes
            return None
        problem = hours_error(value.strip())
        if problem:
            self.err(path, problem)
            return None
        return value.strip()

    def calendar(self, m: Mapping[str, Any], path: str) -> str | None:
        """An employee's calendar feed: an http(s) address, or `set` (keep the stored one).
        The address is a secret: an error never repeats it."""
        value = m.get("calendar")
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.err(join(path, "calendar"), f"must be an address or 'set', got {kind(value)}")
            return None
        text = value.strip()
        if text == CALENDAR_SET:
            return text
        from omstilling.settings import get_settings  # the one setting a file rule reads

        problem = address_problem(text, allow_loopback=get_settings().calendar_allow_loopback)
        if problem:
            self.err(join(path, "calendar"), problem)
            return None
        return text

    def code(self, m: Mapping[str, Any], key: str, path: str) -> str | None:
        """Text such as a KLE number, where a bare decimal has already lost its zeros."""
        value = m.get(key)
        if isinstance(value, float):
            self.err(
                join(path, key),
                f'must be quoted text such as "{excerpt(str(value))}" (a bare number loses zeros)',
            )
            return None
        return self.text(m, key, path) if value is not None else None

    def count(self, m: Mapping[str, Any], key: str, path: str) -> int | None:
        value = m.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            self.err(join(path, key), f"must be a whole number, got {excerpt(repr(value))}")
            return None
        return value

    def choice(self, m: Mapping[str, Any], d: Declared, path: str) -> str:
        value = self.text(m, d.key, path, required=d.spec.required) or d.default
        if value and value not in d.spec.choices:
            choices = ", ".join(d.spec.choices)
            self.err(join(path, d.key), f"must be one of {choices}, got '{excerpt(str(value))}'")
        # An unknown or missing value has its error; the first choice stands in meanwhile.
        return str(value or d.spec.choices[0])

    def field(self, m: Mapping[str, Any], d: Declared, path: str) -> Any:
        """One declared field, read by its kind (see `domain.fields.Kind`)."""
        kind, key = d.spec.kind, d.key
        if kind == "id":
            return self.slug(m, path)
        if kind == "required":
            return self.text(m, key, path, required=True) or ""
        if kind == "text":
            value = self.text(m, key, path, default=d.default)
            if value is not None and d.spec.pattern and not re.fullmatch(d.spec.pattern, value):
                self.err(join(path, key), f"must be {d.spec.rule}, got '{excerpt(str(value))}'")
            return value if value or d.default is None else d.default
        if kind == "choice":
            return self.choice(m, d, path)
        if kind == "flag":
            return self.flag(m, key, path, bool(d.default))
        if kind == "day":
            return self.day(m, key, path, required=d.spec.required)
        if kind == "texts":
            return self.texts(m, key, path)
        if kind == "phone":
            return self.phone(m.get(key), join(path, key))
        if kind == "hours":
            return self.hours(m.get(key), join(path, key))
        if kind == "count":
            return self.count(m, key, path)
        if kind == "code":
            return self.code(m, key, path)
        raise ValueError(f"{d.name}: a custom field is read by its entity")

    def fields(self, cls: type[Any], m: Mapping[str, Any], path: str) -> dict[str, Any]:
        """Every declared field of `cls` that the file holds and that is not custom."""
        return {
            d.name: self.field(m, d, path)
            for d in declared(cls)
            if d.key and d.spec.kind != "custom"
        }

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


def close_match(key: str, allowed: Set[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.7)
    return found[0] if found else None
