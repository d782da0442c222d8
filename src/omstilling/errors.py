"""Errors that every layer shares: the web maps them to HTTP answers, the CLI to exit codes."""

from __future__ import annotations


class NotFound(LookupError):
    """An id that names nothing (or nothing any more: removed from the organisation)."""

    def __init__(self, kind: str, ident: str) -> None:
        self.kind = kind
        self.id = ident
        super().__init__(f"unknown {kind} '{ident}'")
