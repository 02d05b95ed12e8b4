"""The checked file against the store: the same content already imported, keys already held by earlier imports."""

from __future__ import annotations

from datetime import datetime

from ..errors import Problem
from ..fmt import nombre
from ..schema import Kind
from ..store import STATUT_CHARGE, q
from .validate import Staged


def when(ts) -> str:
    return ts.strftime("le %d/%m/%Y à %H:%M") if isinstance(ts, datetime) else str(ts)


def active_import(con, kind: Kind, column: str, value: str) -> dict | None:
    cur = con.execute(f"SELECT import_id, fichier, date_import, auteur FROM imports WHERE kind = ? AND statut = ? "
                      f"AND {column} = ? ORDER BY import_id LIMIT 1", [kind.name, STATUT_CHARGE, value])
    rows = cur.fetchall()
    return dict(zip(("import_id", "fichier", "date_import", "auteur"), rows[0])) if rows else None


def key_conflicts(con, staged: Staged) -> list[dict]:
    """The keys of the file an earlier import holds. None for a registry: a list of Maisons is a version of the
    network, which holds the same sites as the others (``versions``)."""
    kind = staged.kind
    if kind.name == "maisons":
        return []
    keys = ", ".join(q(k) for k in kind.key)
    first = q(kind.key[0])
    rows = con.execute(
        f"SELECT e.import_id, i.fichier, i.date_import, count(*) AS n, "
        f"list(DISTINCT CAST({first} AS VARCHAR) ORDER BY CAST({first} AS VARCHAR))[1:3] AS exemples, "
        f"count(DISTINCT {first}) AS distincts, "
        f"min(CAST({q(kind.key[-1])} AS VARCHAR)), max(CAST({q(kind.key[-1])} AS VARCHAR)) "
        f"FROM (SELECT DISTINCT import_id, {keys} FROM {kind.name}_actifs) e "
        f"JOIN (SELECT DISTINCT {keys} FROM {staged.table}) s USING ({keys}) "
        f"JOIN imports i ON i.import_id = e.import_id GROUP BY ALL ORDER BY e.import_id").fetchall()
    names = ("import_id", "fichier", "date_import", "n", "exemples", "distincts", "min", "max")
    return [dict(zip(names, r)) for r in rows]


KEY_WORDS = {"Maisons": ("Maison", "Maisons"), "Réponses": ("réponse", "réponses")}


def conflict_text(kind: Kind, c: dict) -> str:
    """Which keys of the file an earlier import already holds."""
    where = f"l'import n°{c['import_id']} (« {c['fichier']} », {when(c['date_import'])})"
    examples = ", ".join(str(e) for e in c["exemples"]) + ("…" if c["distincts"] > len(c["exemples"]) else "")
    one = c["n"] == 1
    if kind.name == "activite":
        months = c["min"][:7] if c["min"][:7] == c["max"][:7] else f"{c['min'][:7]} à {c['max'][:7]}"
        return (f"{nombre(c['n'])} couple{'' if one else 's'} Maison-mois (mois {months} ; Maison{'' if one else 's'} "
                f"{examples}) {'est déjà couvert' if one else 'sont déjà couverts'} par {where}")
    what = KEY_WORDS.get(kind.key_label, (kind.key_label.lower(), kind.key_label.lower()))[0 if one else 1]
    return f"{nombre(c['n'])} {what} ({examples}) {'est déjà chargée' if one else 'sont déjà chargées'} par {where}"


def conflict_problem(kind: Kind, c: dict) -> Problem:
    return Problem(f"{conflict_text(kind, c)}. Demandez le remplacement (option --replace, ou case « Remplacer » à l'envoi) pour "
                   f"les remplacer : les lignes remplacées restent dans l'historique.")
