"""Errors that every layer shares: the catalogue is `omstilling.domain.errors` (pure, so the
domain's own rules raise them too); the web maps each kind to an HTTP answer
(`omstilling.web.errors`), the CLI to an exit code (`omstilling.cli.common`)."""

from __future__ import annotations

from omstilling.domain.errors import (
    Conflict,
    DomainError,
    ErrorKind,
    Forbidden,
    Invalid,
    NoOrganisation,
    NotFound,
    Unavailable,
)

__all__ = [
    "Conflict",
    "DomainError",
    "ErrorKind",
    "Forbidden",
    "Invalid",
    "NoOrganisation",
    "NotFound",
    "Unavailable",
]
