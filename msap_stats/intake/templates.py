"""XLSX templates for each kind of file, generated from the schema."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..docs import column_rows
from ..schema import KINDS

HEADER_FILL = PatternFill("solid", fgColor="000091")
REQUIRED_FONT = Font(bold=True, color="FFFFFF")
OPTIONAL_FONT = Font(color="FFFFFF")


def template_bytes(kind_name: str) -> bytes:
    kind = KINDS[kind_name]
    wb = Workbook()
    ws = wb.active
    ws.title = kind.label[:31]
    lists = wb.create_sheet("Listes")
    for i, col in enumerate(kind.columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.name)
        cell.fill = HEADER_FILL
        cell.font = REQUIRED_FONT if col.required else OPTIONAL_FONT
        ws.column_dimensions[get_column_letter(i)].width = max(14, len(col.name) + 4)
        if col.type == "code":
            # Drop-down of the labels, kept on a sheet of their own (no length limit there).
            for r, code in enumerate(col.codes, start=1):
                lists.cell(row=r, column=i, value=code.label)
            ref = f"Listes!${get_column_letter(i)}$1:${get_column_letter(i)}${len(col.codes)}"
            dv = DataValidation(type="list", formula1=ref, allow_blank=not col.not_null,
                                error="Choisissez une valeur de la liste.", errorTitle="Valeur inconnue")
            ws.add_data_validation(dv)
            dv.add(f"{get_column_letter(i)}2:{get_column_letter(i)}100000")
    ws.freeze_panes = "A2"
    lists.sheet_state = "hidden"
    help_ws = wb.create_sheet("Aide", 0)
    help_ws.append([f"Modèle : {kind.label}", kind.description])
    help_ws.append(["Les colonnes en gras sont obligatoires. Remplissez la feuille suivante à partir de la ligne 2."])
    help_ws.append([])
    header = list(column_rows(kind.columns[0]))
    help_ws.append(header)
    for cell in help_ws[4]:
        cell.font = Font(bold=True)
    for col in kind.columns:
        help_ws.append(list(column_rows(col).values()))
    for i, width in enumerate((24, 34, 34, 22, 60, 30, 50), start=1):
        help_ws.column_dimensions[get_column_letter(i)].width = width
    wb.active = 1
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
