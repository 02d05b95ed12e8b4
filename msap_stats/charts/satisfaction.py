"""Satisfaction des usagers: the welcome, daily life made simpler, expectations, by group."""

from __future__ import annotations

import pandas as pd

from .. import indicators as ind
from .. import schema
from ..fmt import pct
from ..indicators import Filters
from ..survey import questions
from . import theme
from .common import (BREAKDOWNS, BREAKDOWN_PHRASES, Absent, label_groups, no_figure_title, no_survey,
                     share_table, significance_note, source, survey_base, survey_view, with_design,
                     with_significance)
from .figures import Chart, diverging, finish, hbar

DEFAULT_BREAKDOWN = "tranche_age"  # the page's « Ventiler selon » until one is chosen


@survey_view("usagers")
def satisfaction_accueil(con, f: Filters, by: str | None = None, height: int = 380, *, n: int) -> Chart | Absent:
    overall = ind.distribution(con, "usagers", "satisfaction_accueil", f)
    overall.insert(0, "groupe", "Ensemble des usagers")
    frames = [overall]
    if by:
        detail = label_groups(ind.distribution(con, "usagers", "satisfaction_accueil", f, by=by), by)
        frames.append(detail.rename(columns={by: "groupe"}))
    df = pd.concat(frames, ignore_index=True)
    order = [c.code for c in schema.SATISFACTION]
    labels = schema.labels(schema.SATISFACTION)
    fig = diverging(df, "groupe", "item", "pct", order, labels, theme.SATISFACTION_COULEURS)
    very = questions.INDICATORS["usagers"]["tres_satisfait"]  # one code of this question: its bar is the indicator
    (code,) = very.codes
    very_row = overall.set_index("item").loc[code]
    title = (f"{pct(very_row['pct'])} {very.constat}" if pd.notna(very_row["pct"])
             else no_figure_title("Satisfaction de l'accueil", very_row))
    data = with_design(with_significance(pd.DataFrame({"Groupe": df["groupe"], "Niveau": df["item"].map(labels),
                                            "Part (%)": df["pct"], "IC 95 % bas": df["ic_bas"],
                                            "IC 95 % haut": df["ic_haut"], "Réponses": df["n"]}), df), df)
    rows = df["groupe"].nunique()
    tested = " ; écarts de chaque groupe avec le reste testés (colonne « Écart significatif »)" if by else ""
    return finish(Chart("satisfaction", title, fig, data, survey_base(overall, "usagers") + tested,
                        source(con, "usagers")),
                  max(height, 160 + 42 * rows))


def _indicator_by(con, f: Filters, kind: str, key: str, by: str | None, chart_key: str, height: int) -> Chart | Absent:
    """One indicator for the whole perimeter, then for each group of ``by``; the title states its finding."""
    n = ind.survey_count(con, kind, f)
    if not n:
        return no_survey(con, kind, f)
    indicator = questions.INDICATORS[kind][key]
    label, cond = indicator.item
    overall = ind.shares(con, kind, {key: (label, cond)}, f)
    overall.insert(0, "groupe", f"Ensemble des {kind}")
    frames = [overall]
    if by:
        detail = label_groups(ind.shares(con, kind, {key: (label, cond)}, f, by=by), by)
        frames.append(detail.rename(columns={by: "groupe"}))
    df = pd.concat(frames, ignore_index=True)
    value = overall["pct"].iloc[0]
    title = (f"{pct(value)} {indicator.constat}" + (f" ; le détail {BREAKDOWN_PHRASES[by]}" if by else "")
             if pd.notna(value) else no_figure_title(label, overall.iloc[0]))
    fig = hbar(df, "groupe", "pct", low="ic_bas", high="ic_haut",
               colors=[theme.BLEU_FRANCE] + ["#6A6AF4"] * (len(df) - 1))
    data = share_table(df, BREAKDOWNS.get(by, "Groupe") if by else "Groupe", first="groupe")
    return finish(Chart(chart_key, title, fig, data, survey_base(overall, kind, f) + significance_note(df),
                        source(con, kind)), max(height, 140 + 38 * len(df)))


def tres_satisfaits_par(con, f: Filters, by: str | None = None, height: int = 360) -> Chart | Absent:
    return _indicator_by(con, f, "usagers", "tres_satisfait", by, "tres_satisfaits", height)


def simplifie_quotidien(con, f: Filters, by: str | None = None, height: int = 360) -> Chart | Absent:
    return _indicator_by(con, f, "usagers", "simplifie_quotidien", by, "simplifie", height)


@survey_view("usagers")
def attentes(con, f: Filters, height: int = 420, *, n: int) -> Chart | Absent:
    df = ind.distribution(con, "usagers", "attente_principale", f)
    df = df[(df["pct"] > 0) | df["pct"].isna()].sort_values("pct", ascending=False)
    if df.empty:
        return Absent("Aucune attente principale renseignée dans ce périmètre.")
    top = df.iloc[:3]
    title = "Attentes principales : " + ", ".join(f"{r.libelle.split(',')[0].lower()} {pct(r.pct)}"
                                                  for r in top.itertuples() if pd.notna(r.pct))
    fig = hbar(df, "libelle", "pct", low="ic_bas", high="ic_haut")
    return finish(Chart("attentes", title, fig, share_table(df, "Attente principale"), survey_base(df, "usagers"),
                        source(con, "usagers")), height)
