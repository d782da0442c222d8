"""Calendar feeds on the web (issue 15): the employee sets and removes her own feed, told
what is read and kept (GDPR art. 13); admins see every feed's state. The address is a
secret: after it is saved the pages say only that it is set ("sat")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from omstilling.accounts import Principal
from omstilling.calendars.feeds import FeedRefused, FeedStatus, feed_status, set_feed
from omstilling.clock import utc
from omstilling.domain.danish import format_moment
from omstilling.domain.organisation import municipality_tz
from omstilling.web.auth import page_user, role_required
from omstilling.web.console.pages import local_now, render
from omstilling.web.deps import directory
from omstilling.web.deps import now as deps_now

router = APIRouter(include_in_schema=False)
PageUser = Annotated[Principal, Depends(page_user)]


def _when(moment: datetime | None, now: datetime) -> str:
    return format_moment(utc(moment).astimezone(now.tzinfo), now) if moment else "aldrig"


def _own_employee(request: Request, user: Principal) -> str:
    org = directory(request).organisation()
    if org is None or not user.employee_id or user.employee_id not in org.employees:
        raise HTTPException(403, "din bruger er ikke knyttet til en medarbejder")
    return user.employee_id


@router.get("/mig/kalender", response_class=HTMLResponse)
def my_calendar(request: Request, user: PageUser, saved: str | None = None) -> HTMLResponse:
    employee_id = _own_employee(request, user)
    org = directory(request).require_organisation()
    now = local_now(request, org)
    found = feed_status(request.app.state.engine, employee_id)
    feed = found[0] if found else None
    context: dict[str, Any] = {
        "employee": org.employees[employee_id],
        "org_name": org.municipality.name,
        "feed": feed,
        "saved": saved,
        "last_read": _when(feed.ok_at, now) if feed else None,
        "days": request.app.state.settings.calendar_days_ahead,
        "minutes": max(1, request.app.state.settings.calendar_poll_seconds // 60),
    }
    return render(request, "calendar/me.html", user, active="/mig", **context)


@router.post("/mig/kalender", response_model=None)
def save_my_calendar(
    request: Request, user: PageUser, url: Annotated[str, Form()] = ""
) -> HTMLResponse | RedirectResponse:
    employee_id = _own_employee(request, user)
    settings = request.app.state.settings
    try:
        set_feed(
            request.app.state.engine,
            employee_id,
            url,
            actor=user.name,
            now=local_now(request, directory(request).require_organisation()),
            allow_loopback=settings.calendar_allow_loopback,
        )
    except FeedRefused as exc:
        # The reason only: the address is never repeated, not even back to her.
        reason = str(exc).removeprefix("calendar: ")
        raise HTTPException(422, f"Adressen kan ikke bruges: {reason}. Intet er gemt.") from None
    return RedirectResponse("/mig/kalender?saved=1", status_code=303)


@router.post("/mig/kalender/fjern", response_model=None)
def remove_my_calendar(request: Request, user: PageUser) -> RedirectResponse:
    employee_id = _own_employee(request, user)
    set_feed(
        request.app.state.engine,
        employee_id,
        None,
        actor=user.name,
        now=local_now(request, directory(request).require_organisation()),
        allow_loopback=True,
    )
    return RedirectResponse("/mig/kalender?saved=removed", status_code=303)


@router.get("/kalendere", response_class=HTMLResponse)
def feeds_page(request: Request, user: PageUser) -> HTMLResponse:
    """Every feed: how many, how many failing, when each was last read; admins only."""
    role_required(user, "admin")
    d = directory(request)
    org = d.organisation()
    now = local_now(request, org) if org else deps_now(request).astimezone(municipality_tz(None))
    feeds: list[FeedStatus] = feed_status(request.app.state.engine)
    rows: list[dict[str, Any]] = [
        {
            "feed": f,
            "name": org.employees[f.employee_id].name if org else f.employee_id,
            "unit": org.unit_of(f.employee_id).name if org else "",
            "last_read": _when(f.ok_at, now),
            "checked": _when(f.checked_at, now),
            "next": _when(f.next_at, now) if f.failing else "",
        }
        for f in feeds
        if org is None or f.employee_id in org.employees
    ]
    last = max((f.ok_at for f in feeds if f.ok_at), default=None)
    return render(
        request,
        "calendar/feeds.html",
        user,
        rows=rows,
        total=len(rows),
        failing=sum(
            1 for f in feeds if f.failing and (org is None or f.employee_id in org.employees)
        ),
        last_success=_when(last, now) if last else "aldrig",
    )
