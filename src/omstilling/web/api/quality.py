"""Service measurements over HTTP (R1.7).

POST /api/v1/quality/test-calls takes {"test_calls": [...]} (1 to 500; the fields
of `omstilling.domain.quality.COLUMNS`, yes/no as booleans or text, a time with
or without a zone: without one, the municipality's) and stores all of them or,
when one is wrong, none: the 422's `detail` names each bad call and field.
GET /api/v1/quality/summary?quarter=2026Q4 (or from/to) gives the period's figures.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from omstilling.accounts import Principal
from omstilling.domain.organisation import municipality_tz
from omstilling.domain.quality import QualityError, read_test_call
from omstilling.reports.build import period_from
from omstilling.reports.quality import quality_summary
from omstilling.store.quality import add_test_calls
from omstilling.web import deps
from omstilling.web.api.errors import AUTH, BODY, answers, invalid, path_of
from omstilling.web.auth import require

router = APIRouter(prefix="/api/v1/quality", tags=["quality"])


class TestCallsIn(BaseModel):
    __test__ = False  # not a pytest test class, whatever its name

    test_calls: list[dict[str, str | int | bool | None]] = Field(min_length=1, max_length=500)


@router.post("/test-calls", responses=answers(*AUTH, *BODY, 503))
def post_test_calls(
    body: TestCallsIn,
    request: Request,
    who: Annotated[Principal, Depends(require("quality:write"))],
) -> dict[str, int]:
    d = deps.directory(request)
    org = d.require_organisation()
    tz = municipality_tz(org)
    calls, errors = [], []
    for i, fields in enumerate(body.test_calls):
        try:
            calls.append(read_test_call(fields, tz, lambda u: u in org.units, f"test_calls[{i}]."))
        except QualityError as exc:
            errors.append(invalid(str(exc), ["body", *path_of(exc.where)]))
    if errors:  # none is stored
        raise HTTPException(422, errors)
    return {"stored": add_test_calls(d.engine, calls, actor=who.name, now=deps.now(request))}


@router.get(
    "/summary", dependencies=[Depends(require("reports:read"))], responses=answers(*AUTH, 422)
)
def get_summary(
    request: Request,
    quarter: str | None = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
) -> dict[str, Any]:
    period = period_from(quarter, from_, to)
    org = deps.directory(request).organisation()
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        **quality_summary(request.app.state.engine, period.start, period.end, org),
    }
