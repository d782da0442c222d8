"""The authorisation matrix (issue 12, "Hardened against hostile input"): every route of
the app, walked with every role, every API token scope and nobody, and with a unit
editor and an employee using another unit's ids. Only what the role or scope names is
allowed.

`POLICY` below is the policy, written out: route -> who may. A route the app has and
the table lacks fails the test (so does an entry for a route that is gone), so a new
route must say who may use it. "Allowed" is any answer but 401 or 403 and, for pages,
but a redirect to the sign-in page; a 404 or 422 from an allowed caller is still
allowed (the request got past the door). No route may answer 5xx to anybody.

Who asks (`WHO`):
- anonymous: no cookie, no token;
- the roles of `accounts.ROLES`, each with a session cookie (and its CSRF token):
  operator, employee (Mette, Jobcenter), editor (of Jobcenter), manager, admin;
- one API token per scope of `accounts.SCOPES`, named `token:<scope>`;
- `editor@other` and `employee@other`: the same editor and employee, with the ids in
  the URL (unit, employee, task, mailing, message) of Familie, a unit that is not
  theirs. On a route without ids they are the editor and the employee.

Another unit's ids in a form's fields (a distribution target, an owner, a mailing's
tasks ...) are tried form by form in tests/web/test_editor_scope.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.routing import Mount, Route

from omstilling import accounts, orgfile
from omstilling.settings import Settings
from omstilling.store.db import ensure_schema, make_engine
from omstilling.store.organisation import import_organisation
from omstilling.web.app import create_app
from omstilling.web.auth import SESSION_COOKIE
from tests.conftest import api_client, mini_text
from tests.web.session import MONDAY_10, PASSWORD
from tests.web.test_oidc import CLIENT_ID, CLIENT_SECRET, Provider
from tests.web.test_oidc import provider as provider  # the fixture: a real OpenID provider

ROLES = ("operator", "employee", "editor", "manager", "admin")
TOKENS = tuple(f"token:{s}" for s in accounts.SCOPES)
OTHER = ("editor@other", "employee@other")
WHO = ("anonymous", *ROLES, *TOKENS, *OTHER)

# The ids a caller puts in the URL: their own, or another unit's (Familie's).
OWN = {
    "unit_id": "jobcenter",
    "employee_id": "mette-jobcenter",
    "task_id": "kontanthjaelp",
    "mailing_id": "jobbrev",
}
FOREIGN = {
    "unit_id": "familie",
    "employee_id": "anne-familie",
    "task_id": "underretning",
    "mailing_id": "familiebrev",
}


@dataclass(frozen=True)
class May:
    """Who may use a route, and a request that an allowed caller could well send."""

    who: frozenset[str]
    url: str = ""  # default: the route's path; {ids} are filled in per caller
    json: Any = None
    form: dict[str, Any] | None = None
    # A page that sends callers of another role to their own start page, instead of 403.
    redirects_away: bool = False


def may(*who: str, **request: Any) -> May:
    unknown = set(who) - set(WHO)
    assert not unknown, unknown
    return May(frozenset(who), **request)


EVERYONE = WHO
USERS = (*ROLES, *OTHER)  # anyone signed in with a session (a page refuses tokens)
ADVICE = ("operator", "employee", "editor", "manager", "admin", *OTHER, "token:advice:read")
OPERATORS = ("operator", "admin")  # the console: role operator (admins may do anything)
EDITORS = ("editor", "admin")  # the unit pages: own units only (not editor@other)
MANAGERS = ("manager", "admin")
# An employee's absence: the employee themself, an editor of their unit, anyone with
# presence:write (operators, admins, the phone system's token); not another unit's editor.
ABSENCE = ("employee", "editor", "operator", "admin", "token:presence:write")
# A whole unit away or back (R3.9): presence:write, and an editor only for their own units.
UNIT_AWAY = ("operator", "editor", "admin", "token:presence:write")
# A message: everyone with messages:write, else the people of the message's unit.
MESSAGE = ("operator", "admin", "token:messages:write", "employee", "editor")
AWAY = {"from": "2026-11-30T10:00", "until": "2026-11-30T12:00"}
TASK_FORM = {"name": "Kontanthjælp", "action": "save"}
EMPLOYEE_FORM = {"name": "Mette", "role": "caseworker", "action": "save"}
MAILING_FORM = {"title": "Brev", "sent": "2026-11-30", "calls_expected_until": "2026-12-18"}

POLICY: dict[str, May] = {
    # --- open: health, the public API and page, sign-in, the API's documentation -----------
    "GET /api/v1/health": may(*EVERYONE),
    "GET /api/v1/ready": may(*EVERYONE),
    "GET /api/v1/public/units": may(*EVERYONE),
    "GET /api/v1/public/hours": may(*EVERYONE),
    "GET /offentlig": may(*EVERYONE),
    "GET /tilgaengelighed": may(*EVERYONE),
    # Hvem skal jeg ringe til? (issue 17): the page and its API, rate limited per address.
    "GET /offentlig/soeg": may(*EVERYONE, url="/offentlig/soeg?q=pas"),
    "GET /api/v1/public/search": may(*EVERYONE, url="/api/v1/public/search?q=pas"),
    "GET /login": may(*EVERYONE),
    "POST /login": may(*EVERYONE, form={"username": "x", "password": "y"}),
    "GET /login/oidc": may(*EVERYONE),
    "GET /auth/oidc": may(*EVERYONE),
    "GET /statistik/rapport.css": may(*EVERYONE),
    "GET /openapi.json": may(*EVERYONE),
    "GET /docs": may(*EVERYONE),
    "GET /docs/oauth2-redirect": may(*EVERYONE),
    "GET /redoc": may(*EVERYONE),
    "GET /static": may(*EVERYONE, url="/static/omstilling.css"),
    # --- the directory over the API: advice:read --------------------------------------------
    "GET /api/v1/units": may(*ADVICE),
    "GET /api/v1/units/{unit_id}": may(*ADVICE),
    "GET /api/v1/employees/{employee_id}": may(*ADVICE),
    "POST /api/v1/advice": may(*ADVICE, json={"q": "kontanthjælp"}),
    # Numbers on letters (R3.7): the citizen's facts only in the POST's body.
    "GET /api/v1/contact": may(*ADVICE, url="/api/v1/contact?employee={employee_id}"),
    "POST /api/v1/contact": may(*ADVICE, json={"task": "kontanthjaelp", "birth_day": 3}),
    # --- presence over the API ----------------------------------------------------------------
    "PUT /api/v1/employees/{employee_id}/absence": may(*ABSENCE, json={"code": "meeting"}),
    "DELETE /api/v1/employees/{employee_id}/absence": may(*ABSENCE),
    "POST /api/v1/units/{unit_id}/away": may(*UNIT_AWAY, json=AWAY),
    "POST /api/v1/units/{unit_id}/back": may(*UNIT_AWAY, json={"at": "2026-11-30T11:00"}),
    # --- messages over the API ----------------------------------------------------------------
    "POST /api/v1/messages": may(
        "operator",
        "admin",
        "token:messages:write",
        json={"unit": "jobcenter", "caller_name": "A", "caller_phone": "89151234", "text": "B"},
    ),
    # Without messages:write: only one's own unit, named in the query.
    "GET /api/v1/messages": may(*MESSAGE, url="/api/v1/messages?unit={unit_id}"),
    "GET /api/v1/messages/{message_id}": may(*MESSAGE),
    "PATCH /api/v1/messages/{message_id}": may(*MESSAGE, json={"status": "seen"}),
    # --- calls, reports and measurements over the API ---------------------------------------
    "POST /api/v1/calls/events": may("admin", "token:calls:write", json={"events": []}),
    "GET /api/v1/calls/report": may("manager", "admin", "token:reports:read"),
    "POST /api/v1/quality/test-calls": may(
        "manager", "admin", "token:quality:write", json={"test_calls": []}
    ),
    "GET /api/v1/quality/summary": may("manager", "admin", "token:reports:read"),
    # --- pages for everyone signed in ---------------------------------------------------------
    "GET /home": may(*USERS),
    "POST /logout": may(*USERS),
    "GET /tavler": may(*USERS),
    "GET /mig": may(*USERS),
    # Own absence: only a user who is an employee (403 for the others, by design).
    "POST /mig/fravaer": may("employee", form={"choice": "clear"}),
    # A message for a colleague or one's own unit (R3.5, R3.6): only an employee of the unit.
    "POST /mig/besked": may("employee", "employee@other", form={"unit": "jobcenter"}),
    "POST /mig/besked/gem": may(
        "employee",
        "employee@other",
        form={"caller_name": "A", "caller_phone": "89151234", "text": "B", "unit": "jobcenter"},
    ),
    "GET /beskeder": may("operator", "admin", "employee", "editor"),
    "GET /beskeder/{message_id}": may("operator", "admin", "employee", "editor"),
    "POST /beskeder/{message_id}": may(
        "operator", "admin", "employee", "editor", form={"action": "seen"}
    ),
    # --- the console: operators ---------------------------------------------------------------
    "GET /": may(*OPERATORS, redirects_away=True),
    "POST /console/search": may(*OPERATORS, form={"q": "pas"}),
    "POST /console/advice": may(*OPERATORS, form={"kind": "task", "id": "kontanthjaelp"}),
    "POST /console/actions": may(*OPERATORS, form={"action": "none"}),
    "GET /console/events": may(*OPERATORS),
    "GET /console/kalder": may(*OPERATORS),
    "POST /console/besked": may(*OPERATORS, form={"kind": "unit", "id": "jobcenter"}),
    "POST /console/besked/gem": may(
        *OPERATORS,
        form={"caller_name": "A", "caller_phone": "89151234", "text": "B", "unit": "jobcenter"},
    ),
    # --- the unit pages: a unit editor for their own units, an admin for all ----------------
    "GET /enheder": may(*EDITORS),
    "GET /enheder/{unit_id}": may(*EDITORS),
    "POST /enheder/{unit_id}/timer/forhaandsvisning": may(*EDITORS, form={"opening": ""}),
    "POST /enheder/{unit_id}/grunddata": may(*EDITORS, form={"description": "x"}),
    "POST /enheder/{unit_id}/timer": may(*EDITORS, form={"opening": "", "phone": ""}),
    "POST /enheder/{unit_id}/numre": may(*EDITORS, form={"number_0": "89 15 22 00"}),
    "POST /enheder/{unit_id}/regler": may(*EDITORS, form={"transfer_kind": ""}),
    "POST /enheder/{unit_id}/gennemgaaet": may(*EDITORS, form={}),
    "POST /enheder/{unit_id}/opgaver": may(*EDITORS, form={"name": "Ny opgave"}),
    "POST /enheder/{unit_id}/opgaver/{task_id}": may(*EDITORS, form=TASK_FORM),
    "POST /enheder/{unit_id}/medarbejdere": may(*EDITORS, form={**EMPLOYEE_FORM, "name": "Ny"}),
    "POST /enheder/{unit_id}/medarbejdere/{employee_id}": may(*EDITORS, form=EMPLOYEE_FORM),
    "POST /enheder/{unit_id}/udsendelser": may(*EDITORS, form=MAILING_FORM),
    "POST /enheder/{unit_id}/udsendelser/{mailing_id}/fjern": may(*EDITORS, form={}),
    "POST /enheder/{unit_id}/vaek": may(*EDITORS, form={"until": "2026-11-30T12:00"}),
    "POST /enheder/{unit_id}/tilbage": may(*EDITORS, form={}),
    # A rule rewritten when someone left (issue 14): its unit's editor decides.
    "POST /enheder/{unit_id}/fratraadt/{flag_id}": may(
        *EDITORS, url="/enheder/{unit_id}/fratraadt/1", form={}
    ),
    # The directory sync's last runs (issue 14): admins.
    "GET /synkronisering": may("admin"),
    # Her own calendar feed (issue 15): a user who is an employee; every feed: admins.
    "GET /mig/kalender": may("employee", "employee@other"),
    "POST /mig/kalender": may(
        "employee", "employee@other", form={"url": "https://192.0.2.10/kalender.ics"}
    ),
    "POST /mig/kalender/fjern": may("employee", "employee@other", form={}),
    "GET /kalendere": may("admin"),
    # Accounts and the operators' PBX agents (issue 16): admins.
    "GET /brugere": may("admin"),
    "POST /brugere/{user_id}/agent": may("admin", url="/brugere/1/agent", form={"agent": ""}),
    # --- statistics and test calls: management ------------------------------------------------
    "GET /statistik": may(*MANAGERS),
    "GET /statistik/testopkald": may(*MANAGERS),
    "POST /statistik/testopkald": may(*MANAGERS, form={"unit": "jobcenter"}),
}


def app_routes(routes: list[Any]) -> Iterator[str]:
    """Every route of the app as "METHOD /path", inside included routers too."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from app_routes(inner.routes)
        elif isinstance(route, APIRoute | Route):
            for method in sorted((route.methods or set()) - {"HEAD", "OPTIONS"}):
                yield f"{method} {route.path}"
        elif isinstance(route, Mount):
            yield f"GET {route.path}"
        else:
            raise AssertionError(f"a route of a kind the matrix does not know: {route!r}")


