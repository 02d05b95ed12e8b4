"""Rows written to .xlsx files: a text cell stays text, never a formula, whatever it came from."""

from __future__ import annotations

from .fmt import FORMULA_STARTS


def append_row(ws, values: list) -> None:
    """Append a row; its text cells are stored as text, and those that look like a formula carry Excel's
    quote prefix (the apostrophe a user would type), so that the spreadsheet never evaluates them."""
    ws.append(values)
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(FORMULA_STARTS):
                cell.quotePrefix = True
