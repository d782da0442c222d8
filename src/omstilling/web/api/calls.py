"""Calls over HTTP: live events from the PBX, and the report in every format.

POST /api/v1/calls/events takes {"events": [...]} (1 to 500; spec/call-data.md
section 3) and answers 200 only after the events are committed. The handler is
a thin shell over `omstilling.calls.events.EventStore.store`, so that:

* authentication (a bearer token with the `calls:write` scope; `reports:read`
  for the report) stays a dependency on the route, apart from ingestion, and
* the console's live push can subscribe: every callable in
  `app.state.call_event_listeners` (a `list[Callable[[list[CallEventIn]], None]]`)
  is called after the commit with the events that were new in the request
  (duplicates never). A listener must be quick (hand off to a queue) and must
  not raise; an exception is logged and swallowed, because the PBX's events are
  already stored and must be acknowledged.

GET /api/v1/calls/report?from=&to=&threshold=&format= gives the report (JSON by
default; csv, xlsx, html as downloads); `quarter=2026Q4` instead of from/to.
"""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from omstilling.calls.events import CallEventsIn, EventStore
from omstilling.domain.kpi import MAX_WAIT_BUCKET, Targets
from omstilling.errors import Invalid
from omstilling.reports.build import build_report, period_from
from omstilling.web import deps
from omstilling.web.api.errors import AUTH, BODY, answers
from omstilling.web.auth import require

router = APIRouter(prefix="/api/v1/calls", tags=["calls"])
log = logging.getLogger(__name__)


def event_store(request: Request) -> EventStore:
    state = request.app.state
    store: EventStore | None = getattr(state, "call_event_store", None)
    if store is None:
        store = state.call_event_store = EventStore(state.engine)
    if not hasattr(state, "call_event_listeners"):
        state.call_event_listeners = []
    return store


@router.post(
    "/events", dependencies=[Depends(require("calls:write"))], responses=answers(*AUTH, *BODY)
)
def post_events(body: CallEventsIn, request: Request) -> dict[str, Any]:
    """Store live call events; idempotent by event id; 200 only once committed."""
    # A clock gone wrong at the PBX: nothing dated more than a day ahead of ours.
    latest = deps.now(request) + timedelta(days=1)
    late = [i for i, e in enumerate(body.events) if e.at > latest]
    if late:
        raise Invalid(f"events[{late[0]}].at: more than a day in the future; nothing was stored")
    result = event_store(request).store(body.events)
    if result.stored:
        for listener in list(request.app.state.call_event_listeners):
            try:
                listener(result.stored)
            except Exception:  # stored already: the PBX must get its acknowledgement
                log.exception("call event listener failed")
    return {"stored": len(result.stored), "duplicates": result.duplicates}


CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


def render(report: dict[str, Any], fmt: str, targets: Targets | None = None) -> bytes:
    if fmt == "json":
        return json.dumps(report, ensure_ascii=False, indent=2).encode()
    if fmt == "csv":
        from omstilling.reports.formats import to_csv

        return to_csv(report).encode("utf-8")
    if fmt == "xlsx":
        from omstilling.reports.formats import to_xlsx

        return to_xlsx(report)
    from omstilling.reports.html import render_report

    return render_report(report, targets=targets).encode("utf-8")


@router.get(
    "/report",
    dependencies=[Depends(require("reports:read"))],
    responses={
        200: {
            "description": "The report in the format asked for",
            "content": {
                media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                for media in CONTENT_TYPES.values()
                if not media.startswith("application/json")
            },
        },
        **answers(*AUTH, 422),
    },
)
def get_report(
    request: Request,
    quarter: str | None = None,
    from_: date | None = Query(None, alias="from"),
    to: date | None = None,
    threshold: int | None = Query(None, ge=0, le=MAX_WAIT_BUCKET),
    format: str = Query("json", pattern="^(json|csv|xlsx|html)$"),
    service_level: int | None = Query(None, ge=0, le=100),
    answer_rate: int | None = Query(None, ge=0, le=100),
    abandon_rate: int | None = Query(None, ge=0, le=100),
) -> Response:
    """The report of spec/call-data.md for a quarter or a period (R3.13). The threshold
    and the targets (whole percents) default to the settings (OMSTILLING_SERVICE_*)."""
    period = period_from(quarter, from_, to)
    shares = (None if v is None else v / 100 for v in (service_level, answer_rate, abandon_rate))
    targets = request.app.state.settings.targets(threshold, *shares)
    threshold = targets.threshold_seconds
    report = build_report(
        request.app.state.engine, period, threshold, measurements=format in ("html", "xlsx")
    )
    headers = {}
    if format != "json":
        name = f"telefonstatistik-{period.start}-{period.end}.{format}"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    body = render(report, format, targets)
    return Response(body, media_type=CONTENT_TYPES[format], headers=headers)
