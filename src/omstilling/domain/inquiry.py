"""What a call is about, as the advice of spec/advice.md is asked: the inquiry and the
ways it can fail. The citizen's facts in it are read by `omstilling.domain.citizen`."""

from __future__ import annotations

from dataclasses import dataclass

from omstilling.domain.errors import DomainError, ErrorKind, Invalid, NotFound

__all__ = ["Inquiry", "InvalidInquiry", "NothingFound", "UnknownId"]


@dataclass(frozen=True, slots=True)
class Inquiry:
    """What the call is about (one of query / employee / unit / task) and what the
    citizen has told us (all optional). Citizen facts never appear in error messages."""

    query: str | None = None
    employee: str | None = None
    unit: str | None = None
    task: str | None = None
    birth_day: int | None = None
    surname: str | None = None
    postcode: str | None = None


class UnknownId(NotFound):
    """An explicit id that the organisation does not hold."""

    def __init__(self, kind: str, id: str) -> None:
        super().__init__(kind, id, f"unknown {kind} {id!r}")


class NothingFound(DomainError, LookupError):
    """A free-text query that matched nothing."""

    kind = ErrorKind.NOT_FOUND


class InvalidInquiry(Invalid):
    """The inquiry cannot be answered as asked; the message names fields, never values."""
