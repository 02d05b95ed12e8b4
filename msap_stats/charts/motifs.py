"""Motifs de visite: why users come (survey) and what their requests are about (activity), région by région."""

from __future__ import annotations

import pandas as pd

from .. import indicators as ind
from .. import schema
from ..fmt import compte, mois, nombre, pct
from ..indicators import Filters
from ..survey import questions
from .common import (ACCOMP_LABELS, NO_ACTIVITY, NO_FIGURE_NOTE, OPERATOR_LABELS, THEME_LABELS, Absent, across_regions,
                     code_label, month_label, no_figure_title, share_table, significance_note, source, survey_base,
                     survey_view, weighting, with_design, with_significance)
from .figures import Chart, finish, hbar, heatmap, line


@survey_view("usagers")
def motifs_usagers(con, f: Filters, height: int = 400, *, n: int) -> Chart | Absent:
    df = ind.shares(con, "usagers", ind.MOTIFS, f)
    top = df.sort_values("pct", ascending=False).iloc[0]
    title = (f"{pct(top['pct'])} {questions.MOTIFS[top['item']].constat}"
             if pd.notna(top["pct"]) else no_figure_title("Motifs de visite des usagers", top))
    fig = hbar(df, "libelle", "pct", low="ic_bas", high="ic_haut")
    return finish(Chart("motifs", title + " (plusieurs réponses possibles)", fig, share_table(df, "Motif"),
                        survey_base(df, "usagers"), source(con, "usagers")), height)


def _activity_chart(con, f: Filters, column: str, labels: dict, key: str, title_fmt: str, label_title: str,
                    height: int, limit: int | None = None) -> Chart | Absent:
    df = ind.activity_by(con, f, column)
    if df.empty:
        return NO_ACTIVITY
    df["libelle"] = df["code"].map(lambda c: code_label(c, labels))
    if limit:
        df = df.head(limit)
    top = df.iloc[0]
    fig = hbar(df, "libelle", "pct")
    fig.update_traces(customdata=[nombre(v) for v in df["n"]],
                      hovertemplate="%{y} : %{text} (%{customdata} demandes)<extra></extra>")
    data = pd.DataFrame({label_title: df["libelle"], "Demandes": df["n"], "Part (%)": df["pct"]})
    total = int(df["n"].sum())
    return finish(Chart(key, title_fmt.format(label=top["libelle"], pct=pct(top["pct"])), fig, data,
                        f"n = {compte(total, 'demande')}", source(con, "activite")), height)


def demandes_par_thematique(con, f: Filters, height: int = 480) -> Chart | Absent:
    return _activity_chart(con, f, "thematique", THEME_LABELS, "thematiques",
                           "« {label} » : {pct} des demandes, la première thématique", "Thématique", height)


def demandes_par_operateur(con, f: Filters, height: int = 440) -> Chart | Absent:
    return _activity_chart(con, f, "operateur", OPERATOR_LABELS, "operateurs",
                           "{label} : {pct} des demandes, le premier opérateur sollicité", "Opérateur", height)


def types_accompagnement(con, f: Filters, height: int = 340) -> Chart | Absent:
    return _activity_chart(con, f, "type_accompagnement", ACCOMP_LABELS, "accompagnement",
                           "« {label} » : {pct} des demandes", "Type d'accompagnement", height)


def part_sante_dependance(con, f: Filters, height: int = 360) -> Chart | Absent:
    per_month = ind.health_share_by_month(con, f)
    if per_month.empty:
        return NO_ACTIVITY
    per_month["label"] = per_month["mois"].map(month_label)
    fig = line(per_month, "label", "pct", y_title="Part des demandes (%)")
    fig.update_traces(customdata=[pct(v, 1) for v in per_month["pct"]])
    fig.update_layout(yaxis=dict(ticksuffix="\u00a0%", rangemode="tozero"))
    data = pd.DataFrame({"Mois": per_month["mois"].map(mois), "Demandes santé ou dépendance": per_month["sante"].astype(int),
                         "Demandes": per_month["total"].astype(int), "Part (%)": per_month["pct"].round(2)})
    return finish(Chart("sante", f"{pct(ind.health_share(per_month))} des demandes portent sur la santé ou la dépendance",
                        fig, data, f"n = {compte(int(per_month['total'].sum()), 'demande')}", source(con, "activite")),
                  height)


@survey_view("usagers")
def motifs_par_region(con, f: Filters, height: int = 560, *, n: int) -> Chart | Absent:
    df = ind.shares(con, "usagers", ind.MOTIFS, f, by="region")
    df = df[df["region"].notna()]
    shown = df[df["pct"].notna() & (df["item"] == "aide_dossier")]
    if shown["region"].nunique() < 2:
        title = "Motifs de visite des usagers par région"
    else:
        best = shown.sort_values("pct").iloc[-1]
        spread = (f"La part des usagers venus pour {questions.MOTIF_PHRASES['aide_dossier']} "
                  + across_regions(shown["pct"].min(), best["pct"]))
        # A région is named only when it differs significantly from the rest of the perimeter.
        title = (f"{spread} ({best['region']})" if best["ecart_significatif"]
                 else f"{spread} : des écarts dans la marge d'erreur")
    short = {k: v[0] for k, v in ind.MOTIFS.items()}
    df["Motif"] = df["item"].map(short)
    fig = heatmap(df, "region", "Motif", "pct", col_order=list(short.values()))
    data = with_design(with_significance(pd.DataFrame({"Région": df["region"], "Motif": df["Motif"], "Part (%)": df["pct"],
                                            "IC 95 % bas": df["ic_bas"], "IC 95 % haut": df["ic_haut"],
                                            "Réponses": df["n"]}), df), df)
    return finish(Chart("motifs_regions", title, fig, data,
                        f"n = {nombre(int(df.groupby('region')['n'].max().sum()))} usagers, {weighting(df)} ; "
                        + NO_FIGURE_NOTE
                        + significance_note(df), source(con, "usagers")), height)


def thematiques_par_region(con, f: Filters, height: int = 600) -> Chart | Absent:
    df = ind.activity_by_pair(con, f, "region", "thematique")
    if df.empty:
        return NO_ACTIVITY
    df = df[df["a"].notna()]
    df["Thématique"] = df["b"].map(THEME_LABELS)
    order = [THEME_LABELS[c.code] for c in schema.THEMATIQUES]
    emploi = df[df["b"] == "emploi"].sort_values("pct")
    title = ("La part de l'emploi " + across_regions(emploi["pct"].min(), emploi["pct"].max(), " des demandes")
             if len(emploi) > 1 else "Thématiques des demandes par région")
    fig = heatmap(df, "a", "Thématique", "pct", col_order=order)
    data = pd.DataFrame({"Région": df["a"], "Thématique": df["Thématique"], "Demandes": df["n"], "Part (%)": df["pct"]})
    return finish(Chart("thematiques_regions", title, fig, data, f"n = {compte(int(df['n'].sum()), 'demande')}",
                        source(con, "activite")), height)