@pytest.fixture
def app(sqlite_url: str, provider: Provider) -> FastAPI:
    """The mini municipality with a mailing and a message in Jobcenter and in Familie, a
    user per role and OpenID Connect configured (so its routes exist too)."""
    engine = make_engine(sqlite_url)
    ensure_schema(engine)
    doc = yaml.safe_load(mini_text())
    doc.setdefault("mailings", [])
    for ident, unit, task in (
        ("jobbrev", "jobcenter", "kontanthjaelp"),
        ("familiebrev", "familie", "underretning"),
    ):
        doc["mailings"].append(
            {
                "id": ident,
                "unit": unit,
                "title": ident,
                "sent": date(2026, 11, 20),
                "calls_expected_until": date(2026, 12, 31),
                "tasks": [task],
            }
        )
    org = orgfile.parse_data(doc).organisation
    import_organisation(engine, org, file_revision=None, actor="test")
    settings = Settings(
        database_url=sqlite_url,
        secret_key="a-long-test-secret-key-0123456789",
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
    )
    application = create_app(settings, engine=engine)
    application.state.clock = lambda: MONDAY_10
    return application


@dataclass
class Caller:
    """How one of `WHO` asks: headers (a token, or a fresh session and its CSRF token)."""

    name: str
    token: str | None = None
    user_id: int | None = None
    ids: dict[str, str] = field(default_factory=dict)

    def headers(self, engine: Engine) -> dict[str, str]:
        if self.token is not None:
            return {"Authorization": f"Bearer {self.token}"}
        if self.user_id is None:
            return {}
        # A session of its own for each request: POST /logout ends the one it is sent with.
        session = accounts.create_session(engine, self.user_id)
        principal = accounts.session_principal(engine, session, accounts.SessionPolicy())
        assert principal is not None and principal.csrf_token
        return {"Cookie": f"{SESSION_COOKIE}={session}", "X-CSRF-Token": principal.csrf_token}


