"""A survey's waves: each answer belongs to one edition of its survey (the BVA survey of November 2016, a survey
of 2024…), named by the file's own « vague » column, by the label given at the import, or else from the answers'
dates: the wave already in the store whose dates they meet (another région's file of the same survey), or their
year, or their month when that year already holds another wave ("novembre 2016")."""

from __future__ import annotations

import datetime as dt

from ..errors import refuse
from ..fmt import MOIS, printable

NEAR_DAYS = 120  # answers this close to a wave's dates belong to it
MAX_LABEL = 60


def given_label(text: str | None) -> str | None:
    """A label as a person gave it, trimmed; refused when empty or too long to name a wave."""
    if text is None:
        return None
    label = " ".join(printable(text).split())
    if not label or len(label) > MAX_LABEL:
        raise refuse(f"le nom de vague « {label[:80]} » ne convient pas : donnez un nom court (au plus {MAX_LABEL} "
                     "caractères), par exemple « 2024 » ou « novembre 2016 ».")
    return label


def _default(con, kind: str, table: str) -> tuple[str, str]:
    start, end, middle = con.execute(f"SELECT min(date_reponse), max(date_reponse), quantile_disc(date_reponse, 0.5) "
                                     f"FROM {table} WHERE vague IS NULL").fetchall()[0]
    near = dt.timedelta(days=NEAR_DAYS)
    waves = con.execute(f"SELECT vague, min(date_reponse), max(date_reponse) FROM {kind}_actifs "
                        "WHERE vague IS NOT NULL GROUP BY 1 ORDER BY 2").fetchall()
    for label, first, last in waves:
        if start <= last + near and end >= first - near:
            return label, f"les dates des réponses rejoignent celles de la vague « {label} » déjà importée"
    label = str(middle.year)
    if any(w[0] == label for w in waves):
        return f"{MOIS[middle.month - 1]} {middle.year}", f"l'année {label} a déjà une autre vague : mois des réponses"
    return label, "année des réponses"


def settle(con, kind: str, table: str, given: str | None) -> tuple[str, str] | None:
    """Give the answers of ``table`` without a wave the label given, or else the one their dates call for; (label,
    how it was found), or None when the file names every answer's wave itself."""
    if not con.execute(f"SELECT count(*) FROM {table} WHERE vague IS NULL").fetchall()[0][0]:
        return None
    label, how = (given, "donnée à l'import") if given else _default(con, kind, table)
    con.execute(f"UPDATE {table} SET vague = ? WHERE vague IS NULL", [label])
    return label, how
