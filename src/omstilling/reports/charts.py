"""Small hand-written SVG charts: the same markup on the page, in print and offline.

Hand-written rather than matplotlib: three chart shapes do not earn a 40 MB
dependency, and inline SVG with text labels stays sharp when printed and is
readable by screen readers (each chart has a <title> and a <desc>).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from omstilling.domain.danish import WEEKDAY_SHORT
from omstilling.reports.danish import pct

INK, MUTED, LINE = "#1b1f24", "#4d5661", "#d4d9e0"
OFFERED, ANSWERED, LEVEL, TARGET = "#9db8d9", "#0b5cad", "#136c2e", "#a1161b"


def _text(
    x: float, y: float, s: str, anchor: str = "middle", size: int = 11, fill: str = MUTED
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}">{escape(s)}</text>'
    )


def volume_and_service(weeks: Sequence[dict[str, Any]], target: float) -> str:
    """Bars: calls offered and answered per week; line: service level per week."""
    w, h, left, right, top, bottom = 760, 260, 48, 48, 16, 40
    n = max(len(weeks), 1)
    peak = float(max([int(wk["offered"]) for wk in weeks] + [1]))
    step = (w - left - right) / n
    bar = step * 0.36
    plot_h = h - top - bottom

    def y_count(v: float) -> float:
        return top + plot_h - plot_h * v / peak

    def y_rate(v: float) -> float:
        return top + plot_h - plot_h * v

    parts = [
        f'<svg class="chart" viewBox="0 0 {w} {h}" role="img" xmlns="http://www.w3.org/2000/svg" '
        'aria-labelledby="vt vd">',
        '<title id="vt">Opkald og servicegrad pr. uge</title>',
        '<desc id="vd">Søjler: tilbudte og besvarede opkald pr. uge. Linje: andel besvaret '
        "inden for tærsklen. Stiplet linje: målet.</desc>",
    ]
    for frac in (0, 0.5, 1):
        y = y_count(peak * frac)
        parts.append(
            f'<line x1="{left}" x2="{w - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{LINE}"/>'
        )
        parts.append(_text(left - 6, y + 4, f"{round(peak * frac):,}".replace(",", "."), "end"))
        parts.append(_text(w - right + 6, y_rate(frac) + 4, pct(frac, 0), "start"))
    ty = y_rate(target)
    parts.append(
        f'<line x1="{left}" x2="{w - right}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="{TARGET}" '
        'stroke-dasharray="5 4"/>'
    )
    points = []
    for i, wk in enumerate(weeks):
        x0 = left + i * step + step * 0.12
        for j, (key, colour) in enumerate((("offered", OFFERED), ("answered", ANSWERED))):
            v = wk[key]
            y = y_count(v)
            parts.append(
                f'<rect x="{x0 + j * bar:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{top + plot_h - y:.1f}" fill="{colour}"><title>{escape(wk["week"])}: '
                f"{v} {'tilbudt' if key == 'offered' else 'besvaret'}</title></rect>"
            )
        cx = left + i * step + step / 2
        if wk["offered"]:
            points.append(f"{cx:.1f},{y_rate(wk['service_level']):.1f}")
        label = wk["week"].split("-W")[-1]
        if n <= 20 or i % 2 == 0:
            parts.append(_text(cx, h - bottom + 16, f"uge {int(label)}"))
    if points:
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" '
            f'stroke="{LEVEL}" stroke-width="2.5"/>'
        )
        for point in points:
            px, py = point.split(",")
            parts.append(f'<circle cx="{px}" cy="{py}" r="3" fill="{LEVEL}"/>')
    ly = h - 8
    legend = (
        (OFFERED, "Tilbudt"),
        (ANSWERED, "Besvaret"),
        (LEVEL, "Servicegrad"),
        (TARGET, f"Mål {pct(target, 0)}"),
    )
    for k, (colour, name) in enumerate(legend):
        lx = left + k * 140
        parts.append(f'<rect x="{lx}" y="{ly - 9}" width="12" height="10" fill="{colour}"/>')
        parts.append(_text(lx + 16, ly, name, "start", 11, INK))
    parts.append("</svg>")
    return "".join(parts)


def heat_map(cells: Sequence[dict[str, Any]]) -> str:
    """Calls offered by weekday (rows) and hour (columns); only hours with calls, at least 7-17."""
    by = {(c["weekday"], c["hour"]): c["offered"] for c in cells}
    used = [hr for hr in range(24) if any(by.get((wd, hr), 0) for wd in range(1, 8))]
    lo, hi = min([7, *used]), max([17, *used])
    hours = list(range(lo, hi + 1))
    peak = max([*by.values(), 1])
    cw, ch, left, top = 40, 26, 44, 22
    w, h = left + cw * len(hours) + 8, top + ch * 7 + 8
    parts = [
        f'<svg class="chart heat" viewBox="0 0 {w} {h}" role="img" '
        'xmlns="http://www.w3.org/2000/svg" '
        'aria-labelledby="ht hd">',
        '<title id="ht">Opkald fordelt på ugedag og time</title>',
        '<desc id="hd">Jo mørkere felt, jo flere opkald i den time på den ugedag.</desc>',
    ]
    for i, hr in enumerate(hours):
        parts.append(_text(left + i * cw + cw / 2, top - 7, f"{hr:02d}"))
    for wd in range(1, 8):
        y = top + (wd - 1) * ch
        parts.append(_text(left - 6, y + ch / 2 + 4, WEEKDAY_SHORT[wd - 1], "end"))
        for i, hr in enumerate(hours):
            v = by.get((wd, hr), 0)
            share = v / peak
            # Light blue to dark blue; empty cells stay white so quiet hours read as quiet.
            r, g, b = (int(255 - (255 - c) * share) for c in (11, 92, 173))
            fill = f"rgb({r},{g},{b})" if v else "#ffffff"
            parts.append(
                f'<rect x="{left + i * cw}" y="{y}" width="{cw - 2}" height="{ch - 2}" '
                f'fill="{fill}" stroke="{LINE}"><title>{WEEKDAY_SHORT[wd - 1]} kl. {hr:02d}: '
                f"{v} opkald</title></rect>"
            )
            if v and cw >= 36:
                colour = "#ffffff" if share > 0.55 else INK
                parts.append(
                    _text(left + i * cw + cw / 2 - 1, y + ch / 2 + 3, str(v), "middle", 9, colour)
                )
    parts.append("</svg>")
    return "".join(parts)


def bar_row(share: float, colour: str = ANSWERED, width: int = 120) -> str:
    """A small inline bar for a table cell (share 0..1)."""
    share = max(0.0, min(1.0, share))
    return (
        f'<svg class="minibar" width="{width}" height="10" viewBox="0 0 {width} 10" '
        'aria-hidden="true" '
        f'xmlns="http://www.w3.org/2000/svg"><rect width="{width}" height="10" fill="#eef1f5"/>'
        f'<rect width="{width * share:.1f}" height="10" fill="{colour}"/></svg>'
    )
