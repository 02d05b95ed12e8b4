"""Activité: requests month by month, by kind, Maison by Maison and per opening hour; the public's profile."""

from __future__ import annotations

import pandas as pd

from .. import indicators as ind
from ..fmt import compte, mois, nombre, pct
from ..indicators import Filters
from .common import (ACCOMP_LABELS, BREAKDOWNS, CODE_LABELS, NO_ACTIVITY, THEME_LABELS, Absent, code_label, code_rank,
                     month_label, source)
from .figures import Chart, finish, hbar, histogram, line, stacked_columns


def demandes_par_mois(con, f: Filters, height: int = 380) -> Chart | Absent:
    df = ind.activity_by(con, f, "mois").sort_values("code")
    if df.empty:
        return NO_ACTIVITY
    df["mois"] = df["code"].map(month_label)
    total = int(df["n"].sum())
    peak = df.sort_values("n").iloc[-1]
    fig = line(df, "mois", "n", y_title="Demandes")
    first, last = mois(df["code"].iloc[0]), mois(df["code"].iloc[-1])
    title = (f"{compte(total, 'demande')} en {first}" if first == last else
             f"{compte(total, 'demande')} de {first} à {last} ; le plus en {mois(peak['code'])}")
    data = pd.DataFrame({"Mois": df["code"].map(mois), "Demandes": df["n"]})
    return finish(Chart("mois", title, fig, data, f"n = {compte(total, 'demande')}", source(con, "activite")), height)


def _months_by(con, f: Filters, column: str, labels: dict, key: str, title: str, legend: str,
               height: int) -> Chart | Absent:
    df = ind.activity_by_pair(con, f, "mois", column)
    if df.empty:
        return NO_ACTIVITY
    df = df.sort_values(["a", "n"], ascending=[True, False])
    df["mois"] = df["a"].map(month_label)
    df["serie"] = df["b"].map(lambda c: code_label(c, labels))
    order = df.groupby("serie")["n"].sum().sort_values(ascending=False).index
    df["serie"] = pd.Categorical(df["serie"], categories=order, ordered=True)
    df = df.sort_values(["serie", "a"])
    fig = stacked_columns(df, "mois", "serie", "n", y_title="Demandes")
    title = f"{title} : {_leader(df.groupby('serie', observed=True)['n'].sum())}"
    data = pd.DataFrame({"Mois": df["a"].map(mois), legend: df["serie"].astype(str), "Demandes": df["n"],
                         "Part du mois (%)": df["pct"]})
    return finish(Chart(key, title, fig, data, f"n = {compte(int(df['n'].sum()), 'demande')}",
                        source(con, "activite")), height)


LEAD_MARGIN = 5  # points: a count "leads" only when its share exceeds the next one's by this much


def _leader(totals: pd.Series) -> str:
    """The category that leads a count, named only when it stands out from the next."""
    totals = totals.sort_values(ascending=False)
    shares = 100 * totals / totals.sum() if totals.sum() else totals
    if len(shares) == 1:
        return f"{shares.index[0].lower()} seulement"
    if shares.iloc[0] - shares.iloc[1] >= LEAD_MARGIN:
        return f"{shares.index[0].lower()} en tête, {pct(shares.iloc[0])} des demandes de la période"
    return (f"{shares.index[0].lower()} ({pct(shares.iloc[0])}) et {shares.index[1].lower()} "
            f"({pct(shares.iloc[1])}) au coude à coude")


def demandes_mois_thematique(con, f: Filters, height: int = 480) -> Chart | Absent:
    return _months_by(con, f, "thematique", THEME_LABELS, "mois_thematique", "Thématiques des demandes, mois par mois",
                      "Thématique", height)


def demandes_mois_accompagnement(con, f: Filters, height: int = 420) -> Chart | Absent:
    return _months_by(con, f, "type_accompagnement", ACCOMP_LABELS, "mois_accompagnement",
                      "Types d'accompagnement, mois par mois", "Type d'accompagnement", height)


