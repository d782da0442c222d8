"""The unit editor's pages (R2.1-R2.7, R3.9): a unit's data, its review, its absences, mailings.

A unit editor edits their own unit and the units below it, an admin every unit;
anyone else gets 403, also on a forged POST to another unit's URL. Each form is
plain HTML that works without JavaScript; HTMX only adds the live hours preview.
Every change goes through `save_edit`, which audits who, when, before and after.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from omstilling.accounts import Principal
from omstilling.clock import utc
from omstilling.domain import editscope, orgedit
from omstilling.domain.citizen import looks_like_cpr
from omstilling.domain.danish import format_date
from omstilling.domain.errors import Conflict
from omstilling.domain.labels import UNIT_KIND
from omstilling.domain.organisation import Organisation, Unit
from omstilling.store import presence as presence_store
from omstilling.store.org_write import TooLong
from omstilling.store.organisation import StaleEdit, save_edit
from omstilling.web.auth import page_user, role_required
from omstilling.web.console.pages import local_now, render
from omstilling.web.deps import directory
from omstilling.web.deps import now as deps_now
from omstilling.web.editor import forms, problems
from omstilling.web.editor.page import is_stale, unit_page, week_preview

router = APIRouter(include_in_schema=False)
PageUser = Annotated[Principal, Depends(page_user)]


async def posted_form(request: Request) -> FormData:
    # An async dependency, so the routes themselves can stay synchronous (database work
    # runs in the thread pool); Starlette caches the parsed form for the CSRF check too.
    return await request.form()


Posted = Annotated[FormData, Depends(posted_form)]


def editable(request: Request, user: Principal, unit_id: str) -> tuple[Organisation, Unit]:
    """The organisation and the unit, or 404 / 403 when the user may not edit it."""
    role_required(user, "editor")
    org = directory(request).organisation()
    if org is None or unit_id not in org.units:
        raise HTTPException(404, "enheden findes ikke")
    if not user.may_edit_unit(org, unit_id):
        raise HTTPException(403, "du kan kun redigere din egen enhed og enhederne under den")
    return org, org.units[unit_id]


def edit_scope(org: Organisation, user: Principal) -> frozenset[str] | None:
    """The units whose tasks and people this user may name: None (all) for an admin."""
    return None if user.edits_every_unit else editscope.editor_units(org, user.unit_id)


# --- the list ------------------------------------------------------------------------------------


@router.get("/enheder", response_class=HTMLResponse)
def unit_list(request: Request, user: PageUser) -> HTMLResponse:
    role_required(user, "editor")
    org = directory(request).organisation()
    rows: list[dict[str, Any]] = []
    if org is not None:
        now = local_now(request, org)
        presence = directory(request).presence.at(now)  # the codes kept in memory
        for unit in org.units.values():
            if not user.may_edit_unit(org, unit.id):
                continue
            owner = org.employees.get(unit.owner) if unit.owner else None
            rows.append(
                {
                    "unit": unit,
                    "depth": len(org.path(unit.id)) - 1,
                    "kind": UNIT_KIND.label(unit.kind),
                    "owner": owner.name if owner else None,
                    "reviewed": format_date(unit.reviewed) if unit.reviewed else None,
                    "stale": is_stale(unit, now.date()),
                    "away": presence.active_unit_away(unit.id, now) is not None,
                }
            )
    return render(request, "editor/list.html", user, active="/enheder", org=org, rows=rows)


@router.get("/enheder/{unit_id}", response_class=HTMLResponse)
def unit_get(request: Request, user: PageUser, unit_id: str, gemt: str = "") -> HTMLResponse:
    org, unit = editable(request, user, unit_id)
    return unit_page(request, user, org, unit, saved=gemt)


@router.post("/enheder/{unit_id}/timer/forhaandsvisning", response_class=HTMLResponse)
def hours_preview(request: Request, user: PageUser, unit_id: str, form: Posted) -> HTMLResponse:
    """HTMX: the week in Danish for the hours as typed, or why the expression is invalid."""
    org, unit = editable(request, user, unit_id)
    now = local_now(request, org)
    preview = {
        k: week_preview(org, unit, k, forms.text(form, k), now) for k in ("opening", "phone")
    }
    return render(request, "editor/_hours_preview.html", user, preview=preview)


# --- saving --------------------------------------------------------------------------------------


STALE_RETRIES = 3  # an edit made on a snapshot that another write overtook is made again


def _save(
    request: Request,
    user: Principal,
    unit_id: str,
    section: str,
    posted: Any,
    edit: Callable[[Organisation], Organisation],
    saved: str,
    anchor: str,
) -> Response:
    """Apply one form's edit: checked by the file's rules from what it changes, saved and
    audited, or shown again. The edit is made on the snapshot the server answers from;
    when another write got in first, it is made again on the organisation as stored."""
    org, unit = editable(request, user, unit_id)
    for attempt in range(STALE_RETRIES + 1):
        try:
            edited = edit(org)
            # Issue 12 item 7: only the editor's own units, and only their tasks and people.
            editscope.check_edit(org, edited, edit_scope(org, user))
            checked = problems.validated(org, edited)
        except problems.EditError as exc:
            return unit_page(
                request,
                user,
                org,
                unit,
                section=section,
                posted=posted,
                errors=exc.errors,
                status=422,
            )
        except editscope.OutsideUnits as exc:
            errors = problems.outside(org, edited, exc.trespasses)
            return unit_page(
                request, user, org, unit, section=section, posted=posted, errors=errors, status=403
            )
        try:
            changes = save_edit(
                request.app.state.engine,
                checked.organisation,
                actor=user.name,
                source="web",
                # UTC: SQLite keeps the wall time and drops the zone; the store reads it as UTC.
                now=utc(deps_now(request)),
                base=org,
                changes=checked.changes,
            )
            break
        except StaleEdit:
            if attempt == STALE_RETRIES:
                raise Conflict("the organisation changed while saving; try again") from None
            directory(request).fresh_organisation()
            org, unit = editable(request, user, unit_id)
        except TooLong as exc:  # a text past its column: named, nothing saved
            errors = [f"For lang: {p}" for p in exc.problems]
            return unit_page(
                request, user, org, unit, section=section, posted=posted, errors=errors, status=422
            )
    if checked.warnings:
        # Shown at once rather than lost in a redirect: gaps in a distribution are worth a look.
        fresh = directory(request).organisation() or checked.organisation
        return unit_page(
            request,
            user,
            fresh,
            fresh.units.get(unit_id, unit),
            warnings=checked.warnings,
            saved=saved if changes else "ingen",
        )
    return RedirectResponse(
        f"/enheder/{unit_id}?gemt={saved if changes else 'ingen'}#{anchor}", status_code=303
    )


@router.post("/enheder/{unit_id}/grunddata", response_model=None)
def save_basics(request: Request, user: PageUser, unit_id: str, form: Posted) -> Response:
    posted = {k: forms.text(form, k) for k in ("description", "address", "owner")}
    return _save(
        request,
        user,
        unit_id,
        "grunddata",
        posted,
        lambda org: forms.edit_basics(org, unit_id, form),
        "grunddata",
        "grunddata",
    )


@router.post("/enheder/{unit_id}/timer", response_model=None)
def save_hours(request: Request, user: PageUser, unit_id: str, form: Posted) -> Response:
    posted = {"opening": forms.text(form, "opening"), "phone": forms.text(form, "phone")}
    if forms.text(form, "action") == "preview":
        # Without JavaScript the preview button shows the week text and saves nothing.
        org, unit = editable(request, user, unit_id)
        return unit_page(request, user, org, unit, section="timer", posted=posted)
    return _save(
        request,
        user,
        unit_id,
        "timer",
        posted,
        lambda org: forms.edit_hours(org, unit_id, form),
        "timer",
        "timer",
    )


@router.post("/enheder/{unit_id}/numre", response_model=None)
def save_numbers(request: Request, user: PageUser, unit_id: str, form: Posted) -> Response:
    posted = forms.posted_number_rows(form)
    return _save(
        request,
        user,
        unit_id,
        "numre",
        posted,
        lambda org: forms.edit_numbers(org, unit_id, form),
        "numre",
        "numre",
    )


@router.post("/enheder/{unit_id}/regler", response_model=None)
def save_rules(request: Request, user: PageUser, unit_id: str, form: Posted) -> Response:
    posted = {
        "secretary_employee": forms.text(form, "secretary_employee"),
        "secretary_when": forms.text(form, "secretary_when"),
        "secretary_roles": forms.texts(form, "secretary_roles"),
        "transfer_kind": forms.text(form, "transfer_kind"),
        "transfer_employee": forms.text(form, "transfer_employee"),
        "transfer_number": forms.text(form, "transfer_number"),
        "sensitive": forms.checked(form, "sensitive"),
    }
    return _save(
        request,
        user,
        unit_id,
        "regler",
        posted,
        lambda org: forms.edit_rules(org, unit_id, form),
        "regler",
        "regler",
    )


@router.post("/enheder/{unit_id}/gennemgaaet", response_model=None)
def save_reviewed(request: Request, user: PageUser, unit_id: str) -> Response:
    org, _ = editable(request, user, unit_id)
    today = local_now(request, org).date()
    return _save(
        request,
        user,
        unit_id,
        "status",
        {},
        lambda o: orgedit.mark_reviewed(o, unit_id, today),
        "gennemgaaet",
        "status",
    )


@dataclass(frozen=True)
class _Member:
    """A task or an employee of the unit: how its form is read, edited and removed, and
    the words the page uses for it (section, saved text, anchor)."""

    word: str
    plural: str
    not_here: str
    posted: Callable[[FormData], dict[str, Any]]
    edit: Callable[[Organisation, str, str | None, FormData], tuple[Organisation, Any]]
    remove: Callable[[Organisation, str, str], Organisation]
    held: Callable[[Unit], Sequence[str]]


TASK = _Member(
    "opgave",
    "opgaver",
    "opgaven hører ikke til enheden",
    forms.posted_task_form,
    forms.edit_task,
    orgedit.remove_task,
    lambda unit: unit.tasks,
)
EMPLOYEE = _Member(
    "medarbejder",
    "medarbejdere",
    "medarbejderen hører ikke til enheden",
    forms.posted_employee_form,
    forms.edit_employee,
    orgedit.remove_employee,
    lambda unit: unit.employees,
)


def _save_member(
    request: Request, user: Principal, unit_id: str, form: FormData, m: _Member, ident: str | None
) -> Response:
    """Add (ident None), change or remove (the form's action) one task or employee."""
    if ident is None:
        return _save(
            request,
            user,
            unit_id,
            f"ny-{m.word}",
            m.posted(form),
            lambda org: m.edit(org, unit_id, None, form)[0],
            m.word,
            m.plural,
        )
    _, unit = editable(request, user, unit_id)
    if ident not in m.held(unit):
        # One of another unit's through this unit's URL: not found here.
        raise HTTPException(404, m.not_here)
    removing = forms.text(form, "action") == "remove"
    return _save(
        request,
        user,
        unit_id,
        f"{m.word}:{ident}",
        m.posted(form),
        (lambda org: m.remove(org, unit_id, ident))
        if removing
        else (lambda org: m.edit(org, unit_id, ident, form)[0]),
        f"{m.word}-fjernet" if removing else m.word,
        m.plural if removing else f"{m.word}-{ident}",
    )


@router.post("/enheder/{unit_id}/opgaver", response_model=None)
def add_task(request: Request, user: PageUser, unit_id: str, form: Posted) -> Response:
    return _save_member(request, user, unit_id, form, TASK, None)


@router.post("/enheder/{unit_id}/opgaver/{task_id}", response_model=None)
def save_task(
    request: Request, user: PageUser, unit_id: str, task_id: str, form: Posted
) -> Response:
    return _save_member(request, user, unit_id, form, TASK, task_id)


@router.post("/enheder/{unit_id}/medarbejdere", response_model=None)
def add_employee(request: Request, user: PageUser, unit_id: str, form: Posted) -> Response:
    return _save_member(request, user, unit_id, form, EMPLOYEE, None)


@router.post("/enheder/{unit_id}/medarbejdere/{employee_id}", response_model=None)
def save_employee(
    request: Request, user: PageUser, unit_id: str, employee_id: str, form: Posted
) -> Response:
    return _save_member(request, user, unit_id, form, EMPLOYEE, employee_id)


@router.post("/enheder/{unit_id}/udsendelser", response_model=None)
def add_mailing(request: Request, user: PageUser, unit_id: str, form: Posted) -> Response:
    return _save(
        request,
        user,
        unit_id,
        "udsendelse",
        forms.posted_mailing_form(form),
        lambda org: forms.add_mailing(org, unit_id, form)[0],
        "udsendelse",
        "udsendelser",
    )


@router.post("/enheder/{unit_id}/udsendelser/{mailing_id}/fjern", response_model=None)
def remove_mailing(request: Request, user: PageUser, unit_id: str, mailing_id: str) -> Response:
    org, _ = editable(request, user, unit_id)
    mailing = org.mailings.get(mailing_id)
    if mailing is None or mailing.unit != unit_id:
        raise HTTPException(404, "udsendelsen hører ikke til enheden")
    return _save(
        request,
        user,
        unit_id,
        "udsendelse",
        {},
        lambda o: orgedit.remove_mailing(o, mailing_id),
        "udsendelse-fjernet",
        "udsendelser",
    )


# --- the whole unit away and back (R3.9) ---------------------------------------------------------


@router.post("/enheder/{unit_id}/vaek", response_model=None)
def report_away(request: Request, user: PageUser, unit_id: str, form: Posted) -> Response:
    org, unit = editable(request, user, unit_id)
    now = local_now(request, org)
    posted = {k: forms.text(form, k) for k in ("start", "until", "note")}
    errors = []
    moments: dict[str, datetime] = {}
    for key, label in (("start", "Fra"), ("until", "Til")):
        value = posted[key] or (now.strftime("%Y-%m-%dT%H:%M") if key == "start" else "")
        try:
            moments[key] = datetime.fromisoformat(value).replace(tzinfo=now.tzinfo)
        except ValueError:
            errors.append(f"{label}: vælg dato og klokkeslæt")
    if not errors and moments["until"] <= max(moments["start"], now):
        errors.append("Til: skal ligge efter fra-tidspunktet og efter nu")
    if looks_like_cpr(posted["note"]):
        # Not shown back either: the field is emptied (the one CPR guard, domain.citizen).
        errors.append("Note: ligner et CPR-nummer; skriv det aldrig her")
        posted["note"] = ""
    if errors:
        return unit_page(
            request, user, org, unit, section="vaek", posted=posted, errors=errors, status=422
        )
    presence_store.unit_away(
        request.app.state.engine,
        unit_id,
        moments["start"],
        moments["until"],
        posted["note"][:500],
        actor=user.name,
        now=deps_now(request),
    )
    return RedirectResponse(f"/enheder/{unit_id}?gemt=vaek#status", status_code=303)


@router.post("/enheder/{unit_id}/tilbage", response_model=None)
def report_back(request: Request, user: PageUser, unit_id: str) -> Response:
    org, _ = editable(request, user, unit_id)
    presence_store.unit_back(request.app.state.engine, unit_id, local_now(request, org))
    return RedirectResponse(f"/enheder/{unit_id}?gemt=tilbage#status", status_code=303)