def callers(app: FastAPI) -> dict[str, Caller]:
    engine = app.state.engine
    users = {
        "operator": accounts.add_user(engine, "op", "operator", PASSWORD),
        "employee": accounts.add_user(
            engine, "mette", "employee", PASSWORD, employee_id="mette-jobcenter"
        ),
        "editor": accounts.add_user(engine, "red", "editor", PASSWORD, unit_id="jobcenter"),
        "manager": accounts.add_user(engine, "chef", "manager", PASSWORD),
        "admin": accounts.add_user(engine, "admin", "admin", PASSWORD),
    }
    assert set(users) == set(accounts.ROLES), "a new role needs its column in the matrix"
    # Messages for Jobcenter and for Familie, taken by the switchboard.
    message_ids = {}
    with api_client(app, ("messages:write",)) as client:
        for unit in ("jobcenter", "familie"):
            r = client.post(
                "/api/v1/messages",
                json={"unit": unit, "caller_name": "A", "caller_phone": "89151234", "text": "B"},
            )
            assert r.status_code == 201, r.text
            message_ids[unit] = str(r.json()["id"])
    own = {**OWN, "message_id": message_ids["jobcenter"]}
    foreign = {**FOREIGN, "message_id": message_ids["familie"]}
    out = {"anonymous": Caller("anonymous", ids=own)}
    for role, user_id in users.items():
        out[role] = Caller(role, user_id=user_id, ids=own)
    for name in OTHER:
        out[name] = Caller(name, user_id=users[name.split("@")[0]], ids=foreign)
    for scope in accounts.SCOPES:
        token = accounts.create_token(engine, f"matrix-{scope}", [scope])
        out[f"token:{scope}"] = Caller(f"token:{scope}", token=token, ids=own)
    return out


