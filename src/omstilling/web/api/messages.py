"""Messages and callbacks over HTTP (R1.6, R3.5, R3.6): thin handlers over
`omstilling.messages`, so the console, the API and the CLI agree.

Taking a message needs the scope `messages:write` (operators, systems). Reading and
changing one needs that scope too, or to be in the message's unit: everyone answers
for each other's phones (R3.6). Errors name the field and never repeat the caller's
details.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from omstilling import messages
from omstilling.accounts import Principal
from omstilling.domain.callbacks import OUTCOMES, STATUSES, Outcome, Status
from omstilling.domain.organisation import Organisation
from omstilling.errors import Forbidden
from omstilling.web import deps
from omstilling.web.api.errors import AUTH, BODY, answers
from omstilling.web.auth import require
from omstilling.web.deps import MessageId

router = APIRouter(prefix="/api/v1", tags=["messages"])
Who = Annotated[Principal, Depends(require())]
NOT_BLANK = r"\S"
Listed = Literal[Status, "open", "all"]


class MessageRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    employee: str | None = Field(None, description="Employee id; or give unit")
    unit: str | None = Field(None, description="Unit id; or give employee")
    # Not only spaces (the pattern says so to clients; the rule is messages._clean).
    caller_name: str = Field(max_length=200, pattern=NOT_BLANK)
    caller_phone: str = Field(
        max_length=40, pattern=NOT_BLANK, description="Any Danish spelling; stored E.164"
    )
    text: str = Field(max_length=4000, pattern=NOT_BLANK)
    task: str | None = Field(None, description="Task id: what the call is about")
    about: str | None = Field(None, max_length=300, description="What it is about, free text")
    callback_due: str | None = Field(
        None,
        description="YYYY-MM-DDTHH:MM local time; default: the close of the unit's phone "
        "hours on its next working day",
    )


class MessagePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Status | None = Field(None, description=f"One of: {', '.join(STATUSES)}")
    outcome: Outcome | None = Field(
        None, description=f"With called_back: {', '.join(OUTCOMES)} (not_reached: try again)"
    )
    employee: str | None = Field(None, description="Take over: a colleague in the unit (R3.6)")
    callback_due: str | None = Field(None, description="A new due time, YYYY-MM-DDTHH:MM")


def _home_units(org: Organisation, who: Principal) -> set[str]:
    """The units whose messages this person answers for: their own unit (and, for an
    editor, the units they edit)."""
    units: set[str] = set()
    if who.employee_id and who.employee_id in org.employees:
        units.add(org.employees[who.employee_id].unit)
    if who.role == "editor" and who.unit_id in org.units:
        units.update(u.id for u in [org.units[who.unit_id], *org.descendants(who.unit_id)])
    return units


def _may_handle(org: Organisation, who: Principal, unit_id: str) -> None:
    if who.has("messages:write"):
        return
    if unit_id not in _home_units(org, who):
        raise Forbidden("you may handle only the messages of your own unit")


def _deliver(request: Request, message_id: int) -> None:
    # After the response: the operator never waits for the mail server.
    messages.deliver_pending(
        request.app.state.engine, deps.settings(request), deps.now(request), message_id=message_id
    )


@router.post(
    "/messages",
    status_code=201,
    dependencies=[Depends(require("messages:write"))],
    responses=answers(*AUTH, *BODY, 404, 503),
)
def post_message(
    body: MessageRequest, request: Request, background: BackgroundTasks, who: Who
) -> dict[str, Any]:
    """Take a message for an employee or a unit; the addressee is mailed at once."""
    d, now = deps.directory(request), deps.now(request)
    org = d.require_organisation()
    due = d.moment(body.callback_due, now, "callback_due") if body.callback_due else None
    new = messages.NewMessage(
        caller_name=body.caller_name,
        caller_phone=body.caller_phone,
        text=body.text,
        employee=body.employee,
        unit=body.unit,
        task=body.task,
        about=body.about,
        callback_due=due,
    )
    created = messages.create_message(
        d.engine, new, actor=who.name, now=now, settings=deps.settings(request), org=org
    )
    background.add_task(_deliver, request, created.message.id)
    return messages.message_json(org, messages.Listed(created.message, "pending"), now)


@router.get("/messages", responses=answers(*AUTH, 404, 422, 503))
def get_messages(
    request: Request,
    who: Who,
    employee: str | None = None,
    unit: str | None = None,
    status: Listed = Query("open", description="new, seen, called_back, closed, open or all"),
    overdue: bool = False,
) -> dict[str, Any]:
    """The in-app list with counts: for an employee, a unit (with its teams), or all."""
    d, now = deps.directory(request), deps.now(request)
    org = d.require_organisation()
    if not who.has("messages:write"):
        # Without the scope: only one's own messages and those of one's own unit.
        if employee is None and unit is None:
            employee = who.employee_id
            if employee is None:
                raise Forbidden("name an employee or a unit of your own")
        asked = org.employees[employee].unit if employee in org.employees else unit
        # An id that names nobody is refused as well: no probing for ids without the scope.
        if asked is None or asked not in _home_units(org, who):
            raise Forbidden("you may see only the messages of your own unit")
    found = messages.list_messages(
        d.engine, now=now, employee=employee, unit=unit, status=status, overdue=overdue, org=org
    )
    counts = messages.message_counts(d.engine, now=now, employee=employee, unit=unit, org=org)
    return {"counts": counts, "messages": [messages.message_json(org, m, now) for m in found]}


@router.get("/messages/{message_id}", responses=answers(*AUTH, 404, 422, 503))
def get_one(message_id: MessageId, request: Request, who: Who) -> dict[str, Any]:
    d, now = deps.directory(request), deps.now(request)
    org = d.require_organisation()
    listed = messages.get_message(d.engine, message_id)
    _may_handle(org, who, listed.message.unit)
    return messages.message_json(org, listed, now)


@router.patch("/messages/{message_id}", responses=answers(*AUTH, *BODY, 404, 409, 503))
def patch_message(
    message_id: MessageId, body: MessagePatch, request: Request, who: Who
) -> dict[str, Any]:
    """Mark seen, record a callback and its outcome, close, take over, or move the due time."""
    d, now = deps.directory(request), deps.now(request)
    org = d.require_organisation()
    _may_handle(org, who, messages.get_message(d.engine, message_id).message.unit)
    due = d.moment(body.callback_due, now, "callback_due") if body.callback_due else None
    change = messages.Change(
        status=body.status, outcome=body.outcome, employee=body.employee, callback_due=due
    )
    try:
        messages.update_message(d.engine, message_id, change, actor=who.name, now=now, org=org)
    except messages.InvalidTransition as exc:
        raise HTTPException(409, str(exc)) from None
    return messages.message_json(org, messages.get_message(d.engine, message_id), now)
