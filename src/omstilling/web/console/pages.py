"""The operator's console and the sign-in pages (Jinja2 + HTMX, Danish)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import escape

from omstilling.accounts import (
    AccountError,
    Principal,
    RateLimited,
    authenticate,
)
from omstilling.calls.settle import settle_logged
from omstilling.domain.advice import Advice, InvalidInquiry, NothingFound, UnknownId
from omstilling.domain.citizen import CitizenFactError, inquiry_from, looks_like_cpr
from omstilling.domain.danish import format_clock, format_moment, format_phone, format_wait
from omstilling.domain.hours import compile_schedule
from omstilling.domain.labels import ACCOUNT_ROLE, ADVICE_ACTION, CITIZEN_FACT, ENTITY_KIND
from omstilling.domain.organisation import Organisation, municipality_tz
from omstilling.domain.presence import Presence, shown_as
from omstilling.store.console_log import LOGGED_AS, log_action
from omstilling.web.auth import (
    SESSION_COOKIE,
    client_address,
    end_web_session,
    find_principal,
    page_user,
    start_session,
)
from omstilling.web.deps import directory
from omstilling.web.deps import now as clock_now

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "omstilling_login_csrf"

NAV_BY_ROLE: dict[str, list[tuple[str, str]]] = {
    "operator": [
        ("/", "Omstilling"),
        ("/beskeder", "Beskeder"),
        ("/tavler", "Tavler"),
        ("/offentlig", "Offentlig"),
    ],
    "employee": [("/mig", "Min status"), ("/beskeder", "Beskeder"), ("/offentlig", "Offentlig")],
    "editor": [
        ("/enheder", "Mine enheder"),
        ("/beskeder", "Beskeder"),
        ("/tavler", "Tavler"),
        ("/mig", "Min status"),
    ],
    "manager": [("/statistik", "Statistik"), ("/tavler", "Tavler")],
    "admin": [
        ("/", "Omstilling"),
        ("/beskeder", "Beskeder"),
        ("/tavler", "Tavler"),
        ("/enheder", "Enheder"),
        ("/statistik", "Statistik"),
        ("/brugere", "Brugere"),
        ("/synkronisering", "Synkronisering"),
        ("/kalendere", "Kalendere"),
        ("/offentlig", "Offentlig"),
    ],
}
HOME_BY_ROLE = {
    "operator": "/",
    "employee": "/mig",
    "editor": "/enheder",
    "manager": "/statistik",
    "admin": "/",
}

PageUser = Annotated[Principal, Depends(page_user)]


def templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates  # type: ignore[no-any-return]


def render(
    request: Request, name: str, user: Principal | None, active: str = "", **context: Any
) -> HTMLResponse:
    org = directory(request).organisation()
    role = user.role if user else None
    badge = None
    if user is not None and org is not None and not name.startswith("_"):
        badge = _message_badge(request, org, user)
    return templates(request).TemplateResponse(
        request,
        name,
        {
            "user": user,
            "message_badge": badge,
            "role_name": ACCOUNT_ROLE.label(role) if role and role in ACCOUNT_ROLE else "",
            "nav": NAV_BY_ROLE.get(role or "", []),
            "active": active,
            "municipality_name": org.municipality.name if org else "omstilling",
            **context,
        },
    )


def _message_badge(request: Request, org: Organisation, user: Principal) -> dict[str, int] | None:
    """Open and overdue messages for the menu: all for operators, one's unit for others."""
    from omstilling import messages

    unit = None
    if not user.has("messages:write"):
        if user.employee_id in org.employees:
            unit = org.employees[user.employee_id].unit
        elif user.role == "editor" and user.unit_id in org.units:
            unit = user.unit_id
        else:
            return None
    try:
        return messages.message_counts(
            request.app.state.engine, now=local_now(request, org), unit=unit, org=org
        )
    except messages.NotFound:
        return None


def local_now(request: Request, org: Organisation | None) -> datetime:
    """Now in the municipality's time zone, from the app's clock (tests set a fixed one)."""
    now: datetime = request.app.state.clock()
    return now.astimezone(municipality_tz(org))


# --- sign in and out --------------------------------------------------------------------------


def _login_csrf_cookie(response: Response, token: str, secure: bool) -> None:
    # Double submit: the form's hidden field must equal this cookie (login CSRF).
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, max_age=3600
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    settings = request.app.state.settings
    response = render(
        request,
        "login.html",
        None,
        login_csrf=token,
        next=next if next.startswith("/") and not next.startswith("//") else "/",
        username="",
        error=None,
        oidc_label=settings.oidc_label if settings.oidc_issuer else None,
    )
    _login_csrf_cookie(response, token, settings.cookie_secure)
    return response


