"""Hvem skal jeg ringe til? The public search as a page and as JSON (issue 17 items 1-3).

No login. The page is a plain GET form with a results page, and answers as the citizen
types through htmx (the `HX-Request` header asks for the results alone). The API is for
the municipality's own site: CORS from OMSTILLING_PUBLIC_SEARCH_ORIGINS (web.public.cors),
and /static/hvem.js renders the same box there. Both answer from
`omstilling.domain.public_search`, so they say the same; both count each search against
the client's address (web.throttle: 429 with Retry-After), and the query is masked in
the access log (web.accesslog).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from omstilling.domain.danish import format_phone, format_wait
from omstilling.domain.labels import ENTITY_KIND
from omstilling.domain.public_search import (
    MAX_QUERY,
    PublicAnswer,
    QueryRefused,
    public_search,
    read_query,
)
from omstilling.errors import NoOrganisation
from omstilling.settings import Settings, origins
from omstilling.web.api.errors import answers
from omstilling.web.auth import client_address
from omstilling.web.console.pages import current_user_or_none, local_now, render
from omstilling.web.deps import directory
from omstilling.web.public.cors import PublicCors
from omstilling.web.public.routes import official_hours
from omstilling.web.throttle import Throttle

SEARCH_PATH = "/api/v1/public/search"
PAGE_PATH = "/offentlig/soeg"
RESULTS = 10

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/public", tags=["public"])


def install(app: FastAPI, settings: Settings) -> None:
    """The throttle, CORS for the API route, and the routes."""
    app.state.public_throttle = Throttle(settings.public_search_per_minute)
    app.add_middleware(
        PublicCors, origins=origins(settings.public_search_origins), paths=(SEARCH_PATH,)
    )
    app.include_router(pages)
    app.include_router(api)


def _wait(request: Request) -> int:
    throttle: Throttle = request.app.state.public_throttle
    return throttle.wait(client_address(request))


# --- the API --------------------------------------------------------------------------


class NumberOut(BaseModel):
    e164: str = Field(description='The number to call, E.164: "+4589151515"')
    display: str = Field(description='As a Dane writes it: "89 15 15 15"')


class HoursOut(BaseModel):
    label: Literal["Telefontid"] = Field(
        description="Always the unit's phone hours (R3.2): never the municipality's "
        "opening hours, which /api/v1/public/hours gives"
    )
    text: str = Field(description='In Danish: "mandag 8.00-18.00, fredag 8.00-14.00"')
    status: str = Field(description='"Åben nu, til kl. 15.00" or "Lukket nu, åbner i morgen ..."')


class ResultOut(BaseModel):
    kind: Literal["task", "unit", "employee"]
    name: str
    unit: str = Field(description="Who answers the number (a unit, or another authority)")
    number: NumberOut | None = Field(
        description="A function number, another authority's number or a direct number that "
        "may be published (never a sensitive unit's or a non-public person's, R3.8)"
    )
    hours: HoursOut | None = Field(description="None for a task another authority handles")
    open_now: bool | None
    opens: datetime | None = Field(description="When closed: when the phone hours begin next")
    answer: str = Field(description="What the switchboard would say, when it says it itself")
    url: str | None = Field(description="A web address the answer names")


class SearchOut(BaseModel):
    results: list[ResultOut]


def result_json(a: PublicAnswer) -> ResultOut:
    h = a.hours
    return ResultOut(
        kind=a.kind,
        name=a.name,
        unit=a.unit,
        number=NumberOut(e164=a.number.e164, display=a.number.display) if a.number else None,
        hours=HoursOut(label="Telefontid", text=h.text, status=h.status) if h else None,
        open_now=h.open_now if h else None,
        opens=h.opens if h else None,
        answer=a.answer,
        url=a.url,
    )


def flood_guard(request: Request) -> None:
    """Runs before the query is read: a flood of bad queries is a flood too."""
    wait = _wait(request)
    if wait:
        raise HTTPException(
            429,
            f"too many searches from this address; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )


@api.get(
    "/search",
    dependencies=[Depends(flood_guard)],
    responses=answers(422, 429, 503),
)
def search_json(
    request: Request,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_QUERY,
            description="What the citizen asks about: pas, storskrald, a unit or a name. "
            "Never a CPR number (refused 422, not echoed, not logged)",
        ),
    ],
) -> SearchOut:
    """Hvem skal jeg ringe til? Tasks, units and public people with the number to call,
    the phone hours and whether they are open now (R3.2, R3.7, R3.8). No login; CORS
    for the origins the municipality names; rate limited per client address."""
    query = read_query(q)
    indexed = directory(request).indexed()
    if indexed is None:
        raise NoOrganisation()
    now = local_now(request, indexed.org)
    found = public_search(indexed.org, indexed.index, query, now, RESULTS)
    return SearchOut(results=[result_json(a) for a in found])


# --- the page -------------------------------------------------------------------------


def result_view(a: PublicAnswer) -> dict[str, Any]:
    return {
        "answer": a,
        "kind_da": ENTITY_KIND.label(a.kind),
        "link_text": (a.url or "").removeprefix("https://").removeprefix("http://"),
    }


def _search(request: Request, q: str | None, fragment: bool) -> tuple[dict[str, Any], int]:
    """What the results show, and the status: the page's context for a query (or none)."""
    context: dict[str, Any] = {"q": "", "results": [], "message": "", "searched": False}
    if q is None or (fragment and not q.strip()):
        return context, 200  # nothing asked yet, or the box emptied while typing
    if wait := _wait(request):
        context["message"] = f"Der er søgt for mange gange. Prøv igen om {format_wait(wait)}."
        context["retry_after"] = wait
        return context, 429
    try:
        query = read_query(q)
    except QueryRefused as refused:
        # Not searched; a CPR number is not shown back either, nor an over-long text whole.
        context["q"] = "" if refused.reason == "cpr" else q[:MAX_QUERY]
        context["message"] = refused.danish
        return context, 200
    context["q"] = query
    indexed = directory(request).indexed()
    if indexed is None:
        context["message"] = "Søgningen er ikke klar endnu. Prøv igen om lidt."
        return context, 503
    now = local_now(request, indexed.org)
    found = public_search(indexed.org, indexed.index, query, now, RESULTS)
    context["results"] = [result_view(a) for a in found]
    context["searched"] = True
    return context, 200


@pages.get(PAGE_PATH, response_class=HTMLResponse)
def search_page(request: Request, q: str | None = None) -> HTMLResponse:
    """The results page (without JavaScript) and, asked by htmx, the results alone."""
    fragment = request.headers.get("hx-request") == "true"
    context, status = _search(request, q, fragment)
    org = directory(request).organisation()
    main = org.municipality.main_number if org else None
    context["main_number"] = {"e164": main, "display": format_phone(main)} if main else None
    # htmx swaps only a 2xx answer: the box says "too many" in words, with the header.
    wait = context.pop("retry_after", None)
    if fragment:
        response = render(request, "public/_search_results.html", None, **context)
        response.status_code = 200
    else:
        official = official_hours(org, local_now(request, org)) if org else None
        user = current_user_or_none(request)
        response = render(
            request, "public/search.html", user, active="/offentlig", org=org,
            official=official, **context,
        )  # fmt: skip
        response.status_code = status
    if wait:
        response.headers["Retry-After"] = str(wait)
    return response
