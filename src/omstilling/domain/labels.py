"""Every enumeration once: its values, in order, and their Danish labels.

Like NetBox's `ChoiceSet`: one small typed table per enumeration, which the CLI, the
console, the editor, the public pages and the report read, so a value is named the
same everywhere (the console's wording, the one operators see). Month and weekday
names are Danish formatting and live in `omstilling.domain.danish`.

The value types (`Action`, `UnitKind`, ...) stay where their rules are; this module
imports them for the type checker only, so any module may import it without a cycle.
tests/domain/test_labels.py holds each table to its type: a value added to a type
without a label here fails there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

if TYPE_CHECKING:
    from omstilling.domain.advice_types import Action, EntityKind
    from omstilling.domain.callbacks import Outcome, Status
    from omstilling.domain.citizen import Fact
    from omstilling.domain.organisation import DistributionBy, Role, UnitKind

__all__ = [
    "ABSENCE_CODE",
    "ACCOUNT_ROLE",
    "ADVICE_ACTION",
    "CITIZEN_FACT",
    "DISTRIBUTION",
    "ENTITY_KIND",
    "MESSAGE_OUTCOME",
    "MESSAGE_STATUS",
    "ROLE",
    "UNIT_KIND",
    "AbsenceCode",
    "AccountRole",
    "Choices",
]

V = TypeVar("V", bound=str)


class Choices(Generic[V]):
    """The values of one enumeration in order, each with its Danish label."""

    __slots__ = ("_labels", "_values")

    def __init__(self, labels: Mapping[V, str]) -> None:
        self._values: tuple[V, ...] = tuple(labels)
        self._labels: dict[str, str] = {value: label for value, label in labels.items()}

    @property
    def values(self) -> tuple[V, ...]:
        return self._values

    def label(self, value: str) -> str:
        """The Danish label of `value`; KeyError for a value not in the enumeration."""
        try:
            return self._labels[value]
        except KeyError:
            raise KeyError(f"no such value: {value!r}") from None

    def choices(self) -> tuple[tuple[V, str], ...]:
        """(value, label) in order, as a form's options list them."""
        return tuple((v, self._labels[v]) for v in self._values)

    def __contains__(self, value: object) -> bool:
        return value in self._labels

    def __iter__(self) -> Iterator[V]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


# What the operator does with a call (spec/advice.md `action`).
ADVICE_ACTION: Choices[Action] = Choices(
    {
        "transfer": "Stil om",
        "transfer_secretary": "Stil om til sekretæren",
        "take_message": "Tag besked",
        "give_number": "Giv nummeret",
        "handle_here": "Besvar selv",
        "refer": "Henvis",
    }
)

# What a search hit or an advice's candidate is (the console's result list).
ENTITY_KIND: Choices[EntityKind] = Choices(
    {"task": "Emne", "unit": "Enhed", "employee": "Medarbejder"}
)

# The kind of a unit in the organisation (the editor's and the public pages' "Type").
UNIT_KIND: Choices[UnitKind] = Choices(
    {
        "directorate": "Forvaltning",
        "department": "Afdeling",
        "team": "Team",
        "staff": "Stab",
        "institution": "Decentral institution",
    }
)

# An employee's role in the organisation (R2.4: the roles a secretary takes calls for).
ROLE: Choices[Role] = Choices(
    {
        "caseworker": "Sagsbehandler",
        "leader": "Leder",
        "director": "Direktør",
        "secretary": "Sekretær",
        "staff": "Medarbejder",
    }
)

# What a task's case distribution is by (R2.2), as the editor chooses it.
DISTRIBUTION: Choices[DistributionBy] = Choices(
    {
        "birth_day": "Fødselsdag (dag i måneden)",
        "surname": "Efternavnets forbogstav",
        "postcode": "Postnummer",
    }
)

# The citizen fact the console asks for when a distribution needs it.
CITIZEN_FACT: Choices[Fact] = Choices(
    {"birth_day": "Fødselsdag (dag i måneden)", "surname": "Efternavn", "postcode": "Postnummer"}
)

AbsenceCode = Literal[
    "available", "home", "meeting", "lunch", "course", "out", "vacation", "off", "sick", "private"
]
# An employee's absence code (R3.11) as the employee chooses it. Operators and citizens
# see less: `omstilling.domain.presence.shown_as` (R1.5).
ABSENCE_CODE: Choices[AbsenceCode] = Choices(
    {
        "available": "Til stede",
        "home": "Hjemmearbejde",
        "meeting": "Møde",
        "lunch": "Frokost",
        "course": "Kursus",
        "out": "Ude af huset",
        "vacation": "Ferie",
        "off": "Fri",
        "sick": "Syg",
        "private": "Privat",
    }
)

AccountRole = Literal["operator", "employee", "editor", "manager", "admin"]
# A user account's role in this system (not an employee's role in the organisation).
ACCOUNT_ROLE: Choices[AccountRole] = Choices(
    {
        "operator": "Omstilling",
        "employee": "Medarbejder",
        "editor": "Enhedsredaktør",
        "manager": "Ledelse",
        "admin": "Administrator",
    }
)

# A message's status (R3.6) and the outcome of calling the citizen back.
MESSAGE_STATUS: Choices[Status] = Choices(
    {"new": "Ny", "seen": "Set", "called_back": "Ringet op", "closed": "Lukket"}
)
MESSAGE_OUTCOME: Choices[Outcome] = Choices(
    {
        "reached": "Fik fat i borgeren",
        "not_reached": "Ikke truffet, prøv igen",
        "resolved": "Løst",
    }
)
