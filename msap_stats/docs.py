"""Documentation of the file formats, generated from the schema (docs/formats.md)."""

from __future__ import annotations

from .schema import KINDS, TYPE_HELP, Column


def column_rows(col: Column) -> dict[str, str]:
    """One column described for people: used by the docs and the templates' help sheet."""
    need = "obligatoire" if col.required else "facultative"
    if col.default is not None:
        need = f"facultative (défaut : {col.default:g})" if isinstance(col.default, (int, float)) else need
    values = "; ".join(f"{c.code} = {c.label}" for c in col.codes)
    other = ", ".join(a for a in col.aliases)
    return {"colonne": col.name, "libellé": col.label, "type": TYPE_HELP[col.type], "présence": need,
            "valeurs admises": values, "autres en-têtes acceptés": other, "aide": col.help}


def formats_markdown() -> str:
    lines = ["# Formats des fichiers importés", "",
             "Document généré depuis `msap_stats/schema.py` par `python -m msap_stats formats` ; ne pas le modifier à la main.",
             "",
             "Règles communes : l'en-tête peut être précédé de 11 lignes de titre ou vides ; la casse, les accents, les "
             "espaces, tirets et la ponctuation des en-têtes sont ignorés (« ID Maison » = `id_maison`) ; d'autres "
             "noms de colonnes et d'autres libellés de valeurs sont proposés par l'assistant d'import (page « Importer "
             "des données », `python -m msap_stats inspect`), qui reconnaît aussi l'activité en mois en colonnes ou en "
             "une feuille par mois ; les colonnes non reconnues sont ignorées avec un avertissement. Les fichiers CSV "
             "peuvent être en UTF-8 (avec ou sans BOM), UTF-16 ou Windows-1252, séparés par `;`, `,` ou tabulation, "
             "avec virgule décimale. Les classeurs .xlsx, .xls et .ods sont lus, et le GeoJSON (points) pour le "
             "registre. Une cellule illisible d'une colonne facultative descriptive est enregistrée comme inconnue, "
             "avec un avertissement ; ailleurs, un fichier dont une ligne est invalide est refusé en entier, avec la "
             "liste de tous les problèmes.", ""]
    for kind in KINDS.values():
        lines += [f"## `{kind.name}` — {kind.label}", "", kind.description, "",
                  f"Clé : {', '.join(f'`{k}`' for k in kind.key)} (une clé déjà chargée par un import antérieur est "
                  "refusée, sauf demande de remplacement).", ""]
        if kind.one_of:
            lines += ["Au moins une des colonnes : " + " ; ".join(", ".join(f"`{c}`" for c in g) for g in kind.one_of), ""]
        lines += ["| colonne | libellé | type | présence | valeurs admises | autres en-têtes |",
                  "|---|---|---|---|---|---|"]
        for col in kind.columns:
            r = column_rows(col)
            cells = [f"`{r['colonne']}`", r["libellé"], r["type"], r["présence"], r["valeurs admises"],
                     r["autres en-têtes acceptés"]]
            lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)
