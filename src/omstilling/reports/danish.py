"""Numbers, percentages and periods written the Danish way, for the report's text."""

from __future__ import annotations

from datetime import date

from omstilling.domain.danish import MONTH_NAMES


def num(value: float, decimals: int = 0) -> str:
    """12345.6 -> '12.345,6' (Danish: dot for thousands, comma for decimals)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def pct(share: float, decimals: int = 1) -> str:
    return f"{num(share * 100, decimals)} %"


def seconds(value: float) -> str:
    """Seconds as '42 sek.' or '3 min. 05 sek.'."""
    s = round(value)
    if s < 60:
        return f"{s} sek."
    return f"{s // 60} min. {s % 60:02d} sek."


def day(d: date) -> str:
    return f"{d.day}. {MONTH_NAMES[d.month - 1]} {d.year}"


def period(start: date, end: date) -> str:
    return f"{day(start)} – {day(end)}"
