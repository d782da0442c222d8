"""The JSON API under /api/v1: health, units and employees."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from omstilling.domain.danish import format_phone
from omstilling.domain.organisation import Employee, Number, Organisation, Unit
from omstilling.errors import NotFound
from omstilling.web.api.errors import AUTH, Error, answers
from omstilling.web.auth import require
from omstilling.web.deps import directory

router = APIRouter(prefix="/api/v1")


def snapshot(request: Request) -> Organisation:
    org: Organisation = directory(request).require_organisation()
    return org


def _number(n: Number) -> dict[str, Any]:
    return {"number": n.e164, "display": format_phone(n.e164), "label": n.label}


def unit_summary(org: Organisation, u: Unit) -> dict[str, Any]:
    main = org.main_number(u.id)
    return {
        "id": u.id,
        "name": u.name,
        "kind": u.kind,
        "parent": u.parent,
        "sensitive": org.is_sensitive(u.id),
        "main_number": _number(main) if main else None,
    }


def employee_json(org: Organisation, e: Employee) -> dict[str, Any]:
    withheld = org.is_sensitive(e.unit) or not e.public
    return {
        "id": e.id,
        "name": e.name,
        "title": e.title,
        "role": e.role,
        "unit": e.unit,
        "phone": {"number": e.phone, "display": format_phone(e.phone)} if e.phone else None,
        "extension": e.extension,
        "number_withheld": bool(e.phone) and withheld,
        "email": e.email,
        "tasks": list(e.tasks),
        "main_tasks": e.main_tasks,
    }


@router.get("/health")
def health(request: Request) -> dict[str, Any]:
    """Liveness and database reachability; `ready` says whether the organisation is loaded.

    Never waits for the organisation: a load balancer asks /ready for that."""
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # the answer must say so, not fail
        database = "unavailable"
    published = directory(request).published
    current = published.loaded() if database == "ok" else None
    return {
        "status": "ok" if database == "ok" else "degraded",
        "database": database,
        "ready": published.ready,
        "revision": current.org.revision if current else None,
        "municipality": current.org.municipality.name if current else None,
    }


@router.get(
    "/ready",
    responses={
        503: {"model": Error, "description": "Still loading the organisation and its index"}
    },
)
def ready(request: Request) -> JSONResponse:
    """Readiness: 200 once the organisation and its search index are loaded, 503 until then.

    A new revision is built beside the one in use, so a server once ready stays ready."""
    published = directory(request).published
    if not published.ready:
        return JSONResponse(
            status_code=503,
            content={"ready": False, "detail": "loading the organisation and its search index"},
        )
    current = published.loaded()
    return JSONResponse(
        content={
            "ready": True,
            "revision": current.revision if current else None,
            "loaded_in_seconds": published.first_build_seconds,
            "builds": published.builds,
        }
    )


@router.get("/units", dependencies=[Depends(require("advice:read"))], responses=answers(*AUTH, 503))
def units(request: Request) -> list[dict[str, Any]]:
    """Every unit, in the organisation's order."""
    org = snapshot(request)
    return [unit_summary(org, u) for u in org.units.values()]


@router.get(
    "/units/{unit_id}",
    dependencies=[Depends(require("advice:read"))],
    responses=answers(*AUTH, 404, 422, 503),
)
def unit(unit_id: str, request: Request) -> dict[str, Any]:
    org = snapshot(request)
    u = org.units.get(unit_id)
    if u is None:
        raise NotFound("unit", unit_id)
    return {
        **unit_summary(org, u),
        "description": u.description,
        "address": u.address,
        "path": [p.id for p in org.path(u.id)],
        "children": [c.id for c in org.children(u.id)],
        "numbers": [_number(n) for n in u.numbers],
        "hours": {"opening": org.opening_expression(u.id), "phone": org.phone_expression(u.id)},
        "transfer_only_to": (
            {"employee": u.transfer_only_to.employee, "number": u.transfer_only_to.number}
            if u.transfer_only_to
            else None
        ),
        "secretary": (
            {
                "employee": u.secretary.employee,
                "when": u.secretary.when,
                "roles": list(u.secretary.roles),
            }
            if u.secretary
            else None
        ),
        "owner": u.owner,
        "reviewed": u.reviewed.isoformat() if u.reviewed else None,
        "queues": list(u.queues),
        "tasks": [
            {"id": t.id, "name": t.name, "keywords": list(t.keywords), "kle": t.kle}
            for t in org.tasks_of(u.id)
        ],
        "employees": [employee_json(org, e) for e in org.employees_of(u.id)],
    }


@router.get(
    "/employees/{employee_id}",
    dependencies=[Depends(require("advice:read"))],
    responses=answers(*AUTH, 404, 422, 503),
)
def employee(employee_id: str, request: Request) -> dict[str, Any]:
    org = snapshot(request)
    e = org.employees.get(employee_id)
    if e is None:
        raise NotFound("employee", employee_id)
    return employee_json(org, e)
