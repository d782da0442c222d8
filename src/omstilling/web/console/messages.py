"""Taking a message from the console (R1.6, R3.5, R3.6): a form filled from the advice."""

from __future__ import annotations

from dataclasses import replace
from html import escape
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from omstilling import messages
from omstilling.accounts import Principal
from omstilling.directory import Directory
from omstilling.domain.callbacks import default_due
from omstilling.errors import Invalid
from omstilling.store.console_log import checked_call_id, log_action
from omstilling.web.auth import page_user, role_required
from omstilling.web.console.pages import local_now, render
from omstilling.web.deps import directory

router = APIRouter(include_in_schema=False)
PageUser = Annotated[Principal, Depends(page_user)]
CONSOLE_SAVE = "/console/besked/gem"
OWN_SAVE = "/mig/besked/gem"  # an employee's own pages: for a colleague or their unit


@router.post("/console/besked", response_class=HTMLResponse)
def message_form(
    request: Request,
    user: PageUser,
    kind: Annotated[str, Form()] = "",
    id: Annotated[str, Form()] = "",
    errand: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "",
    employee: Annotated[str, Form()] = "",
) -> HTMLResponse:
    role_required(user, "operator")
    return _form(request, user, kind, id, errand, unit, employee, CONSOLE_SAVE)


