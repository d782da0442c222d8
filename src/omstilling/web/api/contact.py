"""Numbers on letters (R3.7) over HTTP: what a case system prints as the contact.

The employee's id may travel in the URL; the citizen's facts travel only in the body
of the POST, and no error repeats them (domain.citizen reads them).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from omstilling.domain.citizen import inquiry_from
from omstilling.domain.contact import employee_contact, task_contact
from omstilling.web.api.errors import AUTH, BODY, answers
from omstilling.web.auth import require
from omstilling.web.deps import directory, now

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require("advice:read"))])


class ContactNumberOut(BaseModel):
    e164: str = Field(description="E.164, as +4589152211")
    display: str = Field(description="The Danish way of writing it, as 89 15 22 11")


class ContactOut(BaseModel):
    name: str = Field(description="The employee (or the unit, when no one is named)")
    unit: str = Field(description="The unit's name")
    number: ContactNumberOut | None = Field(
        description="The direct number; the unit's in a sensitive unit or for a person "
        "who is not public (R3.8); null when none is known"
    )
    hours: str = Field(description="The municipality's official hours in Danish (R3.2)")
    text: str = Field(description="A plain-text block for mail merge")
    rules: list[str] = Field(description="The policy ids that decided the answer")
    needs: list[str] = Field(
        description="The citizen's fact the task's case distribution asks for, when not given"
    )


class ContactRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task: str = Field(min_length=1, description="The task the letter is about")
    birth_day: int | str | None = Field(None, description="Day of the month of birth, 1-31")
    surname: str | None = None
    postcode: str | None = None


@router.get("/contact", response_model=ContactOut, responses=answers(*AUTH, 404, 422, 503))
def get_contact(
    request: Request, employee: str = Query(min_length=1, description="The employee's id")
) -> dict[str, object]:
    """The contact block of one employee for a letter (R3.7, R3.8, R3.2)."""
    org = directory(request).require_organisation()
    return employee_contact(org, employee, now(request)).to_json()


@router.post("/contact", response_model=ContactOut, responses=answers(*AUTH, *BODY, 404, 503))
def post_contact(body: ContactRequest, request: Request) -> dict[str, object]:
    """The contact block of a task for a letter, its case distribution applied (R2.2)."""
    org = directory(request).require_organisation()
    # Errors name the field, never the citizen's fact (a CPR number is refused unechoed).
    inquiry = inquiry_from(
        task=body.task, birth_day=body.birth_day, surname=body.surname, postcode=body.postcode
    )
    return task_contact(org, body.task, inquiry, now(request)).to_json()
