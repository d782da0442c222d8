"""Boards (who is away, what is open, mailings, units away) and the employee's own page.

The figures and the meaning of the employee's choices live in the domain
(`domain/boards.py`, `domain/own_absence.py`); these handlers only ask and render."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omstilling.accounts import Principal
from omstilling.domain.boards import absence_until_text, board
from omstilling.domain.citizen import HoldsCpr
from omstilling.domain.contact import employee_contact
from omstilling.domain.own_absence import chosen_absence
from omstilling.domain.presence import CODES, shown_as
from omstilling.reports.this_week import WeekFigures
from omstilling.store import presence as store
from omstilling.store import sync_runs
from omstilling.web.auth import page_user
from omstilling.web.console.pages import local_now, render, unit_state
from omstilling.web.deps import directory

router = APIRouter(include_in_schema=False)
PageUser = Annotated[Principal, Depends(page_user)]


@router.get("/tavler", response_class=HTMLResponse)
def boards(request: Request, user: PageUser) -> HTMLResponse:
    d = directory(request)
    org = d.organisation()
    if org is None:
        return render(request, "boards.html", user, active="/tavler", org=None)
    now = local_now(request, org)
    figures = board(org, d.presence.at(now), now)
    week: WeekFigures | None = getattr(request.app.state, "week_figures", None)
    if week is None:
        week = request.app.state.week_figures = WeekFigures(d.engine)
    return render(
        request,
        "boards.html",
        user,
        active="/tavler",
        org=org,
        leaver_flags=sync_runs.open_flags(d.engine),  # issue 14, R3.5
        away=figures.away,
        open_now=figures.open_now,
        closing_soon=figures.closing_soon,
        units_away=figures.units_away,
        mailings=figures.mailings,
        now_text=figures.now_text,
        # R3.12: the switchboard follows up this week, not only managers each quarter.
        hard_to_reach=week.get(org, now),
    )


@router.get("/mig", response_class=HTMLResponse)
def me(request: Request, user: PageUser, saved: str | None = None) -> HTMLResponse:
    d = directory(request)
    org = d.organisation()
    employee = org.employees.get(user.employee_id) if org and user.employee_id else None
    context: dict[str, Any] = {"employee": employee, "saved": saved, "codes": CODES}
    if org is not None and employee is not None:
        now = local_now(request, org)
        absence = d.presence.at(now).active_absence(employee.id, now)
        context.update(
            unit=org.units[employee.unit],
            unit_state=unit_state(org, employee.unit, now),
            absence=absence,
            absence_label=shown_as(absence.code) if absence else None,
            absence_until=absence_until_text(absence, now) if absence else None,
            today=now.date().isoformat(),
            # R3.7: the block a letter about their cases carries (R3.8, R3.2 applied).
            letter=employee_contact(org, employee.id, now),
            # R3.5, R3.6: whom they can take a message for (their unit and its people).
            colleagues=[e for e in org.employees_of(employee.unit) if e.id != employee.id],
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
    if choice == "clear":
        store.clear_absence(d.engine, user.employee_id, now=now)
        return RedirectResponse("/mig?saved=clear", status_code=303)
    try:
        code, until = chosen_absence(
            choice, now, code=code, until_time=until_time, until_date=until_date
        )
        # The app's clock, not the wall clock: tests freeze it, and the record's time
        # must agree with the moment the code was set from.
        store.set_absence(
            d.engine, user.employee_id, code, now, until, note, actor=user.name, now=now
        )
    except HoldsCpr:
        raise HTTPException(
            422, "Noten ligner et CPR-nummer. Skriv det aldrig her; intet er gemt."
        ) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return RedirectResponse("/mig?saved=1", status_code=303)
