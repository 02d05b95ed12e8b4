"""The full list of a refused file's problems as a spreadsheet the coordinator can sort and filter."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from ..errors import ImportRefused
from ..fmt import safe_cell


def problems_xlsx(refused: ImportRefused) -> bytes:
    wb = Workbook()
    summary = wb.active
    summary.title = "Résumé"
    summary.append([safe_cell(f"Fichier refusé : {refused.fichier or ''}")])
    summary.append([f"{refused.total} problème(s) ; rien n'a été enregistré."])
    summary.append([])
    summary.append(["Problème", "Colonne", "Nombre de lignes", "Première ligne"])
    for g in refused.groups():
        first = g.problems[0]
        summary.append([safe_cell(g.raison), safe_cell(g.colonne), g.total, first.ligne])
    if refused.suggestions:
        summary.append([])
        summary.append(["Suggestions de l'assistant"])
        for s in refused.suggestions:
            summary.append([safe_cell(s)])
    detail = wb.create_sheet("Problèmes")
    detail.append(["Feuille", "Ligne", "Colonne", "Valeur", "Problème"])
    for p in refused.problems:
        detail.append([safe_cell(p.feuille), p.ligne, safe_cell(p.colonne), safe_cell(p.valeur), safe_cell(p.raison)])
    for ws in (summary, detail):
        for cell in ws[4 if ws is summary else 1]:
            cell.font = Font(bold=True)
    detail.freeze_panes = "A2"
    detail.auto_filter.ref = detail.dimensions
    for col, width in zip("ABCDE", (16, 8, 28, 40, 80)):
        detail.column_dimensions[col].width = width
    summary.column_dimensions["A"].width = 90
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