@router.post("/mig/besked", response_class=HTMLResponse)
def my_message_form(
    request: Request,
    user: PageUser,
    unit: Annotated[str, Form()] = "",
    employee: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """R3.5, R3.6: any employee takes a message for a colleague in their unit, or for it."""
    _own_unit(request, user, unit, employee)
    return _form(request, user, "", "", "", unit, employee, OWN_SAVE)


def _form(
    request: Request,
    user: Principal,
    kind: str,
    id: str,
    errand: str,
    unit: str,
    employee: str,
    action: str,
) -> HTMLResponse:
    d: Directory = directory(request)
    org = d.organisation()
    if org is None or (not employee and unit not in org.units):
        return HTMLResponse('<p class="error" role="alert">Vælg først en person eller enhed.</p>')
    now = local_now(request, org)
    addressee = org.employees[employee].name if employee in org.employees else org.units[unit].name
    unit_id = org.employees[employee].unit if employee in org.employees else unit
    due = default_due(org, unit_id, now)
    return render(
        request,
        "_message_form.html",
        user,
        addressee=addressee,
        employee=employee if employee in org.employees else None,
        unit=None if employee in org.employees else unit,
        task=id if kind == "task" else None,
        errand=errand,
        action=action,
        default_due=due.astimezone(now.tzinfo).strftime("%Y-%m-%dT%H:%M"),
    )


class MessageIn(BaseModel):
    """The message form's fields, the same from the console and from one's own pages."""

    caller_name: str
    caller_phone: str
    text: str
    employee: str = ""
    unit: str = ""
    callback_due: str = ""

    def wanted(self, task: str = "") -> messages.NewMessage:
        return messages.NewMessage(
            caller_name=self.caller_name,
            caller_phone=self.caller_phone,
            text=self.text,
            employee=self.employee or None,
            unit=None if self.employee else (self.unit or None),
            task=task or None,
        )


class ConsoleMessageIn(MessageIn):
    task: str = ""
    call_id: str = ""  # the call being served: the message joins the PBX's record (R3.12)


@router.post("/console/besked/gem", response_class=HTMLResponse)
def save_message(
    request: Request,
    user: PageUser,
    background: BackgroundTasks,
    form: Annotated[ConsoleMessageIn, Form()],
) -> HTMLResponse:
    role_required(user, "operator")
    wanted = form.wanted(form.task)
    return _save(
        request, user, background, wanted, form.callback_due, console=True, call_id=form.call_id
    )


@router.post("/mig/besked/gem", response_class=HTMLResponse)
def save_my_message(
    request: Request,
    user: PageUser,
    background: BackgroundTasks,
    form: Annotated[MessageIn, Form()],
) -> HTMLResponse:
    """The console's message, taken by a colleague in the unit (R3.5, R3.6): same rules."""
    _own_unit(request, user, form.unit, form.employee)
    return _save(request, user, background, form.wanted(), form.callback_due, console=False)


def _own_unit(request: Request, user: Principal, unit: str, employee: str) -> None:
    """Refuses (403) anyone but an employee of the unit the message is for."""
    org = directory(request).organisation()
    mine = org.employees.get(user.employee_id or "") if org is not None else None
    if org is None or mine is None:
        raise HTTPException(403, "din bruger er ikke knyttet til en medarbejder")
    colleague = org.employees.get(employee) if employee else None
    target = colleague.unit if colleague is not None else (None if employee else unit)
    if target != mine.unit:
        raise HTTPException(403, "du kan tage beskeder til kolleger i din egen enhed")


def _save(
    request: Request,
    user: Principal,
    background: BackgroundTasks,
    wanted: messages.NewMessage,
    callback_due: str,
    *,
    console: bool,
    call_id: str = "",
) -> HTMLResponse:
    d: Directory = directory(request)
    org = d.organisation()
    if org is None:
        return HTMLResponse('<p class="error" role="alert">Ingen organisation er indlæst.</p>')
    now = local_now(request, org)
    text = wanted.text
    try:
        call_id = checked_call_id(call_id) or ""
    except Invalid:
        return _field_error("text", "Opkaldet kan ikke genkendes; beskeden er ikke gemt.")
    try:
        due = d.moment(callback_due, now) if callback_due else None
        created = messages.create_message(
            d.engine,
            replace(wanted, callback_due=due),
            actor=user.name,
            now=now,
            settings=request.app.state.settings,
            org=org,
        )
    except messages.MessageError as exc:
        field = {
            "caller_name": "navnet",
            "caller_phone": "telefonnummeret",
            "text": "beskeden",
            "callback_due": "tidspunktet",
        }.get(getattr(exc, "field", ""), "beskeden")
        return _field_error(getattr(exc, "field", "") or "text", f"Tjek {field}: {_danish(exc)}")
    except (messages.NotFound, ValueError):
        return _field_error("callback_due", "Tjek tidspunktet (åå-mm-ddTtt:mm).")
    message = created.message
    if console:  # the switchboard's own log (R3.12); a colleague's message is not in it
        log_action(
            d.engine,
            "take_message",
            at=now,
            user_id=user.user_id,
            unit=message.unit,
            employee=message.employee,
            task=message.task,
            errand=(text or "")[:200],
            call_id=call_id,
            rules=["R1.6", "R3.6"],
        )
    background.add_task(
        messages.deliver_pending, d.engine, request.app.state.settings, now, message_id=message.id
    )
    return render(request, "_message_saved.html", user, say=created.say)


def _field_error(name: str, text: str) -> HTMLResponse:
    """The error into the form's own slot, the form and what was typed kept; omstilling.js
    marks the named field aria-invalid and ties it to the message (issue 17 item 5)."""
    return HTMLResponse(
        f'<p class="error" id="message-error-text" data-field="{escape(name)}">{escape(text)}</p>',
        status_code=422,
        headers={"HX-Retarget": "#message-error", "HX-Reswap": "innerHTML"},
    )


def _danish(exc: Exception) -> str:
    text = str(exc)
    if getattr(exc, "cpr", False):  # refused by the one CPR guard (domain.citizen)
        return "et CPR-nummer må ikke skrives i en besked."
    if "phone" in text:
        return "det er ikke et gyldigt telefonnummer."
    if "empty" in text or "required" in text:
        return "feltet skal udfyldes."
    if "future" in text:
        return "tidspunktet skal ligge ude i fremtiden."
    return "oplysningen er ikke gyldig."
