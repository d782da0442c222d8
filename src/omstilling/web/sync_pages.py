"""The directory sync's pages (issue 14 items 4 and 6): the admin page of the last runs
(their changes, warnings and errors) and a unit editor's decision on a rule that was
rewritten when someone left (the flag is cleared; the rule is the unit's to change)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from omstilling.accounts import Principal
from omstilling.clock import utc
from omstilling.domain.danish import format_date
from omstilling.domain.organisation import municipality_tz
from omstilling.store import sync_runs
from omstilling.web.auth import page_user, role_required
from omstilling.web.console.pages import render
from omstilling.web.deps import directory
from omstilling.web.deps import now as deps_now
from omstilling.web.editor.routes import editable

router = APIRouter(include_in_schema=False)
PageUser = Annotated[Principal, Depends(page_user)]

OUTCOME = {"done": "Gennemført", "error": "Fejl", "refused": "Afvist (for mange fratrådte)"}
FIELD = {
    "name": "navn",
    "title": "titel",
    "phone": "direkte nummer",
    "mobile": "mobil",
    "email": "e-mail",
    "login": "login",
    "external_id": "id i kilden",
    "extension": "lokalnummer",
    "source": "kilde",
}


@router.get("/synkronisering", response_class=HTMLResponse)
def runs_page(request: Request, user: PageUser) -> HTMLResponse:
    """The last runs of every sync, newest first: admins only."""
    role_required(user, "admin")
    tz = municipality_tz(directory(request).organisation())
    runs: list[dict[str, Any]] = []
    for r in sync_runs.last_runs(request.app.state.engine, 30):
        started = utc(r.started_at).astimezone(tz)
        runs.append(
            {
                "row": r,
                "when": f"{format_date(started.date())} kl. {started:%H.%M}",
                "outcome": OUTCOME.get(r.outcome, r.outcome),
                "report": r.report or {},
            }
        )
    return render(request, "sync/runs.html", user, runs=runs, fields=FIELD)


@router.post("/enheder/{unit_id}/fratraadt/{flag_id}", response_model=None)
def clear_flag(request: Request, user: PageUser, unit_id: str, flag_id: int) -> RedirectResponse:
    """The unit's editor has seen a rule rewritten after a leaver and decided: the flag goes."""
    editable(request, user, unit_id)
    done = sync_runs.clear_flag(
        request.app.state.engine, flag_id, unit_id, actor=user.name, now=deps_now(request)
    )
    if not done:
        raise HTTPException(404, "markeringen findes ikke, eller den er allerede afgjort")
    return RedirectResponse(f"/enheder/{unit_id}?gemt=fratraadt#fratraadte", status_code=303)
