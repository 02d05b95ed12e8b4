"""The full list of a refused file's problems as a spreadsheet the coordinator can sort and filter."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from ..errors import ImportRefused
from ..sheets import append_row as _append


def problems_xlsx(refused: ImportRefused) -> bytes:
    wb = Workbook()
    summary = wb.active
    summary.title = "Résumé"
    _append(summary, [f"Fichier refusé : {refused.fichier or ''}"])
    _append(summary, [f"{refused.total} problème(s) ; rien n'a été enregistré."])
    _append(summary, [])
    _append(summary, ["Problème", "Colonne", "Nombre de lignes", "Première ligne"])
    for g in refused.groups():
        first = g.problems[0]
        _append(summary, [g.raison, g.colonne, g.total, first.ligne])
    if refused.suggestions:
        _append(summary, [])
        _append(summary, ["Suggestions de l'assistant"])
        for s in refused.suggestions:
            _append(summary, [s])
    detail = wb.create_sheet("Problèmes")
    sheets = any(p.feuille for p in refused.problems)
    _append(detail, ["Feuille"] * sheets + ["Ligne", "Colonne", "Valeur", "Problème"])
    for p in refused.problems:
        _append(detail, [p.feuille] * sheets + [p.ligne, p.colonne, p.valeur, p.raison])
    for ws in (summary, detail):
        for cell in ws[4 if ws is summary else 1]:
            cell.font = Font(bold=True)
    detail.freeze_panes = "A2"
    detail.auto_filter.ref = detail.dimensions
    for col, width in zip("ABCDE", ((16,) * sheets + (8, 28, 40, 80))):
        detail.column_dimensions[col].width = width
    summary.column_dimensions["A"].width = 90
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
