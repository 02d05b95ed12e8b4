"""The sums a survey proportion is computed from, and the weights-only interval.

The design-based estimate (Maisons as clusters) is in ``msap_stats.survey.design``; when a
survey has a single cluster it falls back to Wilson's interval on Kish's effective sample
size n_eff = (Σw)² / Σw², computed here, so that unequal weights still widen it.
"""

from __future__ import annotations

import math

import numpy as np

from .fmt import INSUFFISANT

Z95 = 1.959963984540054


def kish(sum_w, sum_w2):
    """Kish's effective sample size."""
    sum_w = np.asarray(sum_w, dtype=float)
    sum_w2 = np.asarray(sum_w2, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sum_w2 > 0, sum_w**2 / sum_w2, 0.0)


def wilson(p, n, z: float = Z95):
    """Wilson score interval (low, high) for a proportion p observed on n answers."""
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def aggregates_sql(condition: str, alias: str, weight: str = "poids") -> str:
    """SQL aggregates from which a weighted share is computed.

    ``condition`` is true, false, or NULL for a non-answer (left out of the base).
    """
    base = f"({condition}) IS NOT NULL"
    return (f"count(*) FILTER (WHERE {base}) AS \"n__{alias}\", "
            f"sum({weight}) FILTER (WHERE {base}) AS \"sw__{alias}\", "
            f"sum({weight} * {weight}) FILTER (WHERE {base}) AS \"sw2__{alias}\", "
            f"coalesce(sum({weight}) FILTER (WHERE ({condition})), 0) AS \"swy__{alias}\"")


def as_figure(row) -> dict:
    """The JSON form of one share: pct and ic95 with n, n_eff, deff and clusters, or null with the reason."""
    pct = row["pct"]
    design = {k: _plain(row.get(k)) for k in ("n_eff", "deff", "grappes", "methode") if k in row}
    if pct is None or (isinstance(pct, float) and math.isnan(pct)):
        return {"pct": None, "ic95": None, "n": int(row["n"]), "raison": row.get("raison") or INSUFFISANT, **design}
    return {"pct": float(pct), "ic95": [float(row["ic_bas"]), float(row["ic_haut"])], "n": int(row["n"]), **design}


def _plain(value):
    """numpy scalars and NaN as JSON takes them."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value
