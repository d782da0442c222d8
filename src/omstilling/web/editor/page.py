"""The unit editor's page: what a unit looks like to its editor, with its history and state.

Rendering only; the routes that change anything are in `omstilling.web.editor.routes`,
the form-to-organisation logic in `omstilling.web.editor.forms`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, or_, select

from omstilling.accounts import Principal
from omstilling.clock import utc
from omstilling.domain.danish import format_date, format_moment
from omstilling.domain.hours import compile_schedule, validate_expression
from omstilling.domain.labels import DISTRIBUTION, ROLE, UNIT_KIND
from omstilling.domain.organisation import Organisation, Unit, with_closed
from omstilling.store import sync_runs
from omstilling.store.models import AuditEntry, UnitAwayRow
from omstilling.web.console.pages import local_now, render
from omstilling.web.editor import forms, problems

STALE_AFTER = timedelta(days=90)  # R2.6: data not confirmed for this long shows as stale
HISTORY_ROWS = 40

SAVED_TEXT = {
    "grunddata": "Beskrivelse og adresse er gemt.",
    "timer": "Åbnings- og telefontider er gemt.",
    "numre": "Funktionsnumrene er gemt.",
    "regler": "Reglerne er gemt.",
    "opgave": "Opgaven er gemt.",
    "opgave-fjernet": "Opgaven er fjernet.",
    "medarbejder": "Medarbejderen er gemt.",
    "medarbejder-fjernet": "Medarbejderen er fjernet.",
    "gennemgaaet": "Tak. Data er markeret som gennemgået i dag.",
    "vaek": "Omstillingen kan nu se, at enheden er væk.",
    "tilbage": "Enheden er meldt tilbage.",
    "udsendelse": "Udsendelsen er meldt til omstillingen.",
    "fratraadt": "Markeringen er fjernet. Reglen er enhedens at rette.",
    "udsendelse-fjernet": "Udsendelsen er fjernet.",
    "ingen": "Der var ingen ændringer at gemme.",
}
ACTION_DA = {"added": "tilføjet", "changed": "ændret", "removed": "fjernet"}
ENTITY_DA = {"unit": "Enhed", "task": "Opgave", "employee": "Medarbejder", "mailing": "Udsendelse"}


def is_stale(unit: Unit, today: date) -> bool:
    return unit.reviewed is None or today - unit.reviewed > STALE_AFTER


# --- the unit page -------------------------------------------------------------------------------


def week_preview(org: Organisation, unit: Unit, key: str, own: str, at: datetime) -> dict[str, Any]:
    """The Danish week text of an hours field as typed (empty: what the unit inherits)."""
    own = own.strip()
    if own:
        problem = validate_expression(own)
        if problem:
            return {"error": forms.danish(problem), "text": None}
        expression, inherited = with_closed(own, org.municipality.closed), False
    else:
        parent = unit.parent
        if parent:
            getter = org.phone_expression if key == "phone" else org.opening_expression
            expression = getter(parent)
        else:
            mh = org.municipality.hours
            expression = with_closed(
                mh.phone if key == "phone" else mh.opening, org.municipality.closed
            )
        inherited = True
    schedule = compile_schedule(expression, org.municipality.timezone, org.municipality.country)
    return {"error": None, "text": schedule.week_text(at), "inherited": inherited}


def _history(request: Request, org: Organisation, unit: Unit) -> list[dict[str, Any]]:
    """The unit's change history from the audit trail: the unit, its tasks, people, mailings."""
    ids = {
        "task": set(unit.tasks),
        "employee": set(unit.employees),
        "mailing": {m.id for m in org.mailings.values() if m.unit == unit.id},
    }
    table = AuditEntry.__table__
    with request.app.state.engine.connect() as conn:
        rows = conn.execute(
            select(table)
            .where(
                or_(
                    (table.c.entity == "unit") & (table.c.entity_id == unit.id),
                    *[
                        (table.c.entity == entity) & table.c.entity_id.in_(sorted(found))
                        for entity, found in ids.items()
                        if found
                    ],
                    # Removed entities are no longer listed in the unit; their `before` names it.
                    (table.c.action == "removed") & table.c.entity.in_(list(ids)),
                )
            )
            .order_by(table.c.id.desc())
            .limit(HISTORY_ROWS * 3)
        ).all()
    tz = local_now(request, org).tzinfo
    out = []
    for r in rows:
        if r.action == "removed" and r.entity != "unit" and (r.before or {}).get("unit") != unit.id:
            continue
        before, after = r.before or {}, r.after or {}
        keys = sorted(
            k for k in set(before) | set(after) if before.get(k) != after.get(k) and k != "position"
        )
        doc = after or before
        out.append(
            {
                # Stored in UTC (SQLite hands it back naive); shown in the municipality's zone.
                "at": utc(r.at).astimezone(tz).strftime("%d.%m.%Y kl. %H.%M"),
                "actor": r.actor,
                "source": {"web": "web", "import": "fil", "cli": "kommandolinje"}.get(
                    r.source, r.source
                ),
                "what": f"{ENTITY_DA.get(r.entity, r.entity)} "
                + str(doc.get("name") or doc.get("title") or r.entity_id),
                "action": ACTION_DA.get(r.action, r.action),
                "fields": [
                    {
                        "key": forms.FIELD_LABELS.get(k, k),
                        "before": _show(before.get(k)),
                        "after": _show(after.get(k)),
                    }
                    for k in keys
                ]
                if r.action == "changed"
                else [],
            }
        )
        if len(out) >= HISTORY_ROWS:
            break
    return out


