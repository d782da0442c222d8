"""What the advice shows and says besides the decision: numbers to give, the notices
(R2.7 mailings, R3.9 unit away) and moments in Danish. Shared by both phases."""

from __future__ import annotations

from datetime import datetime

from omstilling.domain import danish
from omstilling.domain.advice_types import Notice, To, ToKind
from omstilling.domain.organisation import Organisation, Task
from omstilling.domain.presence import UnitAway

__all__ = ["NOT_STAFFED", "STAFFED", "add_rules", "moment_text", "notices", "number_to", "unit_to"]

STAFFED = " Afdelingen er bemandet til at svare."
NOT_STAFFED = " Afdelingen er ikke bemandet til at svare."


def add_rules(rules: list[str], *ids: str) -> None:
    """Cite each rule once, in the order the decision first relied on it."""
    rules.extend(rid for rid in ids if rid not in rules)


def moment_text(moment: datetime, at: datetime) -> str:
    return danish.format_moment(moment.astimezone(at.tzinfo), at)


def number_to(kind: ToKind, id: str | None, e164: str | None, ext: str | None = None) -> To:
    return To(kind, id, e164, danish.format_phone(e164) if e164 else None, ext)


def unit_to(org: Organisation, unit_id: str) -> To:
    main = org.main_number(unit_id)
    return number_to("unit", unit_id, main.e164 if main is not None else None)


def notices(
    org: Organisation, task: Task | None, unit_id: str | None, away: UnitAway | None, at: datetime
) -> tuple[Notice, ...]:
    """R2.7: active mailings about the task asked or from the target's unit; R3.9: the
    unit-wide absence of the target's unit. A referral has no unit of ours as its
    target (`unit_id` None): only a mailing about its task concerns it."""
    found: list[Notice] = []
    for m in org.active_mailings(at.date()):
        if (task is not None and task.id in m.tasks) or (unit_id and m.unit == unit_id):
            text = m.answer or (
                f"Udsendt {danish.format_date(m.sent)}; opkald ventes til og med "
                f"{danish.format_date(m.calls_expected_until)}."
            )
            # R2.7: whether the unit confirmed it is staffed to answer the calls.
            text += STAFFED if m.staffed else NOT_STAFFED
            found.append(Notice("mailing", m.id, m.title, text))
    if away is not None:
        text = f"Fra {moment_text(away.start, at)} til {moment_text(away.end, at)}."
        text = f"{text} {away.note}" if away.note else text
        title = f"{org.units[away.unit].name} er ikke til stede"
        found.append(Notice("unit_away", away.unit, title, text))
    return tuple(found)
