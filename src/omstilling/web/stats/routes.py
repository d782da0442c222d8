"""The managers' statistics page (/statistik): a period picker and the report (R3.12, R3.13)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from omstilling.accounts import Principal
from omstilling.domain.kpi import MAX_WAIT_BUCKET, Targets, quarter_bounds, quarter_of
from omstilling.reports.build import Period, PeriodError, build_report
from omstilling.reports.html import CSS, report_body
from omstilling.reports.publish import quarters_with_calls
from omstilling.web.auth import page_user, role_required
from omstilling.web.console.pages import local_now, render
from omstilling.web.deps import directory

router = APIRouter(include_in_schema=False)
PageUser = Annotated[Principal, Depends(page_user)]


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        shown = (text or "")[:20]
        raise PeriodError(
            f"'{shown}' is not a date (YYYY-MM-DD)", f"'{shown}' er ikke en dato (ÅÅÅÅ-MM-DD)"
        ) from None


def _percents(targets: Targets) -> dict[str, int]:
    """The targets as the form and the report's links name them: whole percents."""
    return {
        "service_level": round(targets.service_level * 100),
        "answer_rate": round(targets.answer_rate * 100),
        "abandon_rate": round(targets.max_abandon_rate * 100),
    }


@router.get("/statistik/rapport.css")
def report_css() -> Response:
    """The report's own stylesheet, for the statistics page (no inline style: see web/headers)."""
    return Response(CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@router.get("/statistik", response_class=HTMLResponse)
def statistics(
    request: Request,
    user: PageUser,
    quarter: str | None = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    threshold: int | None = None,
    service_level: Annotated[int | None, Query(ge=0, le=100)] = None,
    answer_rate: Annotated[int | None, Query(ge=0, le=100)] = None,
    abandon_rate: Annotated[int | None, Query(ge=0, le=100)] = None,
) -> HTMLResponse:
    role_required(user, "manager")
    settings = request.app.state.settings
    if threshold is None:
        threshold = settings.service_threshold_seconds
    targets = settings.targets(
        None, *(None if v is None else v / 100 for v in (service_level, answer_rate, abandon_rate))
    )
    d = directory(request)
    org = d.organisation()
    engine = request.app.state.engine
    quarters = list(reversed(quarters_with_calls(engine)))
    error = body = None
    query = ""
    try:
        threshold = max(0, min(MAX_WAIT_BUCKET, threshold))
        start, end = _day(from_), _day(to)
        if quarter:
            start, end = quarter_bounds(quarter)
        elif start is None or end is None:
            quarter = quarters[0] if quarters else quarter_of(local_now(request, org).date())
            start, end = quarter_bounds(quarter)
        period = Period(start, end)
        report = build_report(engine, period, threshold, organisation=org, measurements=True)
        title = (
            f"{quarter[-1]}. kvartal {quarter[:4]}" if quarter else f"{period.start} – {period.end}"
        )
        targets = replace(targets, threshold_seconds=threshold)
        body = report_body(report, org=org, targets=targets, title=title)
        query = urlencode(
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "threshold": threshold,
                **_percents(targets),
            }
        )
    except PeriodError as exc:
        error = exc.da
        start = end = None
    except ValueError as exc:
        error = str(exc)
        start = end = None
    return render(
        request,
        "stats/index.html",
        user,
        active="/statistik",
        quarters=quarters,
        quarter=quarter or "",
        from_=start.isoformat() if start and not quarter else "",
        to=end.isoformat() if end and not quarter else "",
        threshold=threshold,
        targets=_percents(targets),
        body=body,
        error=error,
        query=query,
    )
