"""The admin's page of accounts: who signs in, with which role, and the PBX agent each
operator answers on (issue 16 item 1). Creating accounts and passwords stays on the
command line (`omstilling user add`), where a password never passes through a form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omstilling import accounts
from omstilling.accounts import Principal
from omstilling.domain.labels import ACCOUNT_ROLE
from omstilling.web.auth import page_user, role_required
from omstilling.web.console.pages import render

router = APIRouter(include_in_schema=False)
PageUser = Annotated[Principal, Depends(page_user)]


@router.get("/brugere", response_class=HTMLResponse)
def users_page(request: Request, user: PageUser, gemt: str = "") -> HTMLResponse:
    role_required(user, "admin")
    return _page(request, user, saved=gemt)


def _page(
    request: Request, user: Principal, *, saved: str = "", error: tuple[int, str] | None = None
) -> HTMLResponse:
    response = render(
        request,
        "users.html",
        user,
        active="/brugere",
        users=accounts.list_users(request.app.state.engine),
        roles=ACCOUNT_ROLE,
        saved=saved,
        error=error,
    )
    if error:
        response.status_code = 422
    return response


@router.post("/brugere/{user_id}/agent", response_model=None)
def set_agent(
    request: Request,
    user: PageUser,
    user_id: int,
    agent: Annotated[str, Form()] = "",
) -> Response:
    role_required(user, "admin")
    found = next(
        (u for u in accounts.list_users(request.app.state.engine) if u.id == user_id), None
    )
    if found is None:
        raise HTTPException(404, "brugeren findes ikke")
    try:
        accounts.set_agent(request.app.state.engine, found.username, agent)
    except accounts.AccountError:
        return _page(
            request,
            user,
            error=(user_id, "Skriv lokalnummeret, som telefonsystemet skriver det, fx PJSIP/3101."),
        )
    # The operator's open console sees it at their next page load (the session cache
    # holds a principal for at most 2 s).
    return RedirectResponse(f"/brugere?gemt={found.username}", status_code=303)
