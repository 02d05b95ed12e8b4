"""Weighted survey proportions with their 95 % confidence interval.

The interval is Wilson's, computed on Kish's effective sample size
n_eff = (Σw)² / Σw², so that unequal weights widen it as they should.
A figure resting on fewer than MIN_N unweighted answers is not given.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

Z95 = 1.959963984540054
MIN_N = 30
INSUFFISANT = "effectif insuffisant"


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


def shares_from_aggregates(df: pd.DataFrame, items: list[str], by: str | None = None) -> pd.DataFrame:
    """Long table: [by,] item, n, n_eff, pct, ic_bas, ic_haut, raison (percentages 0-100)."""
    frames = []
    for item in items:
        part = pd.DataFrame({
            "item": item,
            "n": df[f"n__{item}"].fillna(0).astype(int).to_numpy(),
            "sw": df[f"sw__{item}"].astype(float).to_numpy(),
            "sw2": df[f"sw2__{item}"].astype(float).to_numpy(),
            "swy": df[f"swy__{item}"].astype(float).to_numpy(),
        })
        if by is not None:
            part.insert(0, by, df[by].to_numpy())
        frames.append(part)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return finish(out)


def finish(out: pd.DataFrame) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(out["sw"] > 0, out["swy"] / out["sw"], np.nan)
    n_eff = kish(out["sw"].fillna(0), out["sw2"].fillna(0))
    low, high = wilson(p, n_eff)
    shown = out["n"].to_numpy() >= MIN_N
    out = out.drop(columns=["sw", "sw2", "swy"])
    out["n_eff"] = np.round(n_eff, 1)
    out["pct"] = np.where(shown, np.round(p * 100, 2), np.nan)
    out["ic_bas"] = np.where(shown, np.round(low * 100, 2), np.nan)
    out["ic_haut"] = np.where(shown, np.round(high * 100, 2), np.nan)
    out["raison"] = np.where(shown, None, INSUFFISANT)
    return out


def as_figure(row) -> dict:
    """The JSON form of one share: pct and ic95, or null with the reason."""
    pct = row["pct"]
    if pct is None or (isinstance(pct, float) and math.isnan(pct)):
        return {"pct": None, "ic95": None, "n": int(row["n"]), "raison": row.get("raison") or INSUFFISANT}
    return {"pct": float(pct), "ic95": [float(row["ic_bas"]), float(row["ic_haut"])], "n": int(row["n"]),
            "n_eff": float(row["n_eff"])}
