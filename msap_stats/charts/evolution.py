"""Évolution: a survey's figures in two waves and their tested change, the network between two versions of the
registry, the activity year on year. Each title says only what its numbers show: a survey change is called a
change only when its test says so (Holm across the chart); activity is compared on the Maisons that reported in
both months, without a test."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .. import history
from .. import indicators as ind
from ..fmt import mois, nombre, pct
from ..indicators import Filters
from . import theme
from .common import Absent, source, weighting
from .figures import Chart, finish, whole_ticks

PUBLIC = {"usagers": "usagers", "agents": "agents", "habitants": "habitants"}


def points(gap: float) -> str:
    """+3,8 points, −1,2 point."""
    sign = "+" if gap > 0 else "−" if gap < 0 else ""
    value = nombre(abs(gap), 1)
    return f"{sign}{value} point{'s' if abs(gap) >= 2 else ''}"


def change_sentence(row, de: str) -> str:
    """What a tested change allows to say."""
    if pd.isna(row["ecart"]):
        return f"{row['libelle']} : effectif insuffisant dans une des deux vagues"
    if row["ecart_significatif"]:
        return f"{row['libelle']} : {points(row['ecart'])} depuis {de}, écart significatif"
    return f"{row['libelle']} : {points(row['ecart'])} depuis {de}, écart non significatif"


def waves_change(con, f: Filters, kind: str = "usagers", height: int = 420) -> Chart | Absent:
    """The headline figures of a survey in its two latest waves, with their intervals, and the change tested."""
    pair = ind.wave_pair(con, kind)
    if pair is None:
        return Absent(f"Une seule vague d'enquête {PUBLIC[kind]} (ou aucune) : importez une autre vague pour en "
                      "mesurer l'évolution.")
    de, a = pair
    df = ind.change(con, kind, ind.SURVEY_INDICATORS[kind], f, de, a)
    if df[["de_pct", "a_pct"]].isna().all().all():
        return Absent(f"Trop peu de réponses {PUBLIC[kind]} dans ce périmètre, dans l'une des vagues {de} et {a}, "
                      "pour comparer les vagues.")
    fig = go.Figure()
    labels = df["libelle"].map(lambda t: theme.wrap_label(t, 22))
    for wave, side, color in ((de, "de", theme.TEXTE_SECONDAIRE), (a, "a", theme.BLEU_FRANCE)):
        fig.add_trace(go.Scatter(
            x=df[f"{side}_pct"].tolist(), y=labels.tolist(), mode="markers", name=f"Vague {wave}",
            marker=dict(size=11, color=color),
            error_x=dict(type="data", symmetric=False, array=(df[f"{side}_ic_haut"] - df[f"{side}_pct"]).tolist(),
                         arrayminus=(df[f"{side}_pct"] - df[f"{side}_ic_bas"]).tolist(), color=color, thickness=1.5),
            hovertemplate="%{y} : %{x:.1f} %<extra>" + f"Vague {wave}" + "</extra>"))
    marked = df["ecart_significatif"]
    fig.add_trace(go.Scatter(x=df.loc[marked, ["de_ic_haut", "a_ic_haut"]].max(axis=1).tolist(), y=labels[marked].tolist(),
                             mode="text", showlegend=False, text=[f" {points(g)} *" for g in df.loc[marked, "ecart"]],
                             textposition="middle right", hoverinfo="skip"))
    fig.update_layout(xaxis=dict(title="%", range=[0, 118]), yaxis=dict(autorange="reversed"),
                      legend=dict(orientation="h", y=-0.15))
    tested = df[df["ecart"].notna()]
    significant = tested[tested["ecart_significatif"]]
    if len(significant):
        title = change_sentence(significant.loc[significant["ecart"].abs().idxmax()], de)
    elif len(tested):
        title = f"Aucun écart significatif entre les vagues {de} et {a} sur ces indicateurs"
    else:
        title = f"Vagues {de} et {a} : effectifs insuffisants pour tester un écart"
    data = pd.DataFrame({
        "Indicateur": df["libelle"], f"{de} (%)": df["de_pct"], f"{de} IC bas": df["de_ic_bas"],
        f"{de} IC haut": df["de_ic_haut"], f"{de} réponses": df["de_n"], f"{a} (%)": df["a_pct"],
        f"{a} IC bas": df["a_ic_bas"], f"{a} IC haut": df["a_ic_haut"], f"{a} réponses": df["a_n"],
        "Écart (points)": df["ecart"], "Écart IC bas": df["ic_bas"], "Écart IC haut": df["ic_haut"],
        "p (Holm)": df["p_holm"].round(4), "Écart significatif": df["ecart_significatif"].map({True: "oui",
                                                                                               False: "non"})})
    weighted = weighting(df)
    base = (f"n = {nombre(int(df['de_n'].max()))} ({de}) et {nombre(int(df['a_n'].max()))} ({a}) {PUBLIC[kind]} "
            f"ayant répondu, {weighted} ; IC à 95 % (plan de sondage, chaque vague) ; écart testé avec les "
            f"{'Maisons' if kind != 'habitants' else 'départements'} comme grappes sur les deux vagues, correction de "
            "Holm ; * écart significatif")
    return finish(Chart(f"evolution_{kind}", title, fig, data, base, source(con, kind)),
                  max(height, 160 + 46 * len(df)))


def network_change(con, f: Filters, height: int = 460) -> Chart | Absent:
    """The network between the two latest versions of the registry: sites opened and closed, by région (by
    département within one région)."""
    dates = history.default_dates(con)
    if dates is None:
        return Absent("Une seule version du registre des Maisons : importez une liste d'une autre date pour suivre "
                      "l'évolution du réseau.")
    result = history.changes(con, *dates, f)
    table = history.by_departement(result)
    if table.empty:
        return Absent("Aucune Maison dans ce périmètre, à l'une ou l'autre date.")
    level = "departement" if f.regions or f.departements else "region"
    if level == "region":
        from .. import reference

        regions = reference.departements().set_index("code_departement")["region"]
        table["region"] = table["code_departement"].map(regions).fillna(table["departement"])
        table = table.groupby("region", as_index=False)[["avant", "apres", "ouvertures", "fermetures",
                                                          "deplacements"]].sum()
    label = table[level].tolist()
    fig = go.Figure([
        go.Bar(y=label, x=table["ouvertures"].tolist(), orientation="h", name="Ouvertures", marker_color=theme.BLEU_FRANCE),
        go.Bar(y=label, x=(-table["fermetures"]).tolist(), orientation="h", name="Fermetures", marker_color=theme.PALETTE[1],
               customdata=table["fermetures"].tolist(), hovertemplate="%{y} : %{customdata} fermeture(s)<extra></extra>"),
    ])
    fig.update_layout(barmode="relative", yaxis=dict(autorange="reversed"), xaxis=dict(title="Sites"),
                      legend=dict(orientation="h", y=-0.12))
    de, a = (d.strftime("%d/%m/%Y") for d in dates)
    title = (f"{nombre(result['ouvertures'])} ouverture(s) et {nombre(result['fermetures'])} fermeture(s) de sites "
             f"entre le {de} et le {a} ({nombre(result['avant'])} → {nombre(result['apres'])} sites)")
    data = table.rename(columns={level: "Région" if level == "region" else "Département", "avant": f"Sites au {de}",
                                 "apres": f"Sites au {a}", "ouvertures": "Ouvertures", "fermetures": "Fermetures",
                                 "deplacements": "Déplacements"}).drop(columns=["code_departement"], errors="ignore")
    base = (f"{nombre(result['deplacements'])} site(s) déplacé(s) (autre commune ou plus de "
            f"{nombre(history.MOVED_KM)} km) ; {nombre(result['identifiants_changes'])} site(s) retrouvé(s) sous un "
            f"autre identifiant ; listes : {', '.join(result['listes_de'])} → {', '.join(result['listes_a'])}")
    return finish(Chart("evolution_reseau", title, fig, data, base, source(con, "maisons")),
                  max(height, 140 + 24 * len(table)))


def growth(con, f: Filters, height: int = 420) -> Chart | Absent:
    """The sites of today's network by quarter of labelling, and their running total."""
    df = ind.labelled_per_quarter(con, f)
    if df.empty:
        return Absent("Aucune date de labellisation dans le registre de ce périmètre : pas de courbe de croissance.")
    quarter = df["trimestre"].map(lambda d: f"T{(d.month - 1) // 3 + 1} {d.year}")
    fig = go.Figure([go.Bar(x=quarter.tolist(), y=df["labellisees"].tolist(), name="Labellisés dans le trimestre",
                            marker_color=theme.PALETTE[5]),
                     go.Scatter(x=quarter.tolist(), y=df["cumul"].tolist(), name="Cumul", mode="lines+markers", yaxis="y2",
                                line=dict(color=theme.BLEU_FRANCE, width=2.5))])
    fig.update_layout(xaxis=dict(type="category"),
                      yaxis=dict(title="Sites labellisés", **whole_ticks(df["labellisees"].max())),
                      yaxis2=dict(title="Cumul", overlaying="y", side="right", rangemode="tozero", showgrid=False,
                                  **whole_ticks(df["cumul"].max())),
                      legend=dict(orientation="h", y=-0.2))
    first, last = quarter.iloc[0], quarter.iloc[-1]
    title = (f"{nombre(int(df['cumul'].iloc[-1]))} sites du réseau actuel labellisés de {first} à {last}, dont "
             f"{nombre(int(df['labellisees'].max()))} au plus fort trimestre ({quarter.iloc[df['labellisees'].idxmax()]})")
    unknown = df.attrs.get("sans_date", 0)
    data = pd.DataFrame({"Trimestre": quarter, "Labellisés": df["labellisees"], "Cumul": df["cumul"]})
    base = ("sites du réseau en vigueur, par date de labellisation (un site fermé depuis n'y figure pas)"
            + (f" ; {nombre(unknown)} site(s) sans date de labellisation" if unknown else ""))
    return finish(Chart("croissance", title, fig, data, base, source(con, "maisons")), height)


