"""Messages in the browser: the list with counts, one message, and its life cycle (R1.6, R3.6).

Operators see every open message; an employee sees their own and their unit's, and
may take over a colleague's (everyone answers for each other's phones).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from omstilling import messages
from omstilling.accounts import Principal
from omstilling.domain.danish import format_moment, format_phone
from omstilling.domain.hours import to_local
from omstilling.domain.labels import MESSAGE_OUTCOME, MESSAGE_STATUS
from omstilling.domain.organisation import Organisation
from omstilling.web.auth import page_user
from omstilling.web.console.pages import local_now, render
from omstilling.web.deps import MessageId, directory

router = APIRouter(include_in_schema=False)
PageUser = Annotated[Principal, Depends(page_user)]


def _home_unit(org: Organisation, user: Principal) -> str | None:
    if user.employee_id and user.employee_id in org.employees:
        return org.employees[user.employee_id].unit
    return user.unit_id if user.role == "editor" else None


def _may_see(org: Organisation, user: Principal, unit_id: str) -> bool:
    if user.has("messages:write"):
        return True
    home = _home_unit(org, user)
    return home is not None and any(u.id == home for u in org.ancestors(unit_id))


def _row(org: Organisation, listed: messages.Listed, now: Any) -> dict[str, Any]:
    m = listed.message
    tz = now.tzinfo
    return {
        "m": m,
        "for": messages.core.addressee_name(org, m),
        "phone": format_phone(m.caller_phone),
        "due": format_moment(to_local(m.callback_due, tz), now),
        "taken": format_moment(to_local(m.taken_at, tz), now),
        "status": MESSAGE_STATUS.label(m.status),
        "outcome": MESSAGE_OUTCOME.label(m.outcome) if m.outcome else "",
        "overdue": m.is_open and m.overdue(now),
        "sensitive": org.is_sensitive(m.unit) if m.unit in org.units else False,
        "delivery": listed.delivery,
    }


@router.get("/beskeder", response_class=HTMLResponse)
def message_list(request: Request, user: PageUser, alle: bool = False) -> HTMLResponse:
    d = directory(request)
    org = d.organisation()
    if org is None:
        raise HTTPException(503, "ingen organisation er indlæst")
    now = local_now(request, org)
    if user.has("messages:write"):
        mine = None
        found = messages.list_messages(d.engine, now=now, org=org)
        counts = messages.message_counts(d.engine, now=now, org=org)
    else:
        unit = _home_unit(org, user)
        if unit is None:
            raise HTTPException(403, "din bruger er ikke knyttet til en enhed")
        mine = user.employee_id
        found = messages.list_messages(d.engine, now=now, unit=unit, org=org)
        counts = messages.message_counts(d.engine, now=now, unit=unit, org=org)
    rows = [_row(org, item, now) for item in found]
    return render(
        request, "messages.html", user, active="/beskeder", rows=rows, counts=counts, mine=mine
    )


def _visible(request: Request, user: Principal, message_id: int) -> tuple[Organisation, Any]:
    """The organisation and the message, when this user may see it (else 404 or 403)."""
    d = directory(request)
    org = d.organisation()
    if org is None:
        raise HTTPException(503, "ingen organisation er indlæst")
    try:
        listed = messages.get_message(d.engine, message_id)
    except messages.NotFound:
        raise HTTPException(
            404, "beskeden findes ikke (den kan være slettet efter lukning)"
        ) from None
    if not _may_see(org, user, listed.message.unit):
        raise HTTPException(403, "beskeden hører til en anden enhed")
    return org, listed


@router.get("/beskeder/{message_id}", response_class=HTMLResponse)
def message_page(request: Request, user: PageUser, message_id: MessageId) -> HTMLResponse:
    org, listed = _visible(request, user, message_id)
    now = local_now(request, org)
    return render(
        request,
        "message.html",
        user,
        active="/beskeder",
        r=_row(org, listed, now),
        outcomes=MESSAGE_OUTCOME.choices(),
    )


@router.post("/beskeder/{message_id}")
def change_message(
    request: Request,
    user: PageUser,
    message_id: MessageId,
    action: Annotated[str, Form()],
) -> RedirectResponse:
    org, _listed = _visible(request, user, message_id)
    change = {
        "seen": messages.Change(status="seen"),
        "reached": messages.Change(outcome="reached"),
        "not_reached": messages.Change(outcome="not_reached"),
        "resolved": messages.Change(outcome="resolved"),
        "close": messages.Change(status="closed"),
        "take_over": messages.Change(employee=user.employee_id),
    }.get(action)
    if change is None or (action == "take_over" and not user.employee_id):
        raise HTTPException(422, "ukendt handling")
    try:
        messages.update_message(
            directory(request).engine,
            message_id,
            change,
            actor=user.name,
            now=local_now(request, org),
            org=org,
        )
    except (messages.NotInUnit, messages.InvalidTransition, messages.MessageError) as exc:
        raise HTTPException(409, str(exc)) from None
    return RedirectResponse(f"/beskeder/{message_id}", status_code=303)
