"""Public pages and JSON (no login): official hours, phone hours, numbers (R3.2, R3.7, R3.8).

For the website and the intranet. Only the official hours speak for the
municipality as a whole (R3.2). A direct number is published only through
`published_number` (omstilling.domain.public_search, which the public search shares):
never for an employee of a sensitive unit or any unit below one (R3.8), never when the
employee is marked `public: false`, and a mobile number is never read here at all.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from omstilling.domain.danish import format_clock, format_date, format_phone
from omstilling.domain.hours import Schedule, compile_schedule
from omstilling.domain.labels import UNIT_KIND
from omstilling.domain.organisation import Number, Organisation, Unit
from omstilling.domain.public_search import public_text, published_number
from omstilling.web.console.pages import current_user_or_none, local_now, render
from omstilling.web.deps import directory

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/public", tags=["public"])

SCHEMA_DAYS = (
    "https://schema.org/Monday",
    "https://schema.org/Tuesday",
    "https://schema.org/Wednesday",
    "https://schema.org/Thursday",
    "https://schema.org/Friday",
    "https://schema.org/Saturday",
    "https://schema.org/Sunday",
)


def _organisation(request: Request) -> Organisation:
    return directory(request).require_organisation()


def _schedule(org: Organisation, expression: str) -> Schedule:
    return compile_schedule(expression, org.municipality.timezone, org.municipality.country)


def _hhmm(t: time | None) -> str:
    # schema.org has no 24:00; "23:59" is the usual way to say "until midnight".
    return "23:59" if t is None else t.strftime("%H:%M")


def opening_hours_specification(schedule: Schedule, at: datetime) -> list[dict[str, str]]:
    """schema.org OpeningHoursSpecification for the regular week around `at`.

    Built from the same regular week as the Danish `week_text`, so the JSON and
    the sentence never disagree (public holidays and closing days left out).
    """
    out = []
    for day_url, shape in zip(SCHEMA_DAYS, schedule.regular_week(at), strict=True):
        for start, end in shape:
            out.append(
                {
                    "@type": "OpeningHoursSpecification",
                    "dayOfWeek": day_url,
                    "opens": _hhmm(start),
                    "closes": _hhmm(end),
                }
            )
    return out


def _number(n: Number) -> dict[str, str]:
    return {"number": n.e164, "display": format_phone(n.e164), "label": public_text(n.label)}


def public_unit(org: Organisation, unit: Unit, at: datetime) -> dict[str, Any]:
    """One unit as the public may see it."""
    expression = org.phone_expression(unit.id)
    schedule = _schedule(org, expression)
    sensitive = org.is_sensitive(unit.id)
    employees = []
    if not sensitive:
        for e in org.employees_of(unit.id):
            number = published_number(org, e)
            if number is not None:
                employees.append(
                    {
                        "id": e.id,
                        "name": public_text(e.name),
                        "title": public_text(e.title),
                        "phone": {"number": number, "display": format_phone(number)},
                    }
                )
    return {
        "id": unit.id,
        "name": public_text(unit.name),
        "kind": unit.kind,
        "parent": unit.parent,
        "description": public_text(unit.description),
        "address": public_text(unit.address),
        "numbers": [_number(n) for n in unit.numbers],
        "phone_hours": {
            "expression": public_text(expression),
            "text": public_text(schedule.week_text(at)),
        },
        "openingHoursSpecification": opening_hours_specification(schedule, at),
        "direct_numbers_withheld": sensitive,
        "employees": employees,
    }


def official_hours(org: Organisation, at: datetime) -> dict[str, Any]:
    expression = org.official_expression()
    schedule = _schedule(org, expression)
    return {
        "expression": expression,
        "text": schedule.week_text(at),
        "today": schedule.day_text(at.date()),
        "open_now": schedule.is_open(at),
        "openingHoursSpecification": opening_hours_specification(schedule, at),
    }


@api.get("/units")
def units_json(request: Request) -> dict[str, Any]:
    """Every unit: address, function numbers, phone hours, and the publishable direct numbers."""
    org = _organisation(request)
    now = local_now(request, org)
    return {
        "municipality": org.municipality.name,
        "units": [public_unit(org, u, now) for u in org.units.values()],
    }


@api.get("/hours")
def hours_json(request: Request) -> dict[str, Any]:
    """The municipality's official hours (R3.2): the only hours said to the outside world."""
    org = _organisation(request)
    now = local_now(request, org)
    main = org.municipality.main_number
    return {
        "municipality": org.municipality.name,
        "timezone": org.municipality.timezone,
        "main_number": {"number": main, "display": format_phone(main)} if main else None,
        "website": org.municipality.website,
        "official": official_hours(org, now),
    }


@pages.get("/offentlig", response_class=HTMLResponse)
def public_page(request: Request) -> HTMLResponse:
    user = current_user_or_none(request)
    org = directory(request).organisation()
    if org is None:
        return render(request, "public/index.html", user, active="/offentlig", org=None)
    now = local_now(request, org)
    units = []
    for u in org.units.values():
        data = public_unit(org, u, now)
        data["depth"] = len(org.path(u.id)) - 1
        data["kind_da"] = UNIT_KIND.label(u.kind)
        units.append(data)
    main = org.municipality.main_number
    return render(
        request,
        "public/index.html",
        user,
        active="/offentlig",
        org=org,
        official=official_hours(org, now),
        main_number=format_phone(main) if main else None,
        units=units,
        today=f"{format_date(now.date())} kl. {format_clock(now)}",
    )
