"""The access log never holds a CPR number (issue 12 item 4).

Uvicorn logs each request line, query string included. The console's search is a
POST, so what a citizen said is not in a URL of ours; but any client can put a CPR
number in a path or a query (a careless integration, a probe), and the log line is
written before any route refuses it. This filter hides such a query, or the whole
path, in the log line; the one CPR guard (domain.citizen) decides.

The public search (issue 17) is a GET from the citizen's own browser: what a citizen
asks about is theirs, so its `q` is masked in every log line, whatever it holds.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote, unquote_plus

from omstilling.domain.citizen import looks_like_cpr

ACCESS_LOGGER = "uvicorn.access"
HIDDEN_QUERY = "?(hidden: shaped like a CPR number)"
HIDDEN_PATH = "(path hidden: shaped like a CPR number)"
# Paths whose query text is never logged: "q=(hidden)" stands in for it.
MASKED_QUERY_PATHS = frozenset({"/api/v1/public/search", "/offentlig/soeg"})
MASKED_PARAMETERS = frozenset({"q"})
HIDDEN_VALUE = "(hidden)"


def private_path(full_path: str) -> str:
    """The request's path and query as the log may show them."""
    path, _, query = full_path.partition("?")
    # As the client sent it: "%20" and "+" are spaces, and a "%20" before the number
    # would otherwise read as a digit in front of it.
    if looks_like_cpr(unquote(path)):
        return HIDDEN_PATH
    if query and path in MASKED_QUERY_PATHS:
        query = "&".join(_masked(part) for part in query.split("&"))
        full_path = f"{path}?{query}"
    if query and looks_like_cpr(unquote_plus(query)):
        return path + HIDDEN_QUERY
    return full_path


def _masked(part: str) -> str:
    name, _sep, _value = part.partition("=")
    if unquote_plus(name) in MASKED_PARAMETERS:
        return f"{name}={HIDDEN_VALUE}"
    return part


class PrivateRequestLine(logging.Filter):
    """Rewrites uvicorn's access record: args are (client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], private_path(args[2]), *args[3:])
        return True


def install() -> None:
    """Put the filter on uvicorn's access logger once per process (each app asks)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, PrivateRequestLine) for f in logger.filters):
        logger.addFilter(PrivateRequestLine())
