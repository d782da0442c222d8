"""The routing brain over HTTP: advice, absence codes, units away and back.

Citizen facts travel only in request bodies, and no error repeats them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from omstilling.accounts import Principal
from omstilling.directory import Directory
from omstilling.domain.advice import InvalidInquiry, NothingFound, UnknownId
from omstilling.domain.citizen import inquiry_from
from omstilling.domain.hours import HoursError
from omstilling.domain.presence import CODES, shown_as
from omstilling.errors import NotFound
from omstilling.store import presence as store
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
    code: str = Field(description=f"One of: {', '.join(CODES)}")
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
    try:
        return directory(request).moment(text, now(request))
    except HoursError:
        raise HTTPException(422, f"{field}: not a time; use YYYY-MM-DDTHH:MM") from None


def _may_set_absence(d: Directory, who: Principal, employee_id: str) -> None:
    org = d.organisation()
    if org is None or employee_id not in org.employees:
        raise HTTPException(404, f"unknown employee '{employee_id}'")
    if not who.may_set_absence(org, employee_id):
        raise HTTPException(403, "you may set only your own absence or that of your units")


def _may_report_unit(d: Directory, who: Principal, unit_id: str) -> None:
    org = d.organisation()
    if org is None or unit_id not in org.units:
        raise HTTPException(404, f"unknown unit '{unit_id}'")
    if not who.may_report_unit(org, unit_id):
        raise HTTPException(403, "you may report only your own units away or back")


@router.post("/advice", dependencies=[Depends(require("advice:read"))])
def post_advice(body: AdviceRequest, request: Request) -> dict[str, object]:
    """The routing advice of spec/advice.md for one call."""
    d = directory(request)
    if d.organisation() is None:
        raise HTTPException(503, "no organisation has been imported yet")
    try:
        inquiry = inquiry_from(
            query=body.q,
            employee=body.employee,
            unit=body.unit,
            task=body.task,
            birth_day=body.birth_day,
            surname=body.surname,
            postcode=body.postcode,
        )
    except InvalidInquiry as exc:  # CitizenFactError too; its text never holds the value
        raise HTTPException(422, str(exc)) from None
    at = _moment(request, body.at, "at")
    try:
        return d.advise(inquiry, at).to_json()
    except UnknownId as exc:
        raise HTTPException(404, str(exc)) from None
    except NothingFound as exc:
        raise HTTPException(404, str(exc)) from None
    except InvalidInquiry as exc:
        raise HTTPException(422, str(exc)) from None


@router.put("/employees/{employee_id}/absence")
def put_absence(
    employee_id: str, body: AbsenceRequest, request: Request, who: AnyPrincipal
) -> dict[str, Any]:
    """Set an employee's absence code (R3.11): for the phone system, a calendar or Teams."""
    if body.code not in CODES:
        raise HTTPException(422, f"code: unknown absence code; known codes: {', '.join(CODES)}")
    d = directory(request)
    _may_set_absence(d, who, employee_id)
    start = _moment(request, body.from_, "from")
    until = _moment(request, body.until, "until") if body.until else None
    try:
        ident = store.set_absence(
            d.engine,
            employee_id,
            body.code,
            start,
            until,
            body.note,
            actor=who.name,
            now=now(request),
        )
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return {
        "id": ident,
        "employee": employee_id,
        "code": body.code,
        "shown_as": shown_as(body.code),
        "from": start.isoformat(),
        "until": until.isoformat() if until else None,
    }


@router.delete("/employees/{employee_id}/absence", status_code=204)
def delete_absence(employee_id: str, request: Request, who: AnyPrincipal) -> Response:
    """Clear the employee's code: present again."""
    d = directory(request)
    _may_set_absence(d, who, employee_id)
    try:
        store.clear_absence(d.engine, employee_id, now=now(request))
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    return Response(status_code=204)


@router.post("/units/{unit_id}/away", status_code=201)
def post_unit_away(
    unit_id: str, body: UnitAwayRequest, request: Request, who: AnyPrincipal
) -> dict[str, Any]:
    """Report a whole unit away (R3.9)."""
    d = directory(request)
    _may_report_unit(d, who, unit_id)
    start = _moment(request, body.from_, "from")
    until = _moment(request, body.until, "until")
    try:
        ident = store.unit_away(
            d.engine, unit_id, start, until, body.note, actor=who.name, now=now(request)
        )
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return {"id": ident, "unit": unit_id, "from": start.isoformat(), "until": until.isoformat()}


@router.post("/units/{unit_id}/back")
def post_unit_back(
    unit_id: str, request: Request, who: AnyPrincipal, body: UnitBackRequest | None = None
) -> dict[str, Any]:
    """Report a unit back (R3.9): the unit-wide absence running now ends."""
    d = directory(request)
    _may_report_unit(d, who, unit_id)
    at = _moment(request, body.at if body else None, "at")
    try:
        ended = store.unit_back(d.engine, unit_id, at)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    return {"unit": unit_id, "back_at": at.isoformat(), "ended": ended}