@router.post("/login", response_model=None)
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    settings = request.app.state.settings
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    error = None
    retry_after = 0
    if not expected or not secrets.compare_digest(expected, csrf_token):
        error = "Formularen var udløbet. Prøv igen."
    else:
        try:
            user_id = authenticate(
                request.app.state.engine, username, password, client_address(request)
            )
        except RateLimited as exc:
            retry_after = exc.retry_after
            error = f"For mange forkerte forsøg. Prøv igen om {format_wait(retry_after)}."
        except AccountError:
            error = "Forkert brugernavn eller adgangskode."
    if error is not None:
        token = secrets.token_urlsafe(24)
        response = render(
            request,
            "login.html",
            None,
            login_csrf=token,
            next=next,
            username=username,
            error=error,
            oidc_label=None,
        )
        response.status_code = 429 if retry_after else 400
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        _login_csrf_cookie(response, token, settings.cookie_secure)
        return response
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    redirect = start_session(request, user_id, "/home" if target in ("/", "/login") else target)
    redirect.delete_cookie(LOGIN_CSRF_COOKIE)
    return redirect


@router.get("/home")
def home(user: PageUser) -> RedirectResponse:
    return RedirectResponse(HOME_BY_ROLE.get(user.role or "", "/mig"), status_code=303)