def _show(value: Any) -> str:
    if value is None:
        return "(tom)"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value) or "(tom)"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items())
    return str(value)


def _aways(
    request: Request, org: Organisation, unit_id: str, now: datetime
) -> list[dict[str, Any]]:
    """The unit-wide absences running now or planned (R3.9)."""
    table = UnitAwayRow.__table__
    ends = func.coalesce(table.c.back_at, table.c.until)
    with request.app.state.engine.connect() as conn:
        rows = conn.execute(
            select(table)
            .where(table.c.unit_id == unit_id, ends > utc(now))
            .order_by(table.c.starts_at)
        ).all()
    out = []
    for r in rows:
        start = utc(r.starts_at).astimezone(now.tzinfo)
        end = utc(r.back_at or r.until).astimezone(now.tzinfo)
        out.append(
            {
                "active": start <= now,
                "start": format_moment(start, now),
                "until": format_moment(end, now),
                "note": r.note,
                "by": r.created_by,
            }
        )
    return out


def _rules_form(unit: Unit) -> dict[str, Any]:
    """The rules form as the unit stands: its secretary and where transfers may go."""
    secretary, only = unit.secretary, unit.transfer_only_to
    return {
        "secretary_employee": secretary.employee if secretary else "",
        "secretary_when": secretary.when if secretary else "",
        "secretary_roles": list(secretary.roles) if secretary else [],
        "transfer_kind": ("employee" if only.employee else "number") if only else "",
        "transfer_employee": (only.employee or "") if only else "",
        "transfer_number": forms.phone_text(only.number) if only else "",
        "sensitive": unit.sensitive,
    }


def _people_and_targets(org: Organisation, unit: Unit) -> tuple[list[Any], list[tuple[str, str]]]:
    """The people of the unit and its teams, and what a case distribution may point at."""
    scope = [unit, *org.descendants(unit.id)]
    people = [e for u in scope for e in org.employees_of(u.id)]
    targets = [(f"employee:{e.id}", f"{e.name} ({org.units[e.unit].name})") for e in people]
    targets += [(f"unit:{u.id}", f"Team: {u.name}") for u in scope[1:]]
    return people, targets


