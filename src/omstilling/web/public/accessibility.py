"""The accessibility statement (tilgængelighedserklæring, issue 17 item 6).

Danish public bodies write the statement in Digitaliseringsstyrelsen's WAS-Tool, which
publishes it at an address of its own. With `OMSTILLING_ACCESSIBILITY_STATEMENT_URL` set,
`/tilgaengelighed` sends the browser there; without it, a Danish page says the statement
is not registered yet and gives the municipality what it needs to fill it in: the date
and result of the last automated check and what is known not to be accessible.

The check's figures come from `accessibility_check.json` beside this module, written by
the project's own browser tests (tests/browser/test_accessibility.py: axe-core over every
page and role, with the demo municipality). They describe this version of the software,
not a measurement of the municipality's own installation, and the page says so.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omstilling.domain.danish import format_date, format_phone
from omstilling.web.console.pages import current_user_or_none, render
from omstilling.web.deps import directory

pages = APIRouter(include_in_schema=False)

CHECK_FILE = Path(__file__).with_name("accessibility_check.json")

# What the project knows is not (or not shown to be) accessible. Kept by hand: each
# entry is something a test cannot settle or a limit we have not mended.
KNOWN_ISSUES = (
    "Statistiksidens varmekort over opkald pr. ugedag og time viser antallet med farve: "
    "skærmlæsere får kun diagrammets samlede beskrivelse, ikke tallet i hvert felt. Tallene "
    "findes i rapportens Excel-, CSV- og JSON-udgave.",
    "Den automatiske test (axe-core) finder kun en del af WCAG-kravene. Skærmlæsere, "
    "talegenkendelse og forstørrelse er ikke afprøvet af brugere med handicap.",
    "Sider og dokumenter uden for systemet (kommunens hjemmeside, Udbetaling Danmark "
    "og andre, der henvises til) er ikke omfattet af testen.",
)


def last_check(path: Path = CHECK_FILE) -> dict[str, Any] | None:
    """The last automated check as the test run wrote it, or None if there is none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["date_text"] = format_date(date.fromisoformat(data["date"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return data if isinstance(data, dict) else None


@pages.get("/tilgaengelighed", response_model=None)
def accessibility_statement(request: Request) -> Response:
    url = request.app.state.settings.accessibility_statement_url
    if url:
        return RedirectResponse(url, status_code=303)
    return statement_page(request)


def statement_page(request: Request) -> HTMLResponse:
    org = directory(request).organisation()
    main = org.municipality.main_number if org is not None else None
    return render(
        request,
        "public/accessibility.html",
        current_user_or_none(request),
        active="/tilgaengelighed",
        check=last_check(),
        known_issues=KNOWN_ISSUES,
        main_number={"e164": main, "display": format_phone(main)} if main else None,
    )
