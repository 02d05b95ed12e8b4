"""How each Maison stands against the recognition criteria that can be computed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .indicators import Filters, maisons_for_criteria

EARTH_KM = 6371.0088
CONFORME, A_VERIFIER, NON_CONFORME, INCONNU = "conforme", "à vérifier", "non conforme", "inconnu"
DEFAULT_DISTANCE_KM = 5.0

CRITERES = {
    "heures": "Ouverte au moins 24 h par semaine",
    "operateurs": "Au moins deux opérateurs de l'emploi ou des prestations sociales",
    "distance": "Éloignée des autres Maisons (environ 20 minutes)",
    "agent_forme": "Agents d'accueil formés",
    "espace_confidentiel": "Espace d'entretien confidentiel",
}


def nearest(points: pd.DataFrame) -> pd.DataFrame:
    """Straight-line distance (km) from each Maison to the nearest other one, and its name."""
    out = pd.DataFrame({"id_maison": points["id_maison"], "distance_km": np.nan, "plus_proche": None})
    ok = points["latitude"].notna() & points["longitude"].notna()
    p = points[ok]
    if len(p) < 2:
        return out
    lat = np.radians(p["latitude"].to_numpy(float))
    lon = np.radians(p["longitude"].to_numpy(float))
    best = np.empty(len(p))
    arg = np.empty(len(p), dtype=int)
    for start in range(0, len(p), 512):  # blocks keep the distance matrix small
        la, lo = lat[start:start + 512, None], lon[start:start + 512, None]
        h = np.sin((lat - la) / 2) ** 2 + np.cos(la) * np.cos(lat) * np.sin((lon - lo) / 2) ** 2
        d = 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
        d[np.arange(d.shape[0]), np.arange(start, start + d.shape[0])] = np.inf
        arg[start:start + 512] = d.argmin(axis=1)
        best[start:start + 512] = d.min(axis=1)
    out.loc[ok.to_numpy(), "distance_km"] = np.round(best, 2)
    out.loc[ok.to_numpy(), "plus_proche"] = p["nom"].to_numpy()[arg]
    return out


def _status(values: pd.Series, ok: pd.Series) -> pd.Series:
    return pd.Series(np.where(values.isna(), INCONNU, np.where(ok.fillna(False), CONFORME, NON_CONFORME)),
                     index=values.index)


def compliance(con, f: Filters, seuil_km: float = DEFAULT_DISTANCE_KM) -> pd.DataFrame:
    """One row per Maison of the perimeter, with the status of each criterion.

    The distance is measured to every Maison of the network, not only those of the perimeter.
    """
    mine = maisons_for_criteria(con, f)
    near = nearest(maisons_for_criteria(con, Filters()))
    df = mine.merge(near, on="id_maison", how="left")
    df["heures"] = _status(df["heures_hebdo"], df["heures_hebdo"] >= 24)
    df["operateurs"] = _status(df["operateurs_sociaux"], df["operateurs_sociaux"] >= 2)
    df["distance"] = np.where(df["distance_km"].isna(), INCONNU,
                              np.where(df["distance_km"] < seuil_km, A_VERIFIER, CONFORME))
    for col in ("agent_forme", "espace_confidentiel"):
        df[col] = _status(df[col], df[col].astype("boolean"))
    return df


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Criterion x status -> number of Maisons (long form, every status present)."""
    rows = []
    for key, label in CRITERES.items():
        counts = df[key].value_counts() if len(df) else pd.Series(dtype=int)
        for status in (CONFORME, A_VERIFIER, NON_CONFORME, INCONNU):
            rows.append({"critere": key, "Critère": label, "Statut": status, "Maisons": int(counts.get(status, 0))})
    return pd.DataFrame(rows)


def shortfalls(df: pd.DataFrame) -> pd.DataFrame:
    """The Maisons that fall short of at least one criterion, and which."""
    failing = []
    for _, r in df.iterrows():
        manques = [CRITERES[k] for k in CRITERES if r[k] in (NON_CONFORME, A_VERIFIER)]
        if manques:
            failing.append({"Maison": r["nom"], "Département": f"{r['departement']} ({r['code_departement']})",
                            "Heures par semaine": r["heures_hebdo"], "Opérateurs emploi/social": r["operateurs_sociaux"],
                            "Distance à la plus proche (km)": r["distance_km"], "Critères à revoir": " ; ".join(manques)})
    return pd.DataFrame(failing, columns=["Maison", "Département", "Heures par semaine", "Opérateurs emploi/social",
                                          "Distance à la plus proche (km)", "Critères à revoir"])