def demandes_par_maison(con, f: Filters, height: int = 360) -> Chart | Absent:
    df = ind.activity_per_maison(con, f)
    if df.empty or df["demandes"].sum() == 0:
        return NO_ACTIVITY
    active = df[df["demandes"] > 0]
    med = active["demandes"].median()
    fig = histogram(active["demandes"], x_title="Demandes sur la période")
    data = pd.DataFrame({"Maison": df["nom"], "Département": df["code_departement"], "Demandes": df["demandes"]})
    silent = len(df) - len(active)
    base = f"{compte(len(active), 'Maison')} ayant remonté leur activité" + (
        f" ; {compte(silent, 'Maison')} du périmètre sans activité remontée, hors du calcul" if silent else "")
    return finish(Chart("par_maison", f"Une Maison traite en médiane {compte(med, 'demande')} sur la période",
                        fig, data, base, source(con, "activite")), height)


def demandes_par_heure(con, f: Filters, height: int = 360) -> Chart | Absent:
    df = ind.activity_per_maison(con, f)
    df = df[df["demandes_par_heure"].notna()]
    if df.empty or df["demandes"].sum() == 0:
        return NO_ACTIVITY
    med = df["demandes_par_heure"].median()
    fig = histogram(df["demandes_par_heure"], x_title="Demandes par heure d'ouverture")
    data = pd.DataFrame({"Maison": df["nom"], "Département": df["code_departement"],
                         "Heures d'ouverture par semaine": df["heures_hebdo"],
                         "Demandes par heure d'ouverture": df["demandes_par_heure"].round(3)})
    return finish(Chart("par_heure", f"En médiane, {nombre(med, 1)} {'demande' if med < 2 else 'demandes'} par heure "
                                     "d'ouverture", fig, data,
                        f"{compte(len(df), 'Maison')} aux horaires connus", source(con, "activite")), height)


PROFILE_WHAT = {"tranche_age": "l'âge", "sexe": "le sexe"}


def profil_public(con, f: Filters, column: str = "tranche_age", height: int = 320) -> Chart | Absent:
    labels = CODE_LABELS[column]
    title = {"tranche_age": "Les 40-59 ans forment {pct} du public accueilli",
             "sexe": "Les femmes forment {pct} du public accueilli"}[column]
    df = ind.activity_by(con, f, column)
    if df.empty:
        return NO_ACTIVITY
    if df["code"].isna().all():  # a count of « Non renseigné » at 100 % would say nothing
        return Absent(f"L'activité de ce périmètre ne renseigne pas {PROFILE_WHAT[column]} des usagers.")
    df["libelle"] = df["code"].map(lambda c: code_label(c, labels))
    df = df.assign(rang=df["code"].map(lambda c: code_rank(c, labels))).sort_values("rang", kind="stable")
    ref = "40_59" if column == "tranche_age" else "femme"
    value = df.loc[df["code"] == ref, "pct"]
    fig = hbar(df, "libelle", "pct")
    data = pd.DataFrame({BREAKDOWNS[column]: df["libelle"], "Demandes": df["n"], "Part (%)": df["pct"]})
    return finish(Chart(f"profil_{column}", title.format(pct=pct(value.iloc[0])) if len(value) else "Profil du public",
                        fig, data, f"n = {compte(int(df['n'].sum()), 'demande')}", source(con, "activite")), height)


def classement_maisons(con, f: Filters) -> pd.DataFrame:
    df = ind.activity_per_maison(con, f)
    return pd.DataFrame({"Rang": range(1, len(df) + 1), "Maison": df["nom"],
                         "Département": df["departement"].fillna("") + " (" + df["code_departement"] + ")",
                         "Région": df["region"], "Format": df["format"].map(CODE_LABELS["format"]),
                         "Demandes": df["demandes"].astype(int),
                         "Heures par semaine": df["heures_hebdo"], "Demandes par heure": df["demandes_par_heure"].round(2)})