def density_change(con, f: Filters, height: int = 460) -> Chart | Absent:
    """Maisons per 100,000 inhabitants by région, at the first version of the registry and now."""
    dates = history.version_dates(con)
    if len(dates) < 2:
        return Absent("Une seule version du registre des Maisons : pas de densité à comparer dans le temps.")
    then = dates[0].strftime("%d/%m/%Y")
    df = ind.density_then_now(con, f, dates[0].isoformat())
    df = df[(df["maisons_avant"] > 0) | (df["maisons_apres"] > 0)].sort_values("maisons_100k_apres", ascending=False)
    if df.empty:
        return Absent("Aucune Maison dans ce périmètre, à l'une ou l'autre date.")
    fig = go.Figure([go.Bar(y=df["region"].tolist(), x=df["maisons_100k_avant"].tolist(), orientation="h", name=f"Au {then}",
                            marker_color=theme.TEXTE_SECONDAIRE),
                     go.Bar(y=df["region"].tolist(), x=df["maisons_100k_apres"].tolist(), orientation="h", name="Aujourd'hui",
                            marker_color=theme.BLEU_FRANCE)])
    fig.update_layout(barmode="group", yaxis=dict(autorange="reversed"), xaxis=dict(title="Maisons pour 100 000 hab."),
                      legend=dict(orientation="h", y=-0.12))
    population = float(ind.regions_table(con, f)["population"].sum())
    before, after = (1e5 * df[c].sum() / population for c in ("maisons_avant", "maisons_apres"))
    title = (f"De {nombre(before, 1)} à {nombre(after, 1)} Maisons pour 100 000 habitants entre le {then} et "
             "aujourd'hui")
    data = pd.DataFrame({"Région": df["region"], f"Maisons au {then}": df["maisons_avant"],
                         f"Pour 100 000 hab. au {then}": df["maisons_100k_avant"].round(2),
                         "Maisons aujourd'hui": df["maisons_apres"],
                         "Pour 100 000 hab. aujourd'hui": df["maisons_100k_apres"].round(2)})
    base = "population municipale INSEE (la même aux deux dates) ; réseau en vigueur à chaque date"
    return finish(Chart("densite_evolution", title, fig, data, base, source(con, "maisons")),
                  max(height, 140 + 30 * len(df)))