@router.post("/logout")
def logout(request: Request, user: PageUser) -> RedirectResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_web_session(request, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


# --- the console --------------------------------------------------------------------------------


def _operator(user: Principal) -> None:
    from omstilling.web.auth import role_required

    role_required(user, "operator")


@router.get("/", response_class=HTMLResponse)
def console(request: Request, user: PageUser) -> Response:
    if user.role not in ("operator", "admin"):
        return RedirectResponse(HOME_BY_ROLE.get(user.role or "", "/mig"), status_code=303)
    return render(request, "console.html", user, active="/")


@dataclass
class ResultRow:
    kind: str
    id: str
    name: str
    kind_label: str
    unit_name: str
    state: str
    state_class: str


def unit_state(org: Organisation, unit_id: str, now: datetime) -> tuple[str, str]:
    schedule = compile_schedule(
        org.phone_expression(unit_id), org.municipality.timezone, org.municipality.country
    )
    if schedule.is_open(now):
        change = schedule.next_change(now)
        return (f"Åben til {format_clock(change)}" if change else "Åben"), "ok"
    opens = schedule.next_open(now)
    return (f"Lukket, åbner {format_moment(opens, now)}" if opens else "Lukket"), "bad"


def employee_state(
    org: Organisation, presence: Presence, employee_id: str, now: datetime
) -> tuple[str, str]:
    absence = presence.active_absence(employee_id, now)
    if absence is not None:
        label = shown_as(absence.code)
        if absence.until:
            label += f" til {format_moment(absence.until.astimezone(now.tzinfo), now)}"
        return label, "ok" if absence.reachable else "warn"
    state, cls = unit_state(org, org.employees[employee_id].unit, now)
    return ("Til stede", "ok") if cls == "ok" else (state, cls)


@router.post("/console/search", response_class=HTMLResponse)
def console_search(
    request: Request, user: PageUser, q: Annotated[str, Form(max_length=300)] = ""
) -> HTMLResponse:
    """The search as the operator types. A POST: what a citizen said is not put in a URL,
    where access logs and proxies keep it (issue 12 item 4)."""
    _operator(user)
    if looks_like_cpr(q):
        # Not searched, not shown back: the errand of the call is never a CPR number.
        return render(request, "_results.html", user, results=[], q="", cpr=True)
    d = directory(request)
    indexed = d.indexed()
    rows: list[ResultRow] = []
    if indexed is not None and q.strip():
        org = indexed.org
        now = local_now(request, org)
        presence = d.presence.at(now)
        for hit in indexed.index.search(q, limit=12):
            unit = org.units.get(hit.unit)
            if hit.kind == "employee":
                state, cls = employee_state(org, presence, hit.id, now)
            else:
                state, cls = unit_state(org, hit.unit, now)
            rows.append(
                ResultRow(
                    hit.kind,
                    hit.id,
                    hit.name,
                    ENTITY_KIND.label(hit.kind),
                    unit.name if unit and hit.kind != "unit" else "",
                    state,
                    cls,
                )
            )
    return render(request, "_results.html", user, results=rows, q=q)


def _advice_view(org: Organisation, advice: Advice, now: datetime) -> dict[str, Any]:
    data = advice.to_json()
    to = data.get("to") or {}
    assert isinstance(to, dict)
    unit_id = advice.unit or ""
    m = org.municipality
    schedule = compile_schedule(org.phone_expression(unit_id), m.timezone, m.country)
    unit_name = org.units[unit_id].name if unit_id in org.units else unit_id
    first = advice.candidates[0] if advice.candidates else None
    task = org.tasks.get(first.id) if first is not None and first.kind == "task" else None
    if advice.action == "refer" and task is not None and task.refer_to is not None:
        # The call goes to the outside authority: its name and its own phone hours.
        unit_name = task.refer_to.name
        if task.refer_to.hours:
            schedule = compile_schedule(task.refer_to.hours, m.timezone, m.country)
    employee = org.employees.get(advice.employee) if advice.employee else None
    to_label = ""
    if to.get("kind") == "employee" and to.get("id") in org.employees:
        target = org.employees[str(to["id"])]
        to_label = f"{target.name}, {target.title}" if target.title else target.name
        if to.get("extension"):
            to_label += f" (lokal {to['extension']})"
    elif to.get("kind") == "unit" and to.get("id") in org.units:
        to_label = org.units[str(to["id"])].name
    absence = data.get("absence")
    absence_until = None
    if isinstance(absence, dict) and absence.get("until"):
        absence_until = format_moment(datetime.fromisoformat(str(absence["until"])), now)
    next_open = data.get("next_open")
    buttons = [
        {"action": advice.action, "label": ADVICE_ACTION.label(advice.action), "primary": True}
    ]
    for alt in advice.alternatives:
        if alt.action != advice.action:
            label = ADVICE_ACTION.label(alt.action)
            buttons.append({"action": alt.action, "label": label, "primary": False})
    if advice.action != "take_message" and not any(b["action"] == "take_message" for b in buttons):
        label = ADVICE_ACTION.label("take_message")
        buttons.append({"action": "take_message", "label": label, "primary": False})
    buttons.append({"action": "answered", "label": "Besvaret her", "primary": False})
    return {
        **data,
        "action_label": ADVICE_ACTION.label(advice.action),
        "to_display": to.get("display"),
        "to_number": to.get("number"),
        "to_label": to_label,
        "employee_name": employee.name if employee else None,
        "absence_until": absence_until,
        "unit_name": unit_name,
        "today": schedule.day_text(now.date()),
        "next_open_text": format_moment(datetime.fromisoformat(str(next_open)), now)
        if next_open
        else None,
        "buttons": buttons,
        "fact_labels": dict(CITIZEN_FACT.choices()),
    }


@router.post("/console/advice", response_class=HTMLResponse)
def console_advice(
    request: Request,
    user: PageUser,
    kind: Annotated[str, Form()],
    id: Annotated[str, Form()],
    q: Annotated[str, Form()] = "",
    birth_day: Annotated[str, Form()] = "",
    surname: Annotated[str, Form()] = "",
    postcode: Annotated[str, Form()] = "",
) -> HTMLResponse:
    _operator(user)
    d = directory(request)
    org = d.organisation()
    context: dict[str, Any] = {"kind": kind, "ident": id, "q": q}
    if org is None:
        return render(
            request, "_advice.html", user, error="Ingen organisation er indlæst.", **context
        )
    now = local_now(request, org)
    try:
        inquiry = inquiry_from(
            employee=id if kind == "employee" else None,
            unit=id if kind == "unit" else None,
            task=id if kind == "task" else None,
            birth_day=birth_day,
            surname=surname,
            postcode=postcode,
        )
        advice = d.advise(inquiry, now)
    except CitizenFactError as exc:
        message = (
            "Kun dagen i måneden (1-31) bruges, aldrig hele CPR-nummeret."
            if exc.field == "birth_day"
            else f"Tjek oplysningen: {CITIZEN_FACT.label(exc.field).lower()}"
        )
        return render(request, "_advice.html", user, error=message, **context)
    except (UnknownId, NothingFound, InvalidInquiry):
        return render(
            request, "_advice.html", user, error="Det valgte findes ikke længere.", **context
        )
    return render(request, "_advice.html", user, a=_advice_view(org, advice, now), **context)


@router.post("/console/actions", response_class=HTMLResponse)
def console_action(
    request: Request,
    user: PageUser,
    action: Annotated[str, Form()],
    errand: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "",
    employee: Annotated[str, Form()] = "",
    number: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    id: Annotated[str, Form()] = "",
    rules: Annotated[str, Form()] = "",
    call_id: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Log the call as handled by this operator, with its errand (R1.2)."""
    _operator(user)
    stored = LOGGED_AS.get(action)
    if stored is None:
        return HTMLResponse('<p class="error" role="alert">Ukendt handling.</p>', status_code=422)
    log_action(
        request.app.state.engine,
        stored,
        at=clock_now(request),
        user_id=user.user_id,
        unit=unit,
        employee=employee,
        task=id if kind == "task" else None,
        errand=errand or id,
        number=number,
        call_id=call_id,
        rules=[r for r in rules.split(",") if r],
    )
    if stored == "transfer":
        # The PBX's events of the call may have come first (ingestion settles the rest).
        settle_logged(request.app.state.engine, call_id)
    text = {
        "transfer": "Omstilling registreret.",
        "give_number": f"Nummer givet{': ' + escape(format_phone(number)) if number else ''}.",
        "take_message": "Besked registreret.",
        "answered": "Registreret som besvaret her.",
    }[stored]
    return HTMLResponse(f'<p class="ok-msg">{text}</p>')


def current_user_or_none(request: Request) -> Principal | None:
    principal = find_principal(request)
    return principal if principal and principal.kind == "user" else None
