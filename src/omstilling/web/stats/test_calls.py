"""Recording a test call (R1.7): /statistik/testopkald, for managers.

The form takes one test call as the person who made it noted it; the statistics
page and the quarterly report show the period's figures. Many at once: the CSV
import (`omstilling quality import`) or the API.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from omstilling.accounts import Principal
from omstilling.domain.organisation import municipality_tz
from omstilling.domain.quality import COLUMNS, CRITERIA, QualityError, read_test_call
from omstilling.store.quality import add_test_calls, measured_between
from omstilling.web.auth import page_user, role_required
from omstilling.web.console.pages import local_now, render
from omstilling.web.deps import directory, now

router = APIRouter(include_in_schema=False)
PageUser = Annotated[Principal, Depends(page_user)]
FIELDS = COLUMNS
RECENT_DAYS = 31


def _page(
    request: Request, user: Principal, values: dict[str, str], error: str | None, saved: bool
) -> HTMLResponse:
    d = directory(request)
    org = d.organisation()
    today = local_now(request, org).date()
    tz = municipality_tz(org)
    recent = measured_between(d.engine, today - timedelta(days=RECENT_DAYS), today, tz)
    units = sorted(org.units.values(), key=lambda u: u.name.lower()) if org else []
    names = {u.id: u.name for u in units}
    response = render(
        request,
        "stats/test_calls.html",
        user,
        active="/statistik",
        units=units,
        names=names,
        criteria=CRITERIA,
        values=values,
        error=error,
        saved=saved,
        recent=list(reversed(recent))[:20],
        tz=tz,
    )
    if error:
        response.status_code = 422
    return response


@router.get("/statistik/testopkald", response_class=HTMLResponse)
def test_call_form(request: Request, user: PageUser, gemt: int = 0) -> HTMLResponse:
    role_required(user, "manager")
    org = directory(request).organisation()
    start = local_now(request, org).strftime("%Y-%m-%dT%H:%M")
    return _page(request, user, {"at": start, "answered": "yes"}, None, bool(gemt))


@router.post("/statistik/testopkald", response_model=None)
async def record_test_call(request: Request, user: PageUser) -> HTMLResponse | RedirectResponse:
    role_required(user, "manager")
    form = await request.form()
    values = {name: str(form.get(name) or "") for name in FIELDS}
    d = directory(request)
    org = d.organisation()
    if org is None:
        return _page(request, user, values, "Ingen organisation er indlæst.", False)
    try:
        call = read_test_call(values, municipality_tz(org), lambda u: u in org.units)
    except QualityError as exc:
        return _page(request, user, values, _danish(exc), False)
    add_test_calls(d.engine, [call], actor=user.name, now=now(request))
    return RedirectResponse("/statistik/testopkald?gemt=1", status_code=303)


_FIELD_DA = {
    "at": "Tidspunkt",
    "unit": "Enhed",
    "answered": "Besvaret",
    "wait_seconds": "Ventetid",
    "served": "Klaret ved første opkald",
    "named": "Svarede med navn",
    "offered_service": "Tilbød besked eller en kollega",
    "apology": "Undskyldning",
    "by": "Målt af",
    "note": "Bemærkning",
    **CRITERIA,
}


def _danish(exc: QualityError) -> str:
    """The field in Danish; the reason as the rule gives it."""
    return f"{_FIELD_DA.get(exc.where, exc.where)}: {exc.danish}"
