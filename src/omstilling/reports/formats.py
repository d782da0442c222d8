"""The report as CSV (the figure tables in one long table) and XLSX (a sheet per table).

Column names are the JSON keys of spec/call-data.md, so a spreadsheet and a
script read the same names. In XLSX numbers are numbers and rates are
fractions formatted as percentages, so sums and charts work in Excel.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from omstilling.domain.kpi import FIGURE_KEYS
from omstilling.domain.quality import CRITERIA

RATES = {"answer_rate", "service_level", "abandon_rate"}


def _figure_rows(report: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = [["total", "", "I alt", *(report["total"][k] for k in FIGURE_KEYS)]]
    rows += [["unit", u["unit"], u["name"], *(u[k] for k in FIGURE_KEYS)] for u in report["units"]]
    rows += [["week", w["week"], w["week"], *(w[k] for k in FIGURE_KEYS)] for w in report["weeks"]]
    return rows


def to_csv(report: dict[str, Any]) -> str:
    """section,key,name,<the figures>: the total, each unit and each week."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        [
            f"# period {report['period']['from']}..{report['period']['to']}, "
            f"threshold {report['threshold_seconds']} s"
        ]
    )
    w.writerow(["section", "key", "name", *FIGURE_KEYS])
    for row in _figure_rows(report):
        w.writerow([round(v, 6) if isinstance(v, float) else v for v in row])
    return out.getvalue()


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for col, name in enumerate(header, 1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = max(12, len(name) + 2)
        if name in RATES or name.endswith("_rate") or name == "share_unanswered":
            for cell in ws[letter][1:]:
                cell.number_format = "0.0%"
        elif name.endswith("_seconds"):
            for cell in ws[letter][1:]:
                cell.number_format = "0.0"
    ws.freeze_panes = "A2"


def _measurement_rows(measured: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Test calls (R1.7) per unit and in all; empty cells where nothing was scored."""
    figures = ["test_calls", "answered", "answer_rate", "avg_wait_seconds", "served_rate"]
    figures += ["named_rate", "service_offered_rate"]
    header = ["unit", "name", *figures, *(f"{c}_average" for c in CRITERIA)]
    header += ["apologies_due", "apologies_given"]
    rows = [
        [
            u.get("unit", ""),
            u.get("name", "I alt"),
            *(u[f] for f in figures),
            *(u["criteria"][c]["average"] for c in CRITERIA),
            u["apologies_due"],
            u["apologies_given"],
        ]
        for u in [*measured["units"], measured["total"]]
    ]
    return header, rows


def to_xlsx(report: dict[str, Any]) -> bytes:
    wb = Workbook()
    info = wb.active
    assert info is not None
    info.title = "Periode"
    info.append(["from", report["period"]["from"]])
    info.append(["to", report["period"]["to"]])
    info.append(["threshold_seconds", report["threshold_seconds"]])
    info.column_dimensions["A"].width = 20
    figs = list(FIGURE_KEYS)
    _sheet(wb, "I alt", figs, [[report["total"][k] for k in figs]])
    _sheet(
        wb,
        "Enheder",
        ["unit", "name", *figs],
        [[u["unit"], u["name"], *(u[k] for k in figs)] for u in report["units"]],
    )
    _sheet(
        wb, "Uger", ["week", *figs], [[w["week"], *(w[k] for k in figs)] for w in report["weeks"]]
    )
    _sheet(
        wb,
        "Ugedag og time",
        ["weekday", "hour", "offered", "answered"],
        [[c["weekday"], c["hour"], c["offered"], c["answered"]] for c in report["hour_of_week"]],
    )
    _sheet(
        wb,
        "Svære at nå",
        ["unit", "employee", "transfer_attempts", "unanswered", "share_unanswered", "messages"],
        [
            [
                h["unit"],
                h["employee"],
                h["transfer_attempts"],
                h["unanswered"],
                h["unanswered"] / h["transfer_attempts"] if h["transfer_attempts"] else 0.0,
                h["messages"],
            ]
            for h in report["hard_to_reach"]
        ],
    )
    _sheet(
        wb,
        "Direkte numre",
        ["unit", "employee", "calls", "answered", "answer_rate"],
        [
            [d["unit"], d["employee"], d["calls"], d["answered"], d["answer_rate"]]
            for d in report["direct"]
        ],
    )
    _sheet(wb, "Beskeder", list(report["messages"]), [list(report["messages"].values())])
    measured = report.get("service_measurements")
    if measured is not None:
        header, rows = _measurement_rows(measured)
        _sheet(wb, "Testopkald", header, rows)
    _sheet(
        wb,
        "Køer uden enhed",
        ["queue", "offered"],
        [[q["queue"], q["offered"]] for q in report["unmapped_queues"]],
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
