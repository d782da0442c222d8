"""Who owns a number the PBX names: a transfer's target, a CDR's dialled number.

The PBX writes targets in many shapes ("2001", "SIP/2001-0000001a",
"PJSIP/2001@internal", "89151234", "+4589151234", "004589151234"); an
employee is found by `extension` or `phone`, a unit by one of its `numbers`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from omstilling.domain.organisation import Organisation

_TECH = re.compile(r"^(?:SIP|PJSIP|IAX2|DAHDI|Local|LOCAL|local)/")
_CHANNEL_SUFFIX = re.compile(r"-[0-9a-fA-F]{6,}$")


def normalise(target: str) -> tuple[str, str | None]:
    """(the bare extension or digits, the E.164 form when it looks like a Danish number)."""
    t = _TECH.sub("", target.strip())
    t = t.split("@", 1)[0]
    t = _CHANNEL_SUFFIX.sub("", t)
    t = t.split(";", 1)[0]
    plus = t.startswith("+")
    digits = re.sub(r"\D", "", t)
    if plus:
        return digits, "+" + digits
    if digits.startswith("00") and len(digits) > 4:
        return digits, "+" + digits[2:]
    if len(digits) == 8:
        return digits, "+45" + digits
    if len(digits) == 10 and digits.startswith("45"):
        return digits, "+" + digits
    return digits, None


@dataclass(frozen=True)
class Owner:
    unit: str
    employee: str | None = None


class NumberIndex:
    """Extensions and numbers of the organisation, for looking up targets."""

    def __init__(self, org: Organisation | None) -> None:
        self.extensions: dict[str, Owner] = {}
        self.numbers: dict[str, Owner] = {}
        self._cache: dict[str, Owner | None] = {}
        if org is None:
            return
        for u in org.units.values():
            for n in u.numbers:
                self.numbers.setdefault(n.e164, Owner(u.id))
        # Employees after units: a person's direct number is more specific.
        for e in org.employees.values():
            if e.extension:
                self.extensions[e.extension] = Owner(e.unit, e.id)
            if e.phone:
                self.numbers[e.phone] = Owner(e.unit, e.id)

    def owner(self, target: str) -> Owner | None:
        if target in self._cache:
            return self._cache[target]
        digits, e164 = normalise(target)
        found = self.extensions.get(digits)
        if found is None and e164 is not None:
            found = self.numbers.get(e164)
        self._cache[target] = found
        return found
