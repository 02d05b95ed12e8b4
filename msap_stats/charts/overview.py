"""Vue d'ensemble: the key figures, as the En bref note quotes them."""

from __future__ import annotations

from .. import indicators as ind
from .. import stats
from ..fmt import INSUFFISANT, nombre, pct
from ..indicators import Filters
from .common import MOTIF_PHRASES, PUBLIC_NOUN, SURVEY_SOURCES, KeyFigure, source


# The survey figures of the overview: public -> (indicator, sentence, page), as the En bref note quotes them.
KEY_SURVEY_FIGURES = {
    "usagers": [("aide_dossier", f"des usagers viennent pour {MOTIF_PHRASES['aide_dossier']}",
                 "motifs"),
                ("tres_satisfait", "des usagers sont très satisfaits de l'accueil", "satisfaction"),
                ("simplifie_quotidien", "des usagers disent que la Maison simplifie leur quotidien", "satisfaction")],
    "agents": [("se_sent_utile", "des agents se sentent utiles", "regards")],
    "habitants": [("connait_maison_commune", "des habitants savent qu'il y a une Maison dans leur commune", "regards")],
}


def key_figures(con, f: Filters) -> list[KeyFigure]:
    m = ind.maisons_summary(con, f)
    out = [KeyFigure(nombre(m["total"]), "Maisons dans le périmètre",
                     f"dont {nombre(m['heures_hebdo']['inconnues'])} sans horaires connus", source(con, "maisons"),
                     "reseau")]
    for kind, wanted in KEY_SURVEY_FIGURES.items():
        n = ind.survey_count(con, kind, f)
        catalog = {**ind.SURVEY_INDICATORS[kind], **(ind.MOTIFS if kind == "usagers" else {})}
        figs = ind.shares(con, kind, {key: catalog[key] for key, _, _ in wanted}, f).set_index("item") if n else None
        for key, text, page in wanted:
            fig = stats.as_figure(figs.loc[key]) if n else None
            out.append(_survey_key_figure(fig, text, kind, n, con, page))
        if kind == "usagers":  # the activity figure comes after the users', as in the note
            months = ind.health_share_by_month(con, f)
            total = int(months["total"].sum()) if len(months) else 0
            health = ind.health_share(months)
            out.append(KeyFigure(nombre(total), "demandes traitées", f"dont {pct(health)} en santé ou dépendance",
                                 source(con, "activite"), "activite") if total else
                       KeyFigure("–", "demandes traitées", "aucune demande enregistrée dans ce périmètre", "",
                                 "activite"))
    return out


def _survey_key_figure(fig: dict | None, text: str, kind: str, n: int, con, page: str) -> KeyFigure:
    if not n:
        return KeyFigure("–", text, f"aucune réponse à l'{SURVEY_SOURCES[kind].lower()} dans ce périmètre", "", page)
    if fig["pct"] is None:
        return KeyFigure("–", text, f"{fig.get('raison') or INSUFFISANT} (n = {nombre(fig['n'])})",
                         source(con, kind), page)
    low, high = fig["ic95"]
    return KeyFigure(pct(fig["pct"]), text,
                     f"n = {nombre(fig['n'])} {PUBLIC_NOUN[kind]} ; IC 95 % : {nombre(low, 1)} – {nombre(high, 1)}",
                     source(con, kind), page)