def ask(client: TestClient, engine: Engine, caller: Caller, route: str, rule: May) -> Any:
    method, path = route.split(" ", 1)
    url = (rule.url or path).format(**caller.ids)
    headers = caller.headers(engine)
    kwargs: dict[str, Any] = {"headers": headers}
    if rule.json is not None:
        kwargs["json"] = rule.json
    if rule.form is not None:
        kwargs["data"] = rule.form
    client.cookies.clear()  # only the caller's own cookie
    # Streamed: the console's event stream never ends; the status is all the matrix needs.
    with client.stream(method, url, **kwargs) as r:
        if not r.headers.get("content-type", "").startswith("text/event-stream"):
            r.read()
        return r


def allowed(route: str, rule: May, r: Any) -> bool:
    if r.status_code in (401, 403):
        return False
    if r.status_code in (302, 303, 307):
        # To sign in first (web.auth.login_redirect_target); signing out also ends at /login.
        if r.headers.get("location", "").startswith("/login?next="):
            return False
        if rule.redirects_away:
            return False
    return True


def test_every_route_has_a_row_in_the_policy(app: FastAPI) -> None:
    """A route without an entry (or an entry without a route) fails: say who may use it."""
    routes = list(app_routes(app.routes))
    assert len(routes) == len(set(routes))
    assert sorted(set(routes) - set(POLICY)) == [], "routes missing from POLICY"
    assert sorted(set(POLICY) - set(routes)) == [], "POLICY names routes the app lacks"


def test_issue_12_only_what_the_role_or_scope_names_is_allowed(app: FastAPI) -> None:
    """Issue 12: every route with every role, every token scope and nobody, and a unit
    editor (and an employee) using another unit's ids."""
    who = callers(app)
    engine = app.state.engine
    wrong: list[str] = []
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        for route in app_routes(app.routes):
            rule = POLICY[route]
            has_ids = "{" in (rule.url or route)
            for name in WHO:
                r = ask(client, engine, who[name], route, rule)
                assert r.status_code < 500, (route, name, r.status_code)
                # Without ids in the URL, the "@other" callers are simply themselves.
                expected_for = name if has_ids or "@" not in name else name.split("@")[0]
                expected = expected_for in rule.who
                if allowed(route, rule, r) != expected:
                    verb = "refused" if expected else "allowed"
                    wrong.append(f"{route}: {name} {verb} ({r.status_code})")
    assert wrong == [], "\n".join(wrong)
