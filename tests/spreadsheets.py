"""Writing real spreadsheets the way users' tools write them, for the tests."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from openpyxl import Workbook


def write_xlsx(path: Path, header: list[str], rows: list[list], title_rows: list[list] = (), sheet: str = "Données",
               extra_sheets: dict[str, list[list]] | None = None) -> Path:
    """An .xlsx written by openpyxl: real dates and numbers stay typed cells."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r in title_rows:
        ws.append(list(r))
    ws.append(header)
    for r in rows:
        ws.append(list(r))
    for name, content in (extra_sheets or {}).items():
        other = wb.create_sheet(name, 0)
        for r in content:
            other.append(list(r))
    wb.save(path)
    return path


def _french_cell(value) -> str:
    """A cell as French Excel writes it in a CSV: dd/mm/yyyy dates, decimal commas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def write_csv_fr(path: Path, header: list[str], rows: list[list], title_rows: list[list] = (),
                 encoding: str = "cp1252", sep: str = ";", errors: str = "strict") -> Path:
    """A CSV "séparateur point-virgule" as French Excel saves it (Windows-1252, CRLF)."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    width = len(header)
    for r in title_rows:
        w.writerow([_french_cell(c) for c in r] + [""] * (width - len(r)))
    w.writerow(header)
    for r in rows:
        w.writerow([_french_cell(c) for c in r])
    path.write_bytes(out.getvalue().encode(encoding, errors=errors))
    return path


def write_xls(path: Path, header: list[str], rows: list[list], title_rows: list[list] = ()) -> Path:
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("Feuil1")
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    all_rows = [*title_rows, header, *rows]
    for i, r in enumerate(all_rows):
        for j, v in enumerate(r):
            if isinstance(v, (dt.date, dt.datetime)):
                ws.write(i, j, v, date_style)
            elif v is not None:
                ws.write(i, j, v)
    wb.save(str(path))
    return path


def write_ods(path: Path, header: list[str], rows: list[list], title_rows: list[list] = ()) -> Path:
    import pandas as pd

    width = len(header)
    all_rows = [list(r) + [None] * (width - len(r)) for r in (*title_rows, header, *rows)]
    pd.DataFrame(all_rows).to_excel(path, engine="odf", header=False, index=False)
    return path
