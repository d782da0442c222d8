"""Boards (who is away, what is open, mailings, units away) and the employee's own page."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omstilling.accounts import Principal
from omstilling.domain.danish import format_clock, format_date, format_moment
from omstilling.domain.hours import compile_schedule
from omstilling.domain.presence import CODES, shown_as
from omstilling.store import presence as store
from omstilling.web.auth import page_user
from omstilling.web.console.pages import local_now, render, unit_state
from omstilling.web.deps import directory

router = APIRouter(include_in_schema=False)
PageUser = Annotated[Principal, Depends(page_user)]
SOON = timedelta(minutes=30)


@router.get("/tavler", response_class=HTMLResponse)
def boards(request: Request, user: PageUser) -> HTMLResponse:
    d = directory(request)
    org = d.organisation()
    if org is None:
        return render(request, "boards.html", user, active="/tavler", org=None)
    now = local_now(request, org)
    with d.engine.connect() as conn:
        presence = store.load_presence(conn, now)
        away_rows = store.list_absences(conn, now)
    away_by_unit: dict[str, list[dict[str, Any]]] = {}
    for absence, name in away_rows:
        employee = org.employees.get(absence.employee)
        if employee is None:
            continue
        away_by_unit.setdefault(employee.unit, []).append(
            {
                "name": name,
                "shown_as": shown_as(absence.code),
                "until": format_moment(absence.until.astimezone(now.tzinfo), now)
                if absence.until
                else "ukendt",
            }
        )
    open_now: list[dict[str, Any]] = []
    closing_soon: list[dict[str, Any]] = []
    closed: list[dict[str, Any]] = []
    for unit in org.units.values():
        schedule = compile_schedule(
            org.phone_expression(unit.id), org.municipality.timezone, org.municipality.country
        )
        if schedule.is_open(now):
            change = schedule.next_change(now)
            row = {"unit": unit, "until": format_clock(change) if change else ""}
            (closing_soon if change and change - now <= SOON else open_now).append(row)
        else:
            closed.append({"unit": unit, "state": unit_state(org, unit.id, now)[0]})
    units_away = []
    for unit in org.units.values():
        away = presence.active_unit_away(unit.id, now)
        if away is not None:
            units_away.append(
                {
                    "unit": unit,
                    "until": format_moment(away.end.astimezone(now.tzinfo), now),
                    "note": away.note,
                }
            )
    mailings = [
        {"m": m, "unit": org.units.get(m.unit), "until": format_date(m.calls_expected_until)}
        for m in org.active_mailings(now.date())
    ]
    return render(
        request,
        "boards.html",
        user,
        active="/tavler",
        org=org,
        away=[(org.units[u], rows) for u, rows in away_by_unit.items() if u in org.units],
        open_now=open_now,
        closing_soon=closing_soon,
        closed=closed,
        units_away=units_away,
        mailings=mailings,
        now_text=f"{format_date(now.date())} kl. {format_clock(now)}",
    )


QUICK = {
    "lunch30": ("lunch", timedelta(minutes=30)),
    "home": ("home", None),
}


@router.get("/mig", response_class=HTMLResponse)
def me(request: Request, user: PageUser, saved: str | None = None) -> HTMLResponse:
    d = directory(request)
    org = d.organisation()
    employee = org.employees.get(user.employee_id) if org and user.employee_id else None
    context: dict[str, Any] = {"employee": employee, "saved": saved, "codes": CODES}
    if org is not None and employee is not None:
        now = local_now(request, org)
        with d.engine.connect() as conn:
            presence = store.load_presence(conn, now)
        absence = presence.active_absence(employee.id, now)
        context.update(
            unit=org.units[employee.unit],
            unit_state=unit_state(org, employee.unit, now),
            absence=absence,
            absence_label=shown_as(absence.code) if absence else None,
            absence_until=format_moment(absence.until.astimezone(now.tzinfo), now)
            if absence and absence.until
            else None,
            today=now.date().isoformat(),
        )
    return render(request, "me.html", user, active="/mig", **context)


@router.post("/mig/fravaer", response_model=None)
def set_my_absence(
    request: Request,
    user: PageUser,
    choice: Annotated[str, Form()],
    code: Annotated[str, Form()] = "",
    until_time: Annotated[str, Form()] = "",
    until_date: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """The employee's own code (R3.11): quick choices or any code with an until."""
    d = directory(request)
    org = d.organisation()
    if org is None or not user.employee_id or user.employee_id not in org.employees:
        raise HTTPException(403, "din bruger er ikke knyttet til en medarbejder")
    now = local_now(request, org)
    until: datetime | None = None
    if choice == "clear":
        store.clear_absence(d.engine, user.employee_id, now=now)
        return RedirectResponse("/mig?saved=clear", status_code=303)
    if choice in QUICK:
        code, length = QUICK[choice]
        until = now + length if length else None
    elif choice == "meeting":
        code = "meeting"
        until = _at_time(now, until_time)
    elif choice == "vacation":
        code = "vacation"
        until = _after_day(now, until_date)
    elif choice != "custom" or code not in CODES:
        raise HTTPException(422, "ukendt valg")
    elif until_date or until_time:
        until = (
            _after_day(now, until_date)
            if until_date and not until_time
            else _at_time(now, until_time, until_date)
        )
    try:
        store.set_absence(
            d.engine,
            user.employee_id,
            code,
            now,
            until,
            note,
            actor=user.name,
            now=datetime.now(UTC),
        )
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return RedirectResponse("/mig?saved=1", status_code=303)


def _at_time(now: datetime, text: str, day: str = "") -> datetime:
    try:
        hh, mm = (int(x) for x in text.split(":"))
        on = datetime.fromisoformat(day).date() if day else now.date()
        moment = datetime.combine(on, time(hh, mm), tzinfo=now.tzinfo)
    except ValueError:
        raise HTTPException(422, "skriv tiden som tt:mm") from None
    if moment <= now:
        raise HTTPException(422, "tidspunktet er allerede passeret")
    return moment


def _after_day(now: datetime, text: str) -> datetime:
    """Away through that date: back the morning after."""
    try:
        last = datetime.fromisoformat(text).date()
    except ValueError:
        raise HTTPException(422, "vælg en dato") from None
    if last < now.date():
        raise HTTPException(422, "datoen er allerede passeret")
    return datetime.combine(last + timedelta(days=1), time(0, 0), tzinfo=now.tzinfo)
