"""`omstilling report --publish DIR`: a static site for the intranet (R3.13).

One page per quarter that has calls (with the same report as JSON, CSV and
XLSX beside it) and an index with each quarter's headline figures, newest
first. Plain files: copy the folder to any web server or file share.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from html import escape
from pathlib import Path

from sqlalchemy import Engine, func, select

from omstilling.calls.models import CallStatsHourly
from omstilling.domain.kpi import (
    DEFAULT_THRESHOLD,
    EARLIEST_CALL,
    LATEST_CALL,
    Targets,
    quarter_bounds,
    quarter_of,
)
from omstilling.reports.build import Period, build_report, spec_json
from omstilling.reports.danish import num, pct, period, seconds
from omstilling.reports.formats import to_csv, to_xlsx
from omstilling.reports.html import CSS, render_report
from omstilling.store.organisation import load_organisation


def quarters_with_calls(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        lo, hi = conn.execute(
            # Only the years calls are accepted from: a row stored before that rule (a year
            # 999 or 9999) must not break the page or make it a list of thousands.
            select(func.min(CallStatsHourly.day), func.max(CallStatsHourly.day)).where(
                CallStatsHourly.day >= EARLIEST_CALL.date(),
                CallStatsHourly.day < LATEST_CALL.date(),
            )
        ).one()
    if lo is None:
        return []
    lo, hi = (d if isinstance(d, date) else date.fromisoformat(str(d)) for d in (lo, hi))
    quarters, q = [], quarter_of(lo)
    while True:
        quarters.append(q)
        if q == quarter_of(hi):
            return quarters
        year, n = int(q[:4]), int(q[-1])
        q = f"{year + 1}Q1" if n == 4 else f"{year}Q{n + 1}"


def publish_site(
    engine: Engine,
    directory: Path,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    targets: Targets | None = None,
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    with engine.connect() as conn:
        org = load_organisation(conn)
    name = org.municipality.name if org else "Kommunen"
    targets = replace(targets or Targets(), threshold_seconds=threshold)
    pages: list[Path] = []
    rows = []
    for q in reversed(quarters_with_calls(engine)):
        start, end = quarter_bounds(q)
        report = build_report(
            engine, Period(start, end), threshold, organisation=org, measurements=True
        )
        label = f"{q[-1]}. kvartal {q[:4]}"
        nav = (
            '<p class="noprint"><a href="index.html">Alle kvartaler</a> · Hent som '
            f'<a href="{q}.xlsx">Excel</a>, <a href="{q}.csv">CSV</a>, '
            f'<a href="{q}.json">JSON</a></p>\n'
        )
        page = directory / f"{q}.html"
        page.write_text(
            render_report(
                report, org=org, targets=targets, title=f"Telefonstatistik {label}", nav=nav
            ),
            encoding="utf-8",
        )
        (directory / f"{q}.json").write_text(
            json.dumps(spec_json(report), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        (directory / f"{q}.csv").write_text(to_csv(report), encoding="utf-8")
        (directory / f"{q}.xlsx").write_bytes(to_xlsx(report))
        pages.append(page)
        t = report["total"]
        rows.append(
            f'<tr><td><a href="{q}.html">{escape(label)}</a><br><span class="note">'
            f'{escape(period(start, end))}</span></td><td class="n">{num(t["offered"])}</td>'
            f'<td class="n">{pct(t["answer_rate"])}</td>'
            f'<td class="n">{pct(t["service_level"])}</td>'
            f'<td class="n">{seconds(t["asa_seconds"])}</td>'
            f'<td class="n">{pct(t["abandon_rate"])}</td></tr>'
        )
    index = (
        '<!doctype html>\n<html lang="da">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Telefonstatistik · {escape(name)}</title>\n<style>{CSS}</style>\n</head>\n"
        f'<body class="report"><section class="report"><h1>Telefonstatistik</h1>'
        f'<p class="sub">{escape(name)} · kvartalsvis statistik over telefonbetjeningen</p>'
        '<table><thead><tr><th>Kvartal</th><th class="n">Opkald</th><th class="n">Besvaret</th>'
        f'<th class="n">Inden {threshold} sek.</th><th class="n">Gns. ventetid</th>'
        '<th class="n">Lagt på</th></tr></thead><tbody>'
        + ("".join(rows) or '<tr><td colspan="6">Endnu ingen opkald.</td></tr>')
        + "</tbody></table></section></body>\n</html>\n"
    )
    (directory / "index.html").write_text(index, encoding="utf-8")
    return pages
