"""Vue d'ensemble: the key figures, as the En bref note quotes them."""

from __future__ import annotations

from .. import indicators as ind
from .. import schema, stats
from ..fmt import INSUFFISANT, compte, nombre, pct
from ..indicators import Filters
from ..survey import questions
from .common import KeyFigure, source


# The survey figures of the overview, as the En bref note quotes them: public -> (indicator, page).
KEY_SURVEY_FIGURES = {
    "usagers": [(questions.MOTIFS["aide_dossier"], "motifs"),
                (questions.INDICATORS["usagers"]["tres_satisfait"], "satisfaction"),
                (questions.INDICATORS["usagers"]["simplifie_quotidien"], "satisfaction")],
    "agents": [(questions.INDICATORS["agents"]["se_sent_utile"], "regards")],
    "habitants": [(questions.INDICATORS["habitants"]["connait_maison_commune"], "regards")],
}


def key_figures(con, f: Filters) -> list[KeyFigure]:
    m = ind.maisons_summary(con, f)
    out = [KeyFigure(nombre(m["total"]), "Maisons dans le périmètre" if m["total"] >= 2 else "Maison dans le périmètre",
                     f"dont {nombre(m['heures_hebdo']['inconnues'])} sans horaires connus"
                     if m["heures_hebdo"]["inconnues"] else "horaires connus pour toutes", source(con, "maisons"),
                     "reseau")]
    for kind, wanted in KEY_SURVEY_FIGURES.items():
        n = ind.survey_count(con, kind, f)
        figs = ind.shares(con, kind, {i.key: i.item for i, _ in wanted}, f).set_index("item") if n else None
        wave = figs["vague"].iloc[0] if n and len(figs) else None  # said when the survey has several waves
        for indicator, page in wanted:
            fig = stats.as_figure(figs.loc[indicator.key]) if n else None
            out.append(_survey_key_figure(fig, indicator.constat, kind, n, con, page, wave))
        if kind == "usagers":  # the activity figure comes after the users', as in the note
            months = ind.health_share_by_month(con, f)
            total = int(months["total"].sum()) if len(months) else 0
            health = ind.health_share(months)
            out.append(KeyFigure(nombre(total), "demandes traitées" if total >= 2 else "demande traitée",
                                 f"dont {pct(health)} en santé ou dépendance",
                                 source(con, "activite"), "activite") if total else
                       KeyFigure("–", "demandes traitées", "aucune demande enregistrée dans ce périmètre", "",
                                 "activite"))
    return out


def _survey_key_figure(fig: dict | None, text: str, kind: str, n: int, con, page: str,
                       wave: str | None = None) -> KeyFigure:
    if not n:
        return KeyFigure("–", text, f"aucune réponse à l'{schema.KINDS[kind].source_label.lower()} dans ce périmètre", "", page)
    if fig["pct"] is None:
        return KeyFigure("–", text, f"{fig.get('raison') or INSUFFISANT} (n = {nombre(fig['n'])})",
                         source(con, kind), page)
    interval = (f"IC 95 % : {nombre(fig['ic95'][0], 1)} – {nombre(fig['ic95'][1], 1)}" if fig["ic95"]
                else "sans intervalle (0 % ou 100 %)")
    said = ("" if not isinstance(wave, str) else " ; toutes vagues" if wave == ind.ALL_WAVES else f" ; vague {wave}")
    return KeyFigure(pct(fig["pct"]), text, f"n = {compte(fig['n'], kind[:-1])} ; {interval}{said}",
                     source(con, kind), page)
