"""The kinds of error every layer shares, as a small catalogue.

A rule raises an error of one kind; the web maps the kind to an HTTP status and
the CLI to an exit code, each in one place (`omstilling.errors`), so no handler
catches and re-raises by hand. An error's text names what is wrong and where,
and never repeats a citizen's fact (a birth day, a CPR number, a caller's words).
"""

from __future__ import annotations

from enum import Enum
from typing import ClassVar


class ErrorKind(Enum):
    """What went wrong, as the caller can act on it. Value: (HTTP status, CLI exit code).

    The CLI's codes: 2 when what was given is wrong (as Click's own usage errors), 1 when
    what was given is fine but the state refuses it (a stale revision, no organisation yet).
    """

    INVALID = (422, 2)  # the input breaks a rule: correct it and try again
    NOT_FOUND = (404, 2)  # an id that names nothing (or nothing any more)
    FORBIDDEN = (403, 2)  # allowed to others, not to this user or token
    CONFLICT = (409, 1)  # the input is fine, the state is not (stale revision, closed message)
    UNAVAILABLE = (503, 1)  # nothing to answer from yet (no organisation imported)

    @property
    def http_status(self) -> int:
        return self.value[0]

    @property
    def exit_code(self) -> int:
        return self.value[1]


class DomainError(Exception):
    """Base of every error a rule raises on purpose; its kind says how to answer it."""

    kind: ClassVar[ErrorKind] = ErrorKind.INVALID


class Invalid(DomainError, ValueError):
    kind = ErrorKind.INVALID


class NotFound(DomainError, LookupError):
    """An id that names nothing (or nothing any more: removed from the organisation)."""

    kind = ErrorKind.NOT_FOUND

    def __init__(self, kind: str, ident: str, message: str | None = None) -> None:
        self.entity = kind
        self.id = ident
        super().__init__(message or f"unknown {kind} '{ident}'")


class Forbidden(DomainError, PermissionError):
    kind = ErrorKind.FORBIDDEN


class Conflict(DomainError):
    kind = ErrorKind.CONFLICT


class Unavailable(DomainError):
    kind = ErrorKind.UNAVAILABLE


class NoOrganisation(Unavailable, LookupError):
    def __init__(self, message: str = "no organisation has been imported yet") -> None:
        super().__init__(message)
