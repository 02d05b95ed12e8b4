"""Regards croisés: the effects seen by users, agents and inhabitants; who the agents are; what inhabitants know."""

from __future__ import annotations

import pandas as pd

from .. import indicators as ind
from .. import schema
from ..fmt import nombre, pct
from ..indicators import Filters
from ..survey import questions
from . import theme
from .common import (NO_SURVEYS, Absent, no_figure_title, no_survey, share_table, source, survey_base, survey_view, weighting,
                     with_design)
from .figures import Chart, diverging, finish, grouped_hbar, hbar


def _impacts_title(df: pd.DataFrame) -> str:
    """What the test of each effect across publics shows: the largest significant gap, or that none is."""
    tested = df.dropna(subset=["p_valeur"]).drop_duplicates("item")
    if tested.empty:
        return "Effets perçus de la Maison sur le territoire"
    publics = {2: "Les deux publics", 3: "Les trois publics"}.get(df.dropna(subset=["pct"])["public"].nunique(),
                                                                  "Les publics")
    differ = tested[tested["ecart_significatif"]].sort_values("ecart", ascending=False)
    if len(differ):
        top = differ.iloc[0]
        return (f"{publics} ne voient pas les mêmes effets : {nombre(top['ecart'])} points d'écart sur "
                f"« {ind.IMPACTS[top['item']][0].lower()} »")
    return f"{publics} voient des effets proches : aucun écart entre publics n'est significatif"


def impacts_compares(con, f: Filters, height: int = 520) -> Chart | Absent:
    df = ind.impacts_compared(con, f)
    counts = {k: ind.survey_count(con, k, f) for k in ("usagers", "agents", "habitants")}
    if not any(counts.values()):
        return Absent(f"{NO_SURVEYS} : importez au moins une enquête.")
    df = df[df["public"].map(counts) > 0]
    title = _impacts_title(df)
    fig = grouped_hbar(df, "libelle", "public", "pct", low="ic_bas", high="ic_haut", colors=theme.PUBLICS,
                       group_labels=theme.PUBLICS_LABELS)
    data = pd.DataFrame({"Effet perçu": df["libelle"], "Public": df["public"].map(theme.PUBLICS_LABELS),
                         "Part (%)": df["pct"], "IC 95 % bas": df["ic_bas"], "IC 95 % haut": df["ic_haut"],
                         "Réponses": df["n"], "Écart entre publics (points)": df["ecart"],
                         "p (test entre publics, Holm)": df["p_valeur"].round(4)})
    data = with_design(data, df)
    base = " ; ".join(f"{theme.PUBLICS_LABELS[k]} n = {nombre(v)}" for k, v in counts.items() if v)
    sources = sorted({source(con, k) for k, v in counts.items() if v})
    return finish(Chart("impacts", title, fig, data, f"{base} ; {weighting(df)}, IC 95 %", " ; ".join(sources)),
                  height)


def _survey_profile(con, f: Filters, kind: str, key: str, height: int, keys: tuple[str, ...] | None = None,
                    subject: str = "", title_fmt: str | None = None) -> Chart | Absent:
    """A survey's indicators side by side (``keys``, or all of them); the title states the first one's finding,
    or says it with ``title_fmt``."""
    n = ind.survey_count(con, kind, f)
    if not n:
        return no_survey(con, kind, f)
    catalog = questions.INDICATORS[kind]
    shown = [catalog[k] for k in keys] if keys else list(catalog.values())
    df = ind.shares(con, kind, {i.key: i.item for i in shown}, f)
    first = df.iloc[0]
    title = ((title_fmt or "{pct} " + shown[0].constat).format(pct=pct(first["pct"])) if pd.notna(first["pct"])
             else no_figure_title(subject, first))
    fig = hbar(df, "libelle", "pct", low="ic_bas", high="ic_haut",
               colors=[theme.PUBLICS[kind]] * len(df))
    return finish(Chart(key, title, fig, share_table(df, "Indicateur"), survey_base(df, kind, f),
                        source(con, kind)),
                  height)


def profil_agents(con, f: Filters, height: int = 400) -> Chart | Absent:
    return _survey_profile(con, f, "agents", "agents", height, ("femmes", "fonctionnaires", "se_sent_utile",
                                                                "appartenance_reseau", "mission_accueil"),
                           subject="Qui sont les agents", title_fmt="Les agents : {pct} de femmes")


@survey_view("agents")
def missions_agents(con, f: Filters, height: int = 340, *, n: int) -> Chart | Absent:
    df = ind.distribution(con, "agents", "mission_principale", f).sort_values("pct", ascending=False)
    top = df.iloc[0]
    fig = hbar(df, "libelle", "pct", low="ic_bas", high="ic_haut", colors=[theme.PUBLICS["agents"]] * len(df))
    title = (f"{pct(top['pct'])} des agents ont pour mission principale « {top['libelle'].lower()} »"
             if pd.notna(top["pct"]) else no_figure_title("Mission principale des agents", top))
    return finish(Chart("missions", title, fig, share_table(df, "Mission principale"),
                        survey_base(df, "agents"), source(con, "agents")), height)


@survey_view("agents")
def arrivee_agents(con, f: Filters, height: int = 340, *, n: int) -> Chart | Absent:
    df = ind.arrival_years(con, f)
    if df.empty:
        return Absent("Les agents de ce périmètre n'ont pas donné leur année d'arrivée dans le réseau.")
    last = df.iloc[-1]
    title = (f"{pct(last['pct'])} des agents ont rejoint le réseau en {last['libelle']}" if pd.notna(last["pct"])
             else "Année d'arrivée des agents dans le réseau")
    fig = hbar(df, "libelle", "pct", low="ic_bas", high="ic_haut", colors=[theme.PUBLICS["agents"]] * len(df))
    fig.update_yaxes(type="category")  # years are labels here, not numbers to write "2 016"
    return finish(Chart("arrivee_agents", title, fig, share_table(df, "Année d'arrivée"),
                        survey_base(df, "agents"), source(con, "agents")), max(height, 120 + 34 * len(df)))


def habitants_connaissance(con, f: Filters, height: int = 340) -> Chart | Absent:
    return _survey_profile(con, f, "habitants", "habitants", height, subject="Ce que les habitants savent de la Maison")


@survey_view("habitants")
def qualite_offre(con, f: Filters, height: int = 300, *, n: int) -> Chart | Absent:
    df = ind.distribution(con, "habitants", "qualite_offre", f)
    df.insert(0, "groupe", "Ensemble des habitants")
    order = [c.code for c in schema.QUALITE]
    colours = dict(zip(order, theme.SATISFACTION_COULEURS.values()))
    fig = diverging(df, "groupe", "item", "pct", order, schema.labels(schema.QUALITE), colours)
    good = questions.INDICATORS["habitants"]["qualite_bonne"]
    share = ind.shares(con, "habitants", {good.key: good.item}, f).iloc[0]
    title = (f"{pct(share['pct'])} {good.constat}" if pd.notna(share["pct"])
             else no_figure_title("Qualité de l'offre", share))
    data = with_design(pd.DataFrame({"Niveau": df["libelle"], "Part (%)": df["pct"], "IC 95 % bas": df["ic_bas"],
                                     "IC 95 % haut": df["ic_haut"], "Réponses": df["n"]}), df)
    return finish(Chart("qualite", title, fig, data, survey_base(df, "habitants", f), source(con, "habitants")),
                  height)
