"""Réseau et critères: the Maisons against the rules of their time; who carries them, with which partners."""

from __future__ import annotations

import pandas as pd

from .. import indicators as ind
from .. import network, referentiels, schema
from ..fmt import compte, nombre, pct
from ..indicators import Filters
from .common import CODE_LABELS, NO_MAISON, Absent, code_label, source
from .figures import Chart, finish, hbar, status_bars


def referentiel(con, f: Filters, choix: str = referentiels.AUTOMATIQUE) -> str:
    """The key of the frame of reference the page applies to the perimeter."""
    return network.frame(ind.maisons_for_criteria(con, f), choix)[0].key


def conformite(con, f: Filters, seuil_km: float = network.DEFAULT_DISTANCE_KM, choix: str = referentiels.AUTOMATIQUE,
               height: int | None = None) -> Chart | Absent:
    df, referentiel, why = network.compliance(con, f, seuil_km, choix)
    if df.empty:
        return NO_MAISON
    known, unknown = network.documented(df, referentiel)
    missing = f" ; {referentiels.NON_RENSEIGNE} : " + ", ".join(c.label for c in unknown) if unknown else ""
    if not known:
        return Absent(f"{referentiel.label} : aucun de ses critères n'est renseigné dans ce registre pour les "
                      f"Maisons de ce périmètre.")
    summary = network.summary(df, referentiel)
    summary["Critère"] = [f"À plus de {nombre(seuil_km, 1)} km à vol d'oiseau de la Maison la plus proche"
                          if k == "distance" else label for k, label in zip(summary["critere"], summary["Critère"])]
    hours = referentiel.critere("heures")
    counts = summary[summary["critere"] == hours.key].set_index("Statut")["Maisons"]
    judged = counts.get(referentiels.CONFORME, 0) + counts.get(referentiels.NON_CONFORME, 0)
    apart = " (antennes et multisites à part)" if counts.get(referentiels.SANS_OBJET, 0) else ""
    title = (f"{pct(100 * counts[referentiels.CONFORME] / judged)} des Maisons aux horaires connus "
             f"{hours.constat}{apart}" if judged else f"Critères : {referentiel.label}")
    fig = status_bars(summary, "Critère", "Statut", "Maisons")
    return finish(Chart("conformite", title, fig, summary[["Critère", "Statut", "Maisons"]],
                        f"{compte(len(df), 'Maison jugée')} selon : {referentiel.label} ({why}) ; "
                        f"« sans objet » : règle qui ne s'applique pas à ce type de site{missing}",
                        source(con, "maisons")), height or 200 + 60 * len(known))


def criteres(con, f: Filters, seuil_km: float = network.DEFAULT_DISTANCE_KM,
             choix: str = referentiels.AUTOMATIQUE) -> pd.DataFrame:
    """The frame's criteria: how each is judged here, or that the registry does not say."""
    df, referentiel, _ = network.compliance(con, f, seuil_km, choix)
    known = network.documented(df, referentiel)[0]
    return pd.DataFrame({"Critère": [c.label for c in referentiel.criteres],
                         "Jugé d'après": [c.regle if c in known else f"{referentiels.NON_RENSEIGNE.capitalize()} ; "
                                          f"il faudrait : {c.regle}" for c in referentiel.criteres]})


def maisons_en_defaut(con, f: Filters, seuil_km: float = network.DEFAULT_DISTANCE_KM,
                      choix: str = referentiels.AUTOMATIQUE) -> pd.DataFrame:
    df, referentiel, _ = network.compliance(con, f, seuil_km, choix)
    return network.shortfalls(df, referentiel)