def activity_year(con, f: Filters, height: int = 420) -> Chart | Absent:
    """Requests each month against the same month a year earlier, on the Maisons that reported in both."""
    df = ind.activity_year_on_year(con, f)
    compared = df[df["evolution_pct"].notna()]
    if compared.empty:
        return Absent("Moins de treize mois d'activité dans ce périmètre : pas encore de mois à comparer à celui "
                      "de l'année précédente.")
    fig = go.Figure(go.Bar(x=compared["mois"].tolist(), y=compared["evolution_pct"].tolist(), marker_color=theme.BLEU_FRANCE,
                           customdata=compared[["maisons_constantes", "sans_declaration"]].to_numpy().tolist(),
                           hovertemplate="%{x} : %{y:.1f} % (%{customdata[0]} Maisons comparées, "
                                         "%{customdata[1]} sans déclaration)<extra></extra>"))
    fig.update_layout(yaxis=dict(title="Évolution sur un an (%)"), xaxis=dict(type="category"))
    last = compared.iloc[-1]
    when = mois(pd.Timestamp(last["mois"] + "-01"))
    title = (f"Demandes de {when} : {'+' if last['evolution_pct'] > 0 else ''}{pct(last['evolution_pct'], 1)} "
             "sur un an, à Maisons constantes")
    data = pd.DataFrame({"Mois": df["mois"], "Demandes": df["demandes"], "Maisons déclarantes": df["maisons"],
                         "Demandes par Maison": df["par_maison"].round(1),
                         "Demandes par heure d'ouverture": df["par_heure"].round(2),
                         "Un an avant": df["demandes_un_an_avant"], "Maisons comparées": df["maisons_constantes"],
                         "Évolution (%)": df["evolution_pct"].round(1), "Sans déclaration": df["sans_declaration"],
                         "Cumul 12 mois": df["cumul_12_mois"]})
    base = ("Maisons ayant déclaré les deux mois ; une Maison sans déclaration un mois est comptée à part, jamais "
            "pour zéro ; évolution observée, sans test")
    return finish(Chart("evolution_activite", title, fig, data, base, source(con, "activite")), height)
