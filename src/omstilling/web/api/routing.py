"""The routing brain over HTTP: advice, absence codes, units away and back.

Citizen facts travel only in request bodies, and no error repeats them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from omstilling.accounts import Principal
from omstilling.directory import Directory
from omstilling.domain.citizen import inquiry_from
from omstilling.domain.labels import AbsenceCode
from omstilling.domain.presence import CODES, shown_as
from omstilling.errors import Forbidden, Invalid, NotFound
from omstilling.store import presence as store
from omstilling.web.api.errors import AUTH, BODY, answers
from omstilling.web.auth import require
from omstilling.web.deps import directory, now

AnyPrincipal = Annotated[Principal, Depends(require())]

router = APIRouter(prefix="/api/v1")


class AdviceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: str | None = Field(None, description="What the call is about, in free text")
    employee: str | None = None
    unit: str | None = None
    task: str | None = None
    at: str | None = Field(None, description="YYYY-MM-DDTHH:MM, local time unless an offset")
    birth_day: int | str | None = Field(None, description="Day of the month of birth, 1-31")
    surname: str | None = None
    postcode: str | None = None


class AbsenceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    code: AbsenceCode = Field(description=f"One of: {', '.join(CODES)}")
    from_: str | None = Field(None, alias="from", description="Start (default: now)")
    until: str | None = Field(None, description="Expected return; null when unknown")
    note: str = Field("", max_length=500, description="Internal; never told to citizens")


class UnitAwayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: str | None = Field(None, alias="from", description="Start (default: now)")
    until: str
    note: str = Field("", max_length=500)


class UnitBackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: str | None = None


def _moment(request: Request, text: str | None, field: str) -> datetime:
    return directory(request).moment(text, now(request), field)


def _may_set_absence(d: Directory, who: Principal, employee_id: str) -> None:
    # Who may set no one's absence is refused before the id is looked up: a 404 for an
    # unknown id and a 403 for a known one would let any token probe the employees.
    if not (who.employee_id or who.role == "editor" or who.has("presence:write")):
        raise Forbidden("setting an absence takes presence:write (or your own employee)")
    org = d.require_organisation()
    if employee_id not in org.employees:
        raise NotFound("employee", employee_id)
    if not who.may_set_absence(org, employee_id):
        raise Forbidden("you may set only your own absence or that of your units")


def _may_report_unit(d: Directory, who: Principal, unit_id: str) -> None:
    if not who.has("presence:write"):  # before the lookup, as above
        raise Forbidden("reporting a unit away or back takes presence:write")
    org = d.require_organisation()
    if unit_id not in org.units:
        raise NotFound("unit", unit_id)
    if not who.may_report_unit(org, unit_id):
        raise Forbidden("you may report only your own units away or back")


@router.post(
    "/advice",
    dependencies=[Depends(require("advice:read"))],
    responses=answers(*AUTH, *BODY, 404, 503),
)
def post_advice(body: AdviceRequest, request: Request) -> dict[str, object]:
    """The routing advice of spec/advice.md for one call."""
    d = directory(request)
    d.require_organisation()
    # Errors name fields, never the citizen's facts (CitizenFactError, InvalidInquiry).
    inquiry = inquiry_from(
        query=body.q,
        employee=body.employee,
        unit=body.unit,
        task=body.task,
        birth_day=body.birth_day,
        surname=body.surname,
        postcode=body.postcode,
    )
    return d.advise(inquiry, _moment(request, body.at, "at")).to_json()


@router.put("/employees/{employee_id}/absence", responses=answers(*AUTH, *BODY, 404, 503))
def put_absence(
    employee_id: str, body: AbsenceRequest, request: Request, who: AnyPrincipal
) -> dict[str, Any]:
    """Set an employee's absence code (R3.11): for the phone system, a calendar or Teams."""
    if body.code not in CODES:
        raise Invalid(f"code: unknown absence code; known codes: {', '.join(CODES)}")
    d = directory(request)
    _may_set_absence(d, who, employee_id)
    start = _moment(request, body.from_, "from")
    until = _moment(request, body.until, "until") if body.until else None
    # Who set it (issue 15): the phone system's token, the employee, an editor, an operator.
    source = (
        "api"
        if who.kind == "token"
        else "person"
        if who.employee_id == employee_id
        else "editor"
        if who.role == "editor"
        else "operator"
    )
    ident = store.set_absence(
        d.engine,
        employee_id,
        body.code,
        start,
        until,
        body.note,
        actor=who.name,
        now=now(request),
        source=source,
    )
    return {
        "id": ident,
        "employee": employee_id,
        "code": body.code,
        "shown_as": shown_as(body.code),
        "from": start.isoformat(),
        "until": until.isoformat() if until else None,
    }


@router.delete(
    "/employees/{employee_id}/absence",
    status_code=204,
    responses=answers(*AUTH, 404, 422, 503),
)
def delete_absence(employee_id: str, request: Request, who: AnyPrincipal) -> Response:
    """Clear the employee's code: present again."""
    d = directory(request)
    _may_set_absence(d, who, employee_id)
    store.clear_absence(d.engine, employee_id, now=now(request))
    return Response(status_code=204)


@router.post("/units/{unit_id}/away", status_code=201, responses=answers(*AUTH, *BODY, 404, 503))
def post_unit_away(
    unit_id: str, body: UnitAwayRequest, request: Request, who: AnyPrincipal
) -> dict[str, Any]:
    """Report a whole unit away (R3.9)."""
    d = directory(request)
    _may_report_unit(d, who, unit_id)
    start = _moment(request, body.from_, "from")
    until = _moment(request, body.until, "until")
    ident = store.unit_away(
        d.engine, unit_id, start, until, body.note, actor=who.name, now=now(request)
    )
    return {"id": ident, "unit": unit_id, "from": start.isoformat(), "until": until.isoformat()}


@router.post("/units/{unit_id}/back", responses=answers(*AUTH, *BODY, 404, 503))
def post_unit_back(
    unit_id: str, request: Request, who: AnyPrincipal, body: UnitBackRequest | None = None
) -> dict[str, Any]:
    """Report a unit back (R3.9): the unit-wide absence running now ends."""
    d = directory(request)
    _may_report_unit(d, who, unit_id)
    at = _moment(request, body.at if body else None, "at")
    ended = store.unit_back(d.engine, unit_id, at)
    return {"unit": unit_id, "back_at": at.isoformat(), "ended": ended}
