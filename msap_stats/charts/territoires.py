"""Territoires: where the Maisons are, and how the départements and régions are covered."""

from __future__ import annotations

import pandas as pd

from .. import indicators as ind
from .. import reference
from ..fmt import INSUFFISANT, compte, nombre
from ..indicators import Filters
from ..survey import questions
from ..survey.design import MIN_N
from . import theme
from .common import NO_FIGURE_NOTE, NO_MAISON, Absent, source
from .figures import OVERSEAS, Chart, departements_map, finish, hbar, points_map


MAP_CATEGORIES = {"fixe": "Fixe", "antenne": "Antenne", "multisites": "Multisites", "itinerante": "Itinérante",
                  "bus": "Bus"}
MAP_PLURALS = {"fixe": "fixes", "antenne": "antennes", "multisites": "multisites", "itinerante": "itinérantes",
               "bus": "bus"}
MAP_COLOURS = {"fixe": theme.BLEU_FRANCE, "antenne": "#E4794A", "multisites": "#B7A73F", "itinerante": "#009081",
               "bus": "#A558A0"}
DEPARTEMENT_METRICS = {
    "maisons_100k": ("Maisons pour 100 000 habitants", "Maisons / 100 000 hab."),
    "demandes_1000": ("Demandes pour 1 000 habitants", "Demandes / 1 000 hab."),
    "tres_satisfait": (f"Usagers {questions.INDICATORS['usagers']['tres_satisfait'].label.lower()} (%)",
                       "Très satisfaits (%)"),
}


FRANCE = "france"  # the zone of all France: the métropole, and the overseas territories in insets


def zones(con, f: Filters) -> dict[str, str]:
    """Territories a map can show: all France (métropole and overseas insets) when the perimeter has Maisons on
    both sides, the métropole, then each overseas territory holding Maisons."""
    codes = set(ind.maisons_summary(con, f)["par_departement"])
    names = _names()
    home, away = any(c < OVERSEAS for c in codes), sorted(c for c in codes if c >= OVERSEAS)
    out = {FRANCE: "France entière (outre-mer en médaillons)"} if home and away else {}
    if home:
        out["metropole"] = "France métropolitaine"
    for c in away:
        out[c] = names.get(c, c)
    return out


def _names() -> dict[str, str]:
    return reference.departements().set_index("code_departement")["departement"].to_dict()


def _in_zone(codes: pd.Series, zone: str) -> pd.Series:
    if zone == FRANCE:
        return pd.Series(True, index=codes.index)
    return codes < OVERSEAS if zone == "metropole" else codes == zone


def off_map(total: int, located: pd.DataFrame, zone: str) -> str:
    """What a map of one zone leaves out of the perimeter's ``total``, said beside the count it draws: the
    ``located`` Maisons overseas (or elsewhere) and those without coordinates — never another total."""
    outside = int((~_in_zone(located["code_departement"], zone)).sum())
    where = "en outre-mer" if zone == "metropole" else f"hors de {_names().get(zone, zone)}"
    left = [f"{nombre(outside)} {where}"] * bool(outside) + [
        f"{nombre(total - len(located))} sans coordonnées"] * bool(total - len(located))
    said = f"{compte(total, 'Maison')} dans le périmètre"
    if left:
        return f"{said}, dont {' et '.join(left)}, hors carte"
    return f"{said}, {'toutes ' if total >= 2 else ''}sur la carte"


def carte_maisons(con, f: Filters, zone: str = FRANCE, height: int = 640) -> Chart | Absent:
    every = ind.maison_points(con, f)
    df = every[_in_zone(every["code_departement"], zone)]
    if df.empty:
        return NO_MAISON
    df["survol"] = (df["nom"].map(theme.plain) + "<br>" + df["departement"].fillna("").map(theme.plain)
                    + " (" + df["code_departement"] + ")")
    deps = reference.departements()
    if f.regions or f.departements:  # zoomed on the perimeter: its départements only
        outline = sorted(set(df["code_departement"]) | set(f.departements)
                         | set(deps.loc[deps["code_region"].isin(f.regions), "code_departement"]))
    else:
        outline = deps.loc[_in_zone(deps["code_departement"], zone), "code_departement"].tolist()
        if zone == FRANCE:  # the overseas outlines where the perimeter has Maisons, in their insets
            outline = [c for c in outline if c < OVERSEAS or c in set(df["code_departement"])]
    counts = every["categorie"].value_counts()
    fig = points_map(df, reference.outlines(), color_by="categorie", labels=MAP_CATEGORIES, colors=MAP_COLOURS,
                     hover="survol", outline_codes=outline, names=_names())
    parts = ", ".join(f"{nombre(counts[k])} {MAP_PLURALS[k] if counts[k] >= 2 else v.lower()}"
                      for k, v in MAP_CATEGORIES.items() if k in counts)
    data = df[["nom", "code_departement", "departement", "latitude", "longitude", "categorie"]].rename(columns={
        "nom": "Maison", "code_departement": "Code département", "departement": "Département",
        "latitude": "Latitude", "longitude": "Longitude", "categorie": "Format"})
    data["Format"] = data["Format"].map(MAP_CATEGORIES)
    total = ind.maisons_summary(con, f)["total"]
    return finish(Chart("carte_maisons", f"{compte(total, 'Maison')} : {parts}", fig, data,
                        off_map(total, every, zone), source(con, "maisons")), height)


