"""Rows written to .xlsx and CSV files: a text cell stays text, never a formula, whatever it came from."""

from __future__ import annotations

import re

import pandas as pd

from .fmt import FORMULA_STARTS, safe_cell

# The control characters no worksheet may hold (XML 1.0; openpyxl refuses them with the same pattern). Written here
# rather than imported: openpyxl costs a page's start 0.15 s, and only a workbook being written needs it.
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV as French Excel reads it: semicolons, decimal commas, UTF-8 with BOM; no cell read as a formula."""
    safe = df.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(safe_cell)
    return safe.to_csv(sep=";", decimal=",", index=False).encode("utf-8-sig")


def append_row(ws, values: list) -> None:
    """Append a row; its text cells are stored as text, and those that look like a formula carry Excel's
    quote prefix (the apostrophe a user would type), so that the spreadsheet never evaluates them. Control
    characters a file carried (which no worksheet may hold) are shown as \ufffd."""
    ws.append([ILLEGAL_CHARACTERS.sub("\ufffd", v) if isinstance(v, str) else v for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(FORMULA_STARTS):
                cell.quotePrefix = True
