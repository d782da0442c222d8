"""HR exports as a source (issue 14 item 1): CSV as Danish Excel writes it and XLSX; the
CPR column detected, named and never kept; several jobs per id."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from openpyxl import Workbook

from omstilling.sync.config import SyncFileError, parse_sync
from omstilling.sync.entries import SourceError
from omstilling.sync.tables import read_table
from tests.sync.helpers import csv_sync, write_csv

CPR = "0101701234"  # shaped like a CPR number (1 January 1970)


def test_csv_in_windows_1252_with_semicolons_and_a_cpr_column(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Danish Excel's CSV: cp1252, semicolons; the CPR column is named as ignored and no
    CPR number is in what the source hands over, its warnings or the log."""
    caplog.set_level(logging.DEBUG)
    path = write_csv(
        tmp_path / "hr.csv",
        [
            [
                "1001",
                "Søren Ærø",
                "Sagsbehandler",
                "89 15 22 31",
                "soren@randers.dk",
                "Jobcenter",
                "010170-1234",
            ],
            ["1002", "Åse Øster", "Rådgiver", "ikke et nummer", "", "Familie", CPR],
        ],
        encoding="cp1252",
    )
    read = read_table(csv_sync(path))
    assert [e.values["name"] for e in read.entries] == ["Søren Ærø", "Åse Øster"]
    assert read.entries[0].unit_keys == ("Jobcenter",)
    assert read.entries[0].where == "hr.csv line 2"
    assert read.ignored_columns == ["CPR"]
    everything = repr(read) + caplog.text
    assert "1234" not in everything and CPR not in everything


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_csv_in_utf8_with_commas(tmp_path: Path, encoding: str) -> None:
    path = write_csv(
        tmp_path / "hr.csv",
        [["7", "Ærlige Åse", "Chef", "", "", "Teknik", ""]],
        encoding=encoding,
        sep=",",
    )
    read = read_table(csv_sync(path))
    assert read.entries[0].values == {"external_id": "7", "name": "Ærlige Åse", "title": "Chef"}
    assert read.ignored_columns == []


def test_several_jobs_the_primary_row_wins_else_the_first_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "hr.csv"
    path.write_text(
        "Medarbejdernr;Navn;Stilling;Telefon;Email;Afdeling;Primær\n"
        "5;Bo Berg;Vikar;;;Familie;\n"
        "5;Bo Berg;Rådgiver;;;Jobcenter;ja\n"
        "6;Ib Ås;Konsulent;;;Familie;\n"
        "6;Ib Ås;Konsulent;;;Teknik;\n",
        encoding="utf-8",
    )
    read = read_table(csv_sync(path, source={"primary": "Primær"}))
    by_id = {e.values["external_id"]: e for e in read.entries}
    assert by_id["5"].unit_keys == ("Jobcenter",) and by_id["5"].values["title"] == "Rådgiver"
    assert by_id["6"].unit_keys == ("Familie",)
    assert read.warnings == [
        "hr.csv: id 6 stands on 2 rows (several jobs: line 4, line 5); used the first, line 4, "
        "since no single row is marked Primær"
    ]


def test_a_field_mapped_to_the_cpr_column_is_an_error_naming_the_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "hr.csv", [["1", "A B", "", "", "", "Familie", CPR]])
    with pytest.raises(SourceError) as caught:
        read_table(csv_sync(path, fields={"login": "CPR"}))
    assert "column 'CPR' holds CPR numbers and is mapped to a field" in str(caught.value)
    assert CPR not in str(caught.value)


def test_a_mapping_that_names_a_missing_column_is_an_error_before_any_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "hr.csv", [["1", "A B", "", "", "", "Familie", ""]])
    with pytest.raises(SourceError) as caught:
        read_table(csv_sync(path, fields={"mobile": "Mobilnr"}))
    assert "mobile: column 'Mobilnr'" in str(caught.value)


def test_xlsx_with_numbers_as_cells_and_a_cpr_column(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["Medarbejdernr", "Navn", "Stilling", "Telefon", "Email", "Afdeling", "Personnummer"]
    )
    sheet.append(
        [1001, "Karen Kold", "Jurist", 89152233, "karen@randers.dk", "Jobcenter", "010170-1234"]
    )
    path = tmp_path / "hr.xlsx"
    book.save(path)
    config = csv_sync(path, source={"kind": "xlsx", "path": str(path)})
    read = read_table(config)
    assert read.entries[0].values["external_id"] == "1001"
    assert read.entries[0].values["phone"] == "89152233"
    assert read.entries[0].where == "hr.xlsx row 2"
    assert read.ignored_columns == ["Personnummer"]


def test_the_sync_file_lists_every_problem_with_its_path() -> None:
    with pytest.raises(SyncFileError) as caught:
        parse_sync(
            {
                "format": "omstilling-sync/2",
                "name": "AD!",
                "source": {
                    "kind": "ldap",
                    "url": "http://x",
                    "base": "dc=x",
                    "bind_dn": "cn=a",
                    "bind_password": "hemmelig",
                },
                "fields": {"name": "cn", "telefon": "tel"},
                "units": {"by": "ou", "maps": {}},
                "left": {"max_share": 2},
            }
        )
    errors = caught.value.errors
    for expected in (
        "format: must be omstilling-sync/1",
        "name: must be a short name",
        "source.bind_password: unknown key",
        "source.url: must be ldap://",
        "source.bind_dn: needs bind_password_env or bind_password_file",
        "fields.telefon: unknown key",
        "fields.external_id: is required",
        "units.maps: unknown key",
        "left.max_share: must be a share",
    ):
        assert any(e.startswith(expected) for e in errors), (expected, errors)
    assert "hemmelig" not in repr(errors)


def test_ou_path_is_refused_for_a_file(tmp_path: Path) -> None:
    with pytest.raises(SyncFileError) as caught:
        csv_sync(tmp_path / "hr.csv", units={"by": "ou-path"})
    assert caught.value.errors == [
        "units.by: ou-path is for LDAP (an entry's DN); name a column of the file"
    ]
