"""The sums a survey proportion is computed from, and its JSON form.

The design-based estimate (Maisons as clusters) is in ``msap_stats.survey.design``.
"""

from __future__ import annotations

import math

from .fmt import INSUFFISANT



def aggregates_sql(condition: str, alias: str, weight: str = "poids", base_weight: str | None = None) -> str:
    """SQL aggregates from which a weighted share is computed.

    ``condition`` is true, false, or NULL for a non-answer (left out of the base). With ``base_weight`` (a
    calibrated survey), the same sums on the weights before calibration (bw, bwy) that its variance needs.
    """
    base = f"({condition}) IS NOT NULL"
    sql = (f"count(*) FILTER (WHERE {base}) AS \"n__{alias}\", "
           f"sum({weight}) FILTER (WHERE {base}) AS \"sw__{alias}\", "
           f"sum({weight} * {weight}) FILTER (WHERE {base}) AS \"sw2__{alias}\", "
           f"coalesce(sum({weight}) FILTER (WHERE ({condition})), 0) AS \"swy__{alias}\"")
    if base_weight:
        sql += (f", sum({base_weight}) FILTER (WHERE {base}) AS \"bw__{alias}\", "
                f"coalesce(sum({base_weight}) FILTER (WHERE ({condition})), 0) AS \"bwy__{alias}\"")
    return sql


def as_figure(row) -> dict:
    """The JSON form of one share: pct and ic95 with n, n_eff, deff and clusters, or null with the reason."""
    pct = row["pct"]
    design = {k: _plain(row.get(k)) for k in ("n_eff", "deff", "grappes", "methode") if k in row}
    if pct is None or (isinstance(pct, float) and math.isnan(pct)):
        return {"pct": None, "ic95": None, "n": int(row["n"]), "raison": row.get("raison") or INSUFFISANT, **design}
    low, high = row["ic_bas"], row["ic_haut"]
    interval = None if low is None or math.isnan(low) else [float(low), float(high)]  # none at 0 or 100 %
    return {"pct": float(pct), "ic95": interval, "n": int(row["n"]), **design}


def _plain(value):
    """numpy scalars and NaN as JSON takes them."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value
