"""The tables behind the charts, as one workbook: a sheet per chart, numbers stored as numbers."""

from __future__ import annotations

import re
from io import BytesIO

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..charts.figures import Chart
from ..sheets import append_row

INTEGER, ONE_DECIMAL, TWO_DECIMALS = "#,##0", "#,##0.0", "#,##0.00"
FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, taken: set[str]) -> str:
    """Excel's rules: 31 characters at most, none of []:*?/\\, unique in the workbook."""
    base = FORBIDDEN.sub(" ", name).strip()[:31] or "Feuille"
    candidate, i = base, 2
    while candidate.lower() in taken:
        candidate = f"{base[:28]} {i}"
        i += 1
    taken.add(candidate.lower())
    return candidate


def _number_format(values: pd.Series) -> str | None:
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values) or numbers.empty:
        return None
    if (numbers % 1 == 0).all():
        return INTEGER
    return ONE_DECIMAL if ((numbers * 10) % 1 == 0).all() else TWO_DECIMALS


def _cell(value, integer: bool):
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return int(value) if integer and isinstance(value, float) else value


def workbook(charts: list[tuple[str, Chart]], context: list[str]) -> bytes:
    """One sheet per (name, chart): its title, the context lines (périmètre, période…), its base and source,
    then the table it plots with French headers."""
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    if not charts:  # a note of texts and key figures only: its context, on one sheet
        ws = wb.create_sheet("Note")
        for line in [*context, "Aucun graphique dans cette note."]:
            append_row(ws, [line])
    for name, chart in charts:
        ws = wb.create_sheet(sheet_name(name, taken))
        append_row(ws, [chart.titre])
        ws["A1"].font = Font(bold=True, size=12)
        for line in [*context, f"Base : {chart.base}", f"Source : {chart.source}"]:
            append_row(ws, [line])
        append_row(ws, [])
        data = chart.donnees.reset_index(drop=True)
        append_row(ws, [str(c) for c in data.columns])
        header = ws.max_row
        for cell in ws[header]:
            cell.font = Font(bold=True)
        formats = {c: _number_format(data[c]) for c in data.columns}
        for row in data.itertuples(index=False):
            append_row(ws, [_cell(v, formats[c] == INTEGER) for c, v in zip(data.columns, row)])
        for j, column in enumerate(data.columns, start=1):
            letter = get_column_letter(j)
            if formats[column]:
                for (cell,) in ws.iter_rows(min_row=header + 1, min_col=j, max_col=j):
                    cell.number_format = formats[column]
            longest = max([len(str(column))] + [len(str(v)) for v in data[column].head(200)])
            ws.column_dimensions[letter].width = min(max(10, longest + 2), 60)
        ws.freeze_panes = ws.cell(header + 1, 1)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
