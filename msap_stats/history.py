"""The network's history, from the registry's versions: the network in force at a date, and between two dates the
sites opened, closed and moved, by département, with the lists it rests on."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import numpy as np
import pandas as pd

from . import reference
from .indicators import Filters, scope
from .intake.versions import SITE_COLUMNS, site_changes

MOVED_KM = 1.0  # a site found again this far from where it was has moved (a new address, not a new decimal)


def version_dates(con) -> list[dt.date]:
    """The dates of the registry's versions, oldest first."""
    return [r[0] for r in con.execute("SELECT DISTINCT date_version FROM versions_registre ORDER BY 1").fetchall()]


def default_dates(con) -> tuple[dt.date, dt.date] | None:
    """The two latest versions' dates (the network before the latest list, and with it)."""
    dates = version_dates(con)
    return (dates[-2], dates[-1]) if len(dates) >= 2 else None


def _sites(con, date: dt.date, f: Filters) -> list[tuple]:
    """The sites of the network in force at ``date`` within the filters, as ``SITE_COLUMNS`` then latitude,
    longitude and the list they come from."""
    src, params = scope("maisons", replace(f, date_reseau=date.isoformat()))
    columns = ", ".join("n." + c.strip() for c in SITE_COLUMNS.split(","))
    return con.execute(f"SELECT {columns}, n.latitude, n.longitude, v.fichier FROM {src} n "
                       "JOIN versions_registre v USING (import_id)", params).fetchall()


def _km(a: tuple, b: tuple) -> float:
    """Distance between two sites' points (rows as ``_sites`` gives them); NaN if one has none."""
    if None in (a[5], a[6], b[5], b[6]):
        return math.nan
    return float(reference.km_from(a[5], a[6], np.array([b[5]]), np.array([b[6]]))[0])


def changes(con, de: dt.date, a: dt.date, f: Filters | None = None) -> dict:
    """The network at ``de`` and at ``a``: sites opened, closed and moved (another commune, or more than
    ``MOVED_KM`` away), overall and by département, and the lists each state rests on."""
    f = f or Filters()
    before, after = _sites(con, de, f), _sites(con, a, f)
    found = site_changes(before, after)
    old, new = {r[0]: r for r in before}, {r[0]: r for r in after}
    moved = [(i, j) for i, j in found.same
             if old[i][3] != new[j][3] or _km(old[i], new[j]) > MOVED_KM]
    deps = reference.departements().set_index("code_departement")
    rows = []
    for dep in sorted({r[4] for r in before} | {r[4] for r in after}):
        rows.append({"code_departement": dep,
                     "departement": deps["departement"].get(dep, dep) if dep in deps.index else dep,
                     "avant": sum(r[4] == dep for r in before), "apres": sum(r[4] == dep for r in after),
                     "ouvertures": sum(new[i][4] == dep for i in found.opened),
                     "fermetures": sum(old[i][4] == dep for i in found.closed),
                     "deplacements": sum(new[j][4] == dep for _, j in moved)})
    return {"de": de.isoformat(), "a": a.isoformat(), "perimetre": f.describe(),
            "listes_de": sorted({r[7] for r in before}), "listes_a": sorted({r[7] for r in after}),
            "avant": len(before), "apres": len(after), "ouvertures": len(found.opened),
            "fermetures": len(found.closed), "deplacements": len(moved),
            "identifiants_changes": found.renamed, "par_departement": rows}


def by_departement(result: dict) -> pd.DataFrame:
    return pd.DataFrame(result["par_departement"], columns=["code_departement", "departement", "avant", "apres",
                                                            "ouvertures", "fermetures", "deplacements"])
