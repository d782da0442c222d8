"""The report as CSV, XLSX, HTML and a published site (R3.13), and the CLI around it."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from omstilling import orgfile
from omstilling.calls.queue_log import import_files
from omstilling.reports.build import Period, build_report
from omstilling.reports.formats import to_csv, to_xlsx
from omstilling.reports.html import render_report
from omstilling.reports.publish import publish_site
from omstilling.store.organisation import import_organisation, load_organisation
from tests.calls.conftest import DATA, HANDCOUNT
from tests.conftest import MINI, mini_text

DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="t")
    import_files(engine, [HANDCOUNT])
    return engine


def test_r3_13_csv_has_the_total_units_and_weeks(loaded: Engine) -> None:
    rows = list(csv.reader(io.StringIO(to_csv(build_report(loaded, DECEMBER)))))
    header = rows[1]
    assert header[:4] == ["section", "key", "name", "offered"]
    total = dict(zip(header, rows[2], strict=True))
    assert total["section"] == "total" and total["offered"] == "16"
    assert float(total["service_level"]) == pytest.approx(7 / 16)
    assert [r[1] for r in rows if r[0] == "unit"] == ["borgerservice", "jobcenter", "familie"]
    assert len([r for r in rows if r[0] == "week"]) == 5


def test_r3_13_xlsx_has_a_sheet_per_table_with_numbers_as_numbers(loaded: Engine) -> None:
    wb = load_workbook(io.BytesIO(to_xlsx(build_report(loaded, DECEMBER))))
    assert wb.sheetnames == [
        "Periode",
        "I alt",
        "Enheder",
        "Uger",
        "Ugedag og time",
        "Svære at nå",
        "Direkte numre",
        "Beskeder",
        "Køer uden enhed",
    ]
    units = wb["Enheder"]
    header = [c.value for c in units[1]]
    borgerservice = dict(zip(header, [c.value for c in units[2]], strict=True))
    assert borgerservice["offered"] == 9 and isinstance(borgerservice["offered"], int)
    assert borgerservice["service_level"] == pytest.approx(6 / 9)
    assert units.cell(2, header.index("service_level") + 1).number_format == "0.0%"
    assert wb["Svære at nå"].cell(2, 3).value == 1


def test_r3_13_html_is_a_self_contained_danish_page(loaded: Engine) -> None:
    with loaded.connect() as conn:
        org = load_organisation(conn)
    html = render_report(build_report(loaded, DECEMBER), org=org, title="Telefonstatistik")
    assert html.startswith("<!doctype html>") and '<html lang="da">' in html
    assert "http" not in html.replace("http://www.w3.org/2000/svg", "")  # nothing external
    assert html.count("<svg") >= 3 and "Opkald og servicegrad pr. uge" in html
    assert "1. december 2026 – 31. december 2026" in html
    assert "43,8 %" in html  # the service level 7/16, written the Danish way
    assert "Jens" in html  # hard to reach, by name (R3.12)
    assert "ikke nået" in html  # against the targets
    assert "@media print" in html


def test_r3_13_an_empty_report_renders(engine: Engine) -> None:
    html = render_report(build_report(engine, DECEMBER))
    assert "Der er ingen opkald i perioden." in html


def test_r3_13_publish_writes_a_page_per_quarter_and_an_index(
    loaded: Engine, tmp_path: Path
) -> None:
    pages = publish_site(loaded, tmp_path / "site")
    # c15 entered 30 November: still the 4th quarter, the only one with calls.
    assert [p.name for p in pages] == ["2026Q4.html"]
    names = sorted(p.name for p in (tmp_path / "site").iterdir())
    assert names == ["2026Q4.csv", "2026Q4.html", "2026Q4.json", "2026Q4.xlsx", "index.html"]
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="2026Q4.html"' in index and "4. kvartal 2026" in index
    assert json.loads((tmp_path / "site" / "2026Q4.json").read_text())["total"]["offered"] == 17


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "omstilling", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_r3_13_cli_imports_and_reports(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    if not MINI.exists():
        pytest.skip("acceptance fixture absent")
    assert run("import", str(MINI), "--db", db, cwd=tmp_path).returncode == 0
    r = run("calls", "import-queue-log", str(HANDCOUNT), "--db", db, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "read 52 line(s)" in r.stdout and "17 call(s) added" in r.stdout
    assert (
        "1 duplicate(s)" in r.stdout
        and "3 malformed line(s) skipped (lines 24, 28, 29)" in r.stdout
    )
    assert f"{HANDCOUNT}:28: skipped: holdtime is not a number" in r.stderr
    assert "map to no unit" in r.stdout and "test" in r.stdout
    r = run("calls", "import-cdr", str(DATA / "master.csv"), "--db", db, cwd=tmp_path)
    assert r.returncode == 0 and "4 direct call(s) added" in r.stdout, r.stdout + r.stderr
    assert ":6: skipped: 7 columns" in r.stderr
    r = run("report", "--from", "2026-12-01", "--to", "2026-12-31", "--db", db, cwd=tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout)["total"]["offered"] == 16
    for fmt in ("csv", "xlsx", "html"):
        out = tmp_path / f"r.{fmt}"
        r = run(
            "report",
            "--quarter",
            "2026Q4",
            "--format",
            fmt,
            "-o",
            str(out),
            "--db",
            db,
            cwd=tmp_path,
        )
        assert r.returncode == 0 and out.stat().st_size > 100, r.stderr
    r = run("report", "--publish", str(tmp_path / "site"), "--db", db, cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "site" / "index.html").exists()
    r = run("calls", "rebuild", "--db", db, cwd=tmp_path)
    assert r.returncode == 0 and "17 call record(s)" in r.stdout
    assert run("report", "--quarter", "2026Q9", "--db", db, cwd=tmp_path).returncode == 2
    assert run("report", "--db", db, cwd=tmp_path).returncode == 2
