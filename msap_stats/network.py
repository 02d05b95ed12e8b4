"""How each Maison stands against the criteria of a frame of reference (``referentiels``) that can be computed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .fmt import duree
from .indicators import Filters, maisons_for_criteria
from .referentiels import (A_VERIFIER, AUTOMATIQUE, INCONNU, MOBILES, NON_CONFORME, REFERENTIELS, STATUTS, Critere,
                           Referentiel, matching)
from .schema import FORMATS, labels
from .store import data_version, db_file

EARTH_KM = 6371.0088
DEFAULT_DISTANCE_KM = 5.0
FORMAT_LABELS = labels(FORMATS)


def nearest(points: pd.DataFrame) -> pd.DataFrame:
    """Straight-line distance (km) from each Maison to the nearest other one, and its name.

    The nearest is the largest dot product of the places as unit vectors (a matrix product, by blocks), the great
    circle growing with the angle; its distance is then the haversine of that one pair."""
    out = pd.DataFrame({"id_maison": points["id_maison"], "distance_km": np.nan, "plus_proche": None})
    ok = points["latitude"].notna() & points["longitude"].notna()
    p = points[ok]
    if len(p) < 2:
        return out
    lat = np.radians(p["latitude"].to_numpy(float))
    lon = np.radians(p["longitude"].to_numpy(float))
    unit = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    arg = np.empty(len(p), dtype=int)
    for start in range(0, len(p), 1024):  # blocks keep the product small
        dots = unit[start:start + 1024] @ unit.T
        dots[np.arange(dots.shape[0]), np.arange(start, start + dots.shape[0])] = -np.inf
        arg[start:start + 1024] = dots.argmax(axis=1)
    h = np.sin((lat[arg] - lat) / 2) ** 2 + np.cos(lat) * np.cos(lat[arg]) * np.sin((lon[arg] - lon) / 2) ** 2
    out.loc[ok.to_numpy(), "distance_km"] = np.round(2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1))), 2)
    out.loc[ok.to_numpy(), "plus_proche"] = p["nom"].to_numpy()[arg]
    return out


def frame(df: pd.DataFrame, choice: str = AUTOMATIQUE) -> tuple[Referentiel, str]:
    """The frame of reference asked for, or the one matching the Maisons' labelling dates; and why."""
    if choice in REFERENTIELS:
        return REFERENTIELS[choice], "choisi sur la page"
    return matching(df["date_labellisation"])


def _judged(df: pd.DataFrame) -> pd.Series:
    """The Maisons the distance rule looks at: fixed main sites (a bus or an antenna is "sans objet")."""
    return ~(df["format"].isin(MOBILES).fillna(False).astype(bool) | (df["type"] == "antenne").fillna(False))


_NEAREST: dict[tuple, pd.DataFrame] = {}


def network_nearest(con) -> pd.DataFrame:
    """The nearest fixed main site of the whole network, for each: computed once per store and data version
    (it does not depend on the filters)."""
    path = db_file(con)
    key = (str(path), data_version(con))
    if path is None or key not in _NEAREST:  # (an in-memory store has no name to be known by)
        every = maisons_for_criteria(con, Filters())
        _NEAREST.clear()  # one version kept: older ones are of no use
        _NEAREST[key] = nearest(every[_judged(every)])
    return _NEAREST[key].copy()


def compliance(con, f: Filters, seuil_km: float = DEFAULT_DISTANCE_KM,
               choix: str = AUTOMATIQUE) -> tuple[pd.DataFrame, Referentiel, str]:
    """One row per Maison of the perimeter with its status on each criterion of the frame; the frame; why it.

    The distance is measured to the nearest fixed main site of the whole network, not only of the perimeter.
    """
    mine = maisons_for_criteria(con, f)
    referentiel, why = frame(mine, choix)
    df = mine.merge(network_nearest(con), on="id_maison", how="left")
    for c in referentiel.criteres:
        df[c.key] = c.judge(df, seuil_km) if c.judge else INCONNU
    return df, referentiel, why


def documented(df: pd.DataFrame, referentiel: Referentiel) -> tuple[list[Critere], list[Critere]]:
    """(criteria the registry documents for at least one Maison, criteria it documents for none)."""
    known = [c for c in referentiel.criteres if c.judge and len(df) and (df[c.key] != INCONNU).any()]
    return known, [c for c in referentiel.criteres if c not in known]


def summary(df: pd.DataFrame, referentiel: Referentiel) -> pd.DataFrame:
    """Documented criterion x status -> number of Maisons (long form, every status present)."""
    rows = []
    for c in documented(df, referentiel)[0]:
        counts = df[c.key].value_counts()
        for status in STATUTS:
            rows.append({"critere": c.key, "Critère": c.label, "Statut": status, "Maisons": int(counts.get(status, 0))})
    return pd.DataFrame(rows, columns=["critere", "Critère", "Statut", "Maisons"])


def shortfalls(df: pd.DataFrame, referentiel: Referentiel) -> pd.DataFrame:
    """The Maisons that fall short of at least one criterion of the frame, and which."""
    criteria = documented(df, referentiel)[0]
    columns = ["Maison", "Département", "Format", "Heures par semaine", "Jours d'ouverture",
               "Distance à la plus proche (km)", "À revoir"]
    failing = []
    for _, r in df.iterrows():
        manques = [c.court for c in criteria if r[c.key] in (NON_CONFORME, A_VERIFIER)]
        if manques:
            failing.append(dict(zip(columns, (
                r["nom"], f"{r['departement']} ({r['code_departement']})", FORMAT_LABELS.get(r["format"], "–"),
                duree(r["heures_hebdo"]), r["jours_ouverture"], r["distance_km"], " ; ".join(manques)))))
    out = pd.DataFrame(failing, columns=columns)
    if not any(c.key == "distance" for c in criteria):
        out = out.drop(columns="Distance à la plus proche (km)")
    return out
