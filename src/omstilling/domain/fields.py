"""Each organisation field declared once, on the domain dataclass that holds it.

A field's metadata says how the organisation file reads and writes it (its key,
the kind of value) and which column of the entity's own row stores it. The file
reader and writer, the store's rows and the snapshot loading walk these
declarations, so a new plain field is one line here plus a column and its
migration. Structured values (hours, numbers, distribution rules) are `custom`:
the file and the store spell those out by hand, once each.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

# How the file reads a value (orgfile.fields.Validator has one reader per kind):
#   id        the entity's slug              text      optional text (its default if absent)
#   required  text that must be there         choice    text among `choices`
#   flag      true/false                      day       a date (YYYY-MM-DD)
#   texts     a list of text                  phone     a phone number, stored as E.164
#   hours     an opening_hours expression     count     a whole number >= 0
#   code      quoted text such as a KLE number (a bare decimal loses zeros)
#   custom    read and written by the entity's own code
Kind = Literal[
    "id", "text", "required", "choice", "flag", "day", "texts", "phone", "hours", "count", "code",
    "custom",
]  # fmt: skip

# What the declaration stores under in a dataclass field's metadata.
META = "omstilling"


@dataclass(frozen=True, slots=True)
class Spec:
    kind: Kind
    key: str | None = None  # key in the file; None: the attribute's name; "": not in the file
    column: str | None = None  # column of the entity's row; None: the name; "": no column
    always: bool = False  # the export writes it even when empty or the default
    required: bool = False  # for day and choice: absent is an error
    choices: tuple[str, ...] = ()  # for choice
    pattern: str = ""  # a regular expression the whole text must match ...
    rule: str = ""  # ... and how the error names it ("2-8 digits")
    child: tuple[str, str] | None = None  # texts kept in their own table: (table, value column)
    after: str = ""  # in the file, written right after this key (the file's order is older)


def spec(kind: Kind, **options: Any) -> dict[str, Spec]:
    """The metadata of a declared field: `field(default="", metadata=spec("text"))`."""
    return {META: Spec(kind, **options)}


@dataclass(frozen=True, slots=True)
class Declared:
    """One declared field of an entity, with its names resolved."""

    name: str
    spec: Spec
    key: str  # "" when the file does not hold it
    column: str  # "" when the entity's row does not hold it
    default: Any  # None when the field has no default


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


@dataclass(frozen=True, slots=True)
class _Entity:
    """An entity's declarations, worked out once per class (the store reads them per row)."""

    fields: tuple[Declared, ...]
    keys: frozenset[str]
    columns: tuple[Declared, ...]
    children: tuple[Declared, ...]


_entities: dict[type[Any], _Entity] = {}


def _entity(cls: type[Any]) -> _Entity:
    found = _entities.get(cls)
    if found is None:
        fields = _declare(cls)
        found = _entities[cls] = _Entity(
            fields,
            frozenset(d.key for d in fields if d.key),
            tuple(d for d in fields if d.column),
            tuple(d for d in fields if d.spec.child is not None),
        )
    return found


def declared(cls: type[Any]) -> tuple[Declared, ...]:
    """The declared fields of a domain class, in the order the file writes them."""
    return _entity(cls).fields


def _declare(cls: type[Any]) -> tuple[Declared, ...]:
    out: list[Declared] = []
    for f in dataclasses.fields(cls):
        s: Spec | None = f.metadata.get(META)
        if s is None:
            continue
        key = f.name if s.key is None else s.key
        # A list kept in a table of its own is no column of the entity's row.
        column = "" if s.child else f.name if s.column is None else s.column
        out.append(Declared(f.name, s, key, column, _default(f)))
    for d in [d for d in out if d.spec.after]:
        out.remove(d)
        out.insert(next(i for i, x in enumerate(out) if x.key == d.spec.after) + 1, d)
    return tuple(out)


def file_keys(cls: type[Any]) -> frozenset[str]:
    """Every key the file allows in an entity's mapping."""
    return _entity(cls).keys


def columns(cls: type[Any]) -> tuple[Declared, ...]:
    """The declared fields that the entity's own row stores, one column each."""
    return _entity(cls).columns


def children(cls: type[Any]) -> tuple[Declared, ...]:
    """Lists of text kept in a table of their own (keywords, an employee's tasks, ...)."""
    return _entity(cls).children