def _task_options(org: Organisation, unit: Unit, tasks: Sequence[str]) -> list[Any]:
    """An employee's tasks to choose from: the unit's own, and those of other units the
    employee already has (kept, so saving the form does not drop them)."""
    others = [org.tasks[t] for t in tasks if t in org.tasks and org.tasks[t].unit != unit.id]
    return [*org.tasks_of(unit.id), *others]


def _mailings(org: Organisation, unit: Unit, today: date) -> list[dict[str, Any]]:
    return [
        {
            "m": m,
            "sent": format_date(m.sent),
            "until": format_date(m.calls_expected_until),
            "active": m.active_on(today),
            "over": m.calls_expected_until < today,
        }
        for m in org.mailings.values()
        if m.unit == unit.id
    ]


def unit_page(
    request: Request,
    user: Principal,
    org: Organisation,
    unit: Unit,
    *,
    section: str = "",
    posted: Any = None,
    errors: list[str] | None = None,
    warnings: list[str] | None = None,
    saved: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """Render the unit page; the form named `section` shows `posted` values and `errors`."""
    now = local_now(request, org)

    def pick(name: str, default: Any) -> Any:
        return posted if section == name and posted is not None else default

    hours_form = pick(
        "timer", {"opening": unit.hours.opening or "", "phone": unit.hours.phone or ""}
    )
    sensitive_from = next(
        (u for u in org.ancestors(unit.id) if u.sensitive and u.id != unit.id), None
    )
    people, targets = _people_and_targets(org, unit)
    own_tasks = org.tasks_of(unit.id)
    context: dict[str, Any] = {
        "org": org,
        "unit": unit,
        "path": org.path(unit.id)[:-1],
        "kind": UNIT_KIND.label(unit.kind),
        "children": org.children(unit.id),
        "stale": is_stale(unit, now.date()),
        "reviewed": format_date(unit.reviewed) if unit.reviewed else None,
        "sensitive_from": sensitive_from,
        "section": section,
        "errors": errors or [],
        "error_fields": problems.error_fields(errors or []),
        "warnings": warnings or [],
        "saved": SAVED_TEXT.get(saved or ""),
        "leaver_flags": sync_runs.open_flags(request.app.state.engine, [unit.id]),
        "basics": pick(
            "grunddata",
            {"description": unit.description, "address": unit.address, "owner": unit.owner or ""},
        ),
        "hours": hours_form,
        "preview": {
            key: week_preview(org, unit, key, hours_form[key], now) for key in ("opening", "phone")
        },
        "numbers": pick("numre", forms.number_rows(unit)),
        "rules": pick("regler", _rules_form(unit)),
        "people": people,
        "own_people": org.employees_of(unit.id),
        "targets": targets,
        "roles": ROLE.choices(),
        "dist_kinds": DISTRIBUTION.choices(),
        "tasks": [
            {"task": t, "form": pick(f"opgave:{t.id}", forms.task_form(t))} for t in own_tasks
        ],
        "new_task": pick("ny-opgave", forms.task_form(None)),
        "employees": [
            {
                "e": e,
                "form": {**pick(f"medarbejder:{e.id}", forms.employee_form(e)), "source": e.source},
                "task_options": _task_options(org, unit, e.tasks),
            }
            for e in org.employees_of(unit.id)
        ],
        "new_employee": pick("ny-medarbejder", forms.employee_form(None)),
        "own_tasks": own_tasks,
        "mailings": _mailings(org, unit, now.date()),
        "new_mailing": pick("udsendelse", forms.mailing_form(now.date())),
        "aways": _aways(request, org, unit.id, now),
        "away_form": pick("vaek", {"start": f"{now:%Y-%m-%dT%H:%M}", "until": "", "note": ""}),
        "history": _history(request, org, unit),
    }
    response = render(request, "editor/unit.html", user, active="/enheder", **context)
    response.status_code = status
    return response