def paires_proches(con, f: Filters, seuil_km: float = network.DEFAULT_DISTANCE_KM) -> pd.DataFrame:
    """Each pair of fixed Maisons closer than the threshold, once (A's nearest may be B and B's nearest A)."""
    df = network.compliance(con, f, seuil_km, referentiels.MSAP.key)[0]
    close = df[df["distance"] == referentiels.A_VERIFIER].sort_values(["distance_km", "nom"])
    pair = close.apply(lambda r: tuple(sorted((r["nom"], r["plus_proche"]))), axis=1)
    close = close[~pair.duplicated()] if len(close) else close
    return pd.DataFrame({"Maison": close["nom"], "Département": close["code_departement"],
                         "Maison la plus proche": close["plus_proche"], "Distance (km)": close["distance_km"]})


def _count_chart(con, f: Filters, column: str, key: str, title_fmt: str, label_title: str, labels: dict,
                 height: int, is_list: bool = False) -> Chart | Absent:
    df = ind.maisons_with_list(con, f, column) if is_list else ind.maisons_count_by(con, f, column)
    total = ind.maisons_summary(con, f)["total"]
    if not total:
        return NO_MAISON
    df = df[df["code"].notna()]
    if df.empty:
        return Absent(f"Le registre ne renseigne pas « {label_title.lower()} » pour les Maisons de ce périmètre.")
    df["libelle"] = df["code"].map(lambda c: code_label(c, labels))
    df["part"] = 100 * df["maisons"] / total
    top = df.iloc[0]
    fig = hbar(df, "libelle", "part")
    fig.update_traces(customdata=[nombre(v) for v in df["maisons"]],
                      hovertemplate="%{y} : %{customdata} Maisons (%{text})<extra></extra>")
    data = pd.DataFrame({label_title: df["libelle"], "Maisons": df["maisons"], "Part des Maisons (%)": df["part"].round(2)})
    return finish(Chart(key, title_fmt.format(label=top["libelle"], n=nombre(top["maisons"]), pct=pct(top["part"])),
                        fig, data, f"{compte(total, 'Maison')}", source(con, "maisons")), height)


def porteurs(con, f: Filters, height: int = 320) -> Chart | Absent:
    return _count_chart(con, f, "structure_porteuse", "porteurs", "{label} porte {pct} des Maisons ({n})",
                        "Structure porteuse", CODE_LABELS["structure_porteuse"], height)


def formats(con, f: Filters, height: int = 320) -> Chart | Absent:
    return _count_chart(con, f, "format", "formats", "{pct} des Maisons sont de format « {label} »", "Format",
                        CODE_LABELS["format"], height)


PARTNERSHIP_LABELS = {**schema.labels(schema.PARTENARIATS), "espace_public_numerique": "Espace public numérique",
                      "espace_teletravail": "Espace de télétravail"}


def partenariats(con, f: Filters, height: int = 420) -> Chart | Absent:
    total = ind.maisons_summary(con, f)["total"]
    if not total:
        return NO_MAISON
    df = ind.maisons_with_list(con, f, "partenariats")
    extra = ind.digital_spaces(con, f)
    rows = list(df.itertuples(index=False)) + [("espace_public_numerique", extra[0]), ("espace_teletravail", extra[1])]
    df = pd.DataFrame(rows, columns=["code", "maisons"])
    if df["maisons"].sum() == 0 and extra[2] == 0:
        return Absent("Le registre ne renseigne pas les partenariats des Maisons de ce périmètre.")
    df = df.sort_values("maisons", ascending=False)
    df["libelle"] = df["code"].map(lambda c: PARTNERSHIP_LABELS.get(c, c))
    df["part"] = 100 * df["maisons"] / total
    fig = hbar(df, "libelle", "part")
    fig.update_traces(text=[f"{nombre(n)} ({pct(p)})" for n, p in zip(df["maisons"], df["part"])])
    top = df.iloc[0]
    data = pd.DataFrame({"Partenariat": df["libelle"], "Maisons": df["maisons"], "Part des Maisons (%)": df["part"].round(2)})
    return finish(Chart("partenariats", f"Partenariats et services : le plus fréquent, « {top['libelle'].lower()} », "
                                        f"dans {compte(top['maisons'], 'Maison')}", fig, data, f"{compte(total, 'Maison')}",
                        source(con, "maisons")), height)
