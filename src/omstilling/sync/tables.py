"""HR exports as a source: CSV (comma or semicolon; UTF-8, UTF-8 with BOM or Windows-1252,
as Danish Excel writes them) and XLSX (openpyxl, read-only).

Only the mapped columns are kept. Every other cell is looked at once, for the CPR guard
(`domain.citizen.looks_like_cpr`), and dropped: a column that holds CPR numbers is named
in the report as ignored, its values are never kept, stored or logged. Mapping a field
to such a column is an error. Rows that repeat an id are one person with several jobs:
the row marked by `primary`, else the first, with a warning.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from omstilling.domain.citizen import looks_like_cpr
from omstilling.sync.config import SyncConfig, TableSource
from omstilling.sync.entries import Entry, Progress, SourceError, SourceRead, no_progress

TRUE = {"1", "x", "ja", "j", "yes", "y", "true", "sand", "primær", "primaer", "primary"}


def read_table(config: SyncConfig, progress: Progress = no_progress) -> SourceRead:
    """Every person of the CSV or XLSX file the sync file names."""
    src = config.source
    assert isinstance(src, TableSource)
    if not src.path.is_file():
        raise SourceError(f"source.path: no such file {src.path}")
    rows = _csv_rows(src) if src.kind == "csv" else _xlsx_rows(src)
    label = src.path.name
    try:
        header = next(rows)[1]
    except StopIteration:
        raise SourceError(f"{label}: the file is empty") from None
    names = [str(h).strip() if h is not None else "" for h in header]
    index = {n: i for i, n in enumerate(names) if n}
    wanted = dict(config.fields)
    if not config.units.by_ou_path:
        wanted["unit"] = config.units.by
    if src.primary:
        wanted["primary"] = src.primary
    missing = [f"{key}: column '{col}'" for key, col in wanted.items() if col not in index]
    if missing:
        raise SourceError(
            f"{label} has no such column ({'; '.join(missing)}); its columns: "
            + ", ".join(n for n in names if n)
        )
    mapped = {key: index[col] for key, col in wanted.items()}
    mapped_cols = set(mapped.values())
    cpr_cols: set[int] = set()
    result = SourceRead()
    by_id: dict[str, list[tuple[str, dict[str, str], bool]]] = {}
    count = 0
    for where, row in rows:
        cells = [_text(c) for c in row]
        if not any(cells):
            continue
        for i, cell in enumerate(cells):
            if cell and looks_like_cpr(cell):
                if i in mapped_cols:
                    col = names[i] if i < len(names) else f"column {i + 1}"
                    raise SourceError(
                        f"{label} {where}: column '{col}' holds CPR numbers and is mapped to a "
                        "field; CPR numbers are never read: map another column"
                    )
                cpr_cols.add(i)
        values = {key: cells[i] for key, i in mapped.items() if i < len(cells) and cells[i]}
        ident = values.get("external_id")
        if not ident:
            result.warnings.append(f"{label} {where}: no {config.fields['external_id']}; skipped")
            continue
        primary = values.pop("primary", "").casefold() in TRUE
        by_id.setdefault(ident, []).append((where, values, primary))
        count += 1
        if count % 1000 == 0:
            progress(count)
    progress(count)
    for ident, jobs in by_id.items():
        chosen = jobs[0]
        if len(jobs) > 1:
            marked = [j for j in jobs if j[2]] if src.primary else []
            if len(marked) == 1:
                chosen = marked[0]
            else:
                lines = ", ".join(j[0] for j in jobs)
                result.warnings.append(
                    f"{label}: id {ident} stands on {len(jobs)} rows (several jobs: {lines}); "
                    f"used the first, {chosen[0]}"
                    + ("" if not src.primary else f", since no single row is marked {src.primary}")
                )
        where, values, _ = chosen
        unit = values.pop("unit", None)
        result.entries.append(Entry(f"{label} {where}", values, (unit,) if unit else ()))
    result.ignored_columns = [
        names[i] if i < len(names) and names[i] else f"column {i + 1}" for i in sorted(cpr_cols)
    ]
    return result


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "1" if cell else ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()


def _encoding(src: TableSource) -> str:
    """The file's encoding: as the sync file says, or found by streaming it once through a
    UTF-8 decoder (nothing kept): a BOM is UTF-8-sig, valid UTF-8 is UTF-8, else cp1252."""
    if src.encoding != "auto":
        return src.encoding
    with src.path.open("rb") as f:
        if f.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := f.read(1 << 16):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _csv_rows(src: TableSource) -> Iterator[tuple[str, list[Any]]]:
    """The rows one at a time, streamed from the file (never the whole file in memory)."""
    encoding = _encoding(src)
    with src.path.open(encoding=encoding, newline="") as f:
        delimiter = src.delimiter
        if delimiter == "auto":
            first = f.readline()
            delimiter = ";" if first.count(";") > first.count(",") else ","
            f.seek(0)
        reader = csv.reader(f, delimiter=delimiter)
        try:
            for row in reader:
                yield f"line {reader.line_num}", row
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"source.encoding: the file is not {encoding} (line {reader.line_num + 1}, "
                f"byte {exc.start}); try encoding: auto"
            ) from None


def _xlsx_rows(src: TableSource) -> Iterator[tuple[str, list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(src.path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        raise SourceError(
            f"source.path: {src.path.name} is no XLSX workbook ({type(exc).__name__})"
        ) from None
    try:
        if src.sheet is not None and src.sheet not in book.sheetnames:
            raise SourceError(
                f"source.sheet: no sheet '{src.sheet}' in {src.path.name}; its sheets: "
                + ", ".join(book.sheetnames)
            )
        sheet = book[src.sheet] if src.sheet else book.worksheets[0]
        for n, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield f"row {n}", list(row)
    finally:
        book.close()