def carte_departements(con, f: Filters, metric: str = "maisons_100k", zone: str = FRANCE,
                       height: int = 640) -> Chart | Absent:
    table = ind.departements_table(con, f)
    table = table[_in_zone(table["code_departement"], zone)]
    if table.empty:
        return NO_MAISON
    title_metric, short = DEPARTEMENT_METRICS[metric]
    if metric == "tres_satisfait" and table["tres_satisfait"].notna().sum() == 0:
        return Absent(f"Pas assez de réponses d'usagers par département ({MIN_N} au moins) pour cartographier la "
                      "satisfaction dans ce périmètre.")
    decimals = 0 if metric == "demandes_1000" else 1
    table["texte"] = (table["departement"] + " (" + table["code_departement"] + ")<br>" + short + " : "
                      + table[metric].map(lambda v: INSUFFISANT if pd.isna(v) else nombre(v, decimals)))
    fig = departements_map(table, reference.outlines(), value=metric, text="texte", title=short, names=_names())
    best = table.sort_values(metric).dropna(subset=[metric])
    if len(best) > 1:
        title = (f"{title_metric} : de {nombre(best[metric].iloc[0], decimals)} ({best['departement'].iloc[0]}) "
                 f"à {nombre(best[metric].iloc[-1], decimals)} ({best['departement'].iloc[-1]})")
    elif len(best) == 1:  # one département in the perimeter: its value, no range
        title = f"{title_metric} : {nombre(best[metric].iloc[0], decimals)} ({best['departement'].iloc[0]})"
    else:
        title = title_metric
    data = table[["code_departement", "departement", "region", "population", "maisons", "demandes", metric]].rename(
        columns={"code_departement": "Code", "departement": "Département", "region": "Région",
                 "population": "Population", "maisons": "Maisons", "demandes": "Demandes", metric: short})
    kind = "usagers" if metric == "tres_satisfait" else ("activite" if metric == "demandes_1000" else "maisons")
    base = "population municipale INSEE ; " + (NO_FIGURE_NOTE if kind == "usagers"
                                               else off_map(ind.maisons_summary(con, f)["total"],
                                                            ind.maison_points(con, f), zone))
    return finish(Chart(f"carte_{metric}", title, fig, data, base, source(con, kind)), height)


def _declared(counts: pd.Series) -> pd.Series:
    """Requests or answers counted where there are data: no row is no data (« – »), never 0 (an activity row holds
    at least one request)."""
    return counts.where(counts > 0)


def tableau_departements(con, f: Filters) -> pd.DataFrame:
    t = ind.departements_table(con, f)
    return pd.DataFrame({"Code": t["code_departement"], "Département": t["departement"], "Région": t["region"],
                         "Population": t["population"], "Maisons": t["maisons"],
                         "Maisons / 100 000 hab.": t["maisons_100k"].round(2), "Demandes": _declared(t["demandes"]),
                         "Demandes / 1 000 hab.": t["demandes_1000"].where(t["demandes"] > 0).round(1),
                         "Usagers interrogés": _declared(t["n_usagers"]), "Très satisfaits (%)": t["tres_satisfait"]})


def tableau_regions(con, f: Filters) -> pd.DataFrame:
    g = ind.regions_table(con, f)
    return pd.DataFrame({"Région": g["region"], "Population": g["population"], "Maisons": g["maisons"],
                         "Maisons / 100 000 hab.": g["maisons_100k"].round(2), "Demandes": _declared(g["demandes"]),
                         "Demandes / 1 000 hab.": g["demandes_1000"].where(g["demandes"] > 0).round(1)})


def maisons_par_region(con, f: Filters, height: int = 520) -> Chart | Absent:
    """Maisons per 100,000 inhabitants by région; by département when départements are chosen (a région's bar
    would hold only some of its départements)."""
    level = "Département" if f.departements else "Région"
    t = tableau_departements(con, f) if f.departements else tableau_regions(con, f)
    if t.empty:
        return NO_MAISON
    t = t.sort_values("Maisons / 100 000 hab.", ascending=False)
    fig = hbar(t, level, "Maisons / 100 000 hab.", percent=False)
    fig.update_traces(text=[nombre(v, 1) for v in t["Maisons / 100 000 hab."]])
    top = t.iloc[0]
    value = f"{top[level]} : {nombre(top['Maisons / 100 000 hab.'], 1)} Maisons pour 100 000 habitants"
    title = f"{value}, la plus forte densité" if len(t) > 1 else value
    return finish(Chart("regions", title, fig,
                        t[[level, "Population", "Maisons", "Maisons / 100 000 hab."]],
                        f"{compte(int(t['Maisons'].sum()), 'Maison')} ; population municipale INSEE",
                        source(con, "maisons")), height)
