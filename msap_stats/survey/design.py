"""Design-based survey proportions: Maisons as clusters, Taylor linearisation, Korn–Graubard intervals.

Answers are collected in their Maison (inhabitants in their département): answers of one
Maison are alike, so the clusters — not the answers — are the independent units. For a
weighted proportion p = Σ w·y / Σ w over a domain (the perimeter of the filters, a région,
an age band, those who answered the question), the linearised variable of cluster h is

    z_h = Σ_{i in h, i in domain} w_i (y_i − p) / Σ_{domain} w

and, with the with-replacement approximation at the first stage over the H clusters of the
whole survey (the domain keeps the whole design: clusters outside it count, with z_h = 0),

    v = H / (H − 1) · Σ_h z_h²          (Σ_h z_h = 0).

The interval is Korn and Graubard's (the method of R's ``survey::svyciprop(method = "beta")``):
a Clopper–Pearson interval on the design-effective size n* = p(1 − p)/v, adjusted by
(t_{n−1} / t_{df})² where n is the number of answers in the domain's base and df the number
of clusters in the domain minus one. The design effect is v / (p(1 − p)/n), n the answers
in the domain's base.

A figure is not given when it rests on fewer than 30 answers, on a design-effective size
under 30 (the size n* after the adjustment for degrees of freedom, which halves it at 5 clusters), or on fewer
than 5 clusters — one rule, whether the survey holds one Maison, two or four; the reason says which. At 0 % and
100 % the variance between clusters is 0 and the design gives no interval (R's ``svyciprop`` returns none): the
figure is shown without one, and said so. A calibrated survey's variance is the calibrated one
(``calibration.Calibrated``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..fmt import INSUFFISANT
from .calibration import Calibrated
from .distributions import betaincinv, chdtrc, stdtr, stdtrit

MIN_N = 30
MIN_N_EFF = 30
MIN_CLUSTERS = 5
PRECISION = "précision insuffisante"
ALPHA = 0.05
# A design-effective size beyond this is no survey's: its variance, under p(1 − p)·10⁻¹⁵, is the rounding of a sum of
# equal terms (every cluster alike), not a spread; no interval, as for a variance of 0 (Clopper–Pearson's beta would
# not even converge at the 10³¹ such a rounding gives).
NO_SPREAD = 1e15
METHOD_DESIGN = "plan de sondage (grappes)"
METHOD_NO_VARIANCE = "plan de sondage (grappes) ; pas d'intervalle à 0 % ou 100 % (variance nulle entre grappes)"


@dataclass(frozen=True)
class Design:
    """The whole survey the domains belong to."""

    clusters: int  # H: clusters (Maisons, or départements for inhabitants) holding at least one answer
    unit: str = "Maisons"  # what a cluster is, in the reason "trop peu de …"
    # A stratified sample, or one with a finite-population correction: stratum -> (its clusters n_h in the whole
    # survey, 1 − f_h). None: one stratum, drawn with replacement.
    strata: dict | None = None
    # The calibration in force (the weights' variance is then the calibrated one), and the stratum of each of
    # its clusters (None: one stratum).
    calibration: Calibrated | None = None
    cluster_strata: np.ndarray | None = None

    @property
    def n_strata(self) -> int:
        return len(self.strata) if self.strata else 1

    def variance(self, z: np.ndarray, strata: np.ndarray | None) -> float:
        """The with-replacement variance of a total of linearised values ``z`` (one per cluster of the domain;
        the survey's other clusters count as 0): H/(H − 1) Σ z², or by stratum
        Σ_h (1 − f_h) n_h/(n_h − 1) Σ_{i∈h} (z_i − z̄_h)², a stratum of one cluster centred on the survey's mean (0)
        with factor 1 − f_h (R's ``survey.lonely.psu = "adjust"``)."""
        if not self.strata:  # centred: a calibrated domain's values need not sum to 0
            h = self.clusters
            return h / (h - 1) * (float((z**2).sum()) - float(z.sum()) ** 2 / h)
        v = 0.0
        for stratum, (n_h, keep) in self.strata.items():
            zh = z[strata == stratum] if strata is not None else z
            if not len(zh):
                continue
            s1, s2 = float(zh.sum()), float((zh**2).sum())
            v += keep * (n_h / (n_h - 1) * (s2 - s1**2 / n_h) if n_h > 1 else s2)
        return v

    @property
    def too_few(self) -> str:
        return f"trop peu de {self.unit}"


def proportions(per_cluster: pd.DataFrame, items: list[str], design: Design, by: str | None = None) -> pd.DataFrame:
    """One row per [group and] item: n, n_eff, deff, grappes, pct, ic_bas, ic_haut, raison, methode.

    ``per_cluster`` holds, per [group and] cluster, the sums of ``stats.aggregates_sql`` for every item:
    n__item (answers), sw__item (Σw), sw2__item (Σw²), swy__item (Σw·y).
    """
    keys = [by] if by else []
    rows = []
    groups = per_cluster.groupby(keys, sort=True, dropna=False) if keys else [((), per_cluster)]
    for key, part in groups:
        for item in items:
            est = _calibrated_estimate(part, item, design) if design.calibration else _estimate(part[f"n__{item}"].fillna(0).to_numpy(float), part[f"sw__{item}"].fillna(0).to_numpy(float),
                            part[f"sw2__{item}"].fillna(0).to_numpy(float), part[f"swy__{item}"].fillna(0).to_numpy(float),
                            design, part["_strate"].to_numpy(object) if "_strate" in part else None)
            row = {"item": item, **est}
            if by:
                row = {by: key[0] if isinstance(key, tuple) else key, **row}
            rows.append(row)
    columns = keys + ["item", "n", "n_eff", "deff", "grappes", "pct", "ic_bas", "ic_haut", "raison", "methode", "se"]
    return pd.DataFrame(rows, columns=columns)


def _estimate(n_h, sw_h, sw2_h, swy_h, design: Design, strata_h=None) -> dict:
    n = int(n_h.sum())
    sw = sw_h.sum()
    clusters = int((sw_h > 0).sum())
    if n == 0 or sw <= 0:
        return _empty(n, clusters)
    p = swy_h.sum() / sw
    z = (swy_h - p * sw_h) / sw
    strata_in = len({s for s, w in zip(strata_h, sw_h) if w > 0}) if design.strata and strata_h is not None else 1
    return _from_variance(p, z, strata_h, n, n, clusters, strata_in, design)


def _calibrated_estimate(rows: pd.DataFrame, item: str, design: Design) -> dict:
    """A domain's figure on a calibrated survey: ``rows`` per cluster and cell (``_grappe``, ``_cellule``) with the
    sums of ``stats.aggregates_sql`` for the calibrated weights (sw, swy) and the base ones (bw, bwy)."""
    n = int(rows[f"n__{item}"].sum())
    by_cluster = rows.groupby("_grappe")[[f"sw__{item}", f"swy__{item}"]].sum()
    by_cluster.columns = ["sw", "swy"]
    sw = float(by_cluster["sw"].sum())
    clusters = int((by_cluster["sw"] > 0).sum())
    if n == 0 or sw <= 0:
        return _empty(n, clusters)
    p = float(by_cluster["swy"].sum()) / sw
    cal = design.calibration
    z = _calibrated_z(rows, item, p, design)
    strata = design.cluster_strata
    strata_in = (len(set(strata[np.isin(cal.clusters, by_cluster.index[by_cluster["sw"] > 0])]))
                 if design.strata and strata is not None else 1)
    return _from_variance(p, z, strata, n, cal.answers, clusters, strata_in, design)


def _empty(n: int, clusters: int) -> dict:
    return {"n": n, "n_eff": np.nan, "deff": np.nan, "grappes": clusters, "pct": np.nan, "ic_bas": np.nan,
            "ic_haut": np.nan, "raison": INSUFFISANT, "methode": METHOD_DESIGN}


def _from_variance(p, z, strata, n, n_design, clusters, strata_in, design: Design) -> dict:
    if design.clusters < 2:  # no variance between clusters: the same rule as for any domain of too few clusters
        return _shown(n, np.nan, np.nan, clusters, p, np.nan, np.nan, METHOD_DESIGN, design)
    v = design.variance(z, strata)
    if not 0 < p < 1:  # no variance: R gives no interval
        return _shown(n, np.nan, np.nan, clusters, p, np.nan, np.nan, METHOD_NO_VARIANCE, design)
    deff = v / (p * (1 - p) / n)
    n_eff, low, high = korn_graubard(p, v, n_design, clusters, strata_in)
    return {**_shown(n, n_eff, deff, clusters, p, low, high, METHOD_DESIGN, design), "se": 100 * float(np.sqrt(v))}


def korn_graubard(p: float, v: float, n: int, clusters: int, strata: int = 1) -> tuple[float, float, float]:
    """(design-effective size, low, high) of 0 < p < 1: Clopper–Pearson on n* = p(1 − p)/v, degrees of freedom (the
    domain's clusters less its strata) adjusted by (t_{n−1} / t_df)², n the answers of the design's base (R's
    ``nrow``: the domain's, or the whole calibrated survey's, whose domains keep every row)."""
    n_eff = p * (1 - p) / v if v > 0 else np.inf
    df = clusters - strata
    if df >= 1 and n > 1:
        n_eff *= (stdtrit(n - 1, ALPHA / 2) / stdtrit(df, ALPHA / 2)) ** 2
    if not n_eff < NO_SPREAD:  # every cluster alike: no spread to build an interval on
        return float(np.inf), np.nan, np.nan
    x = n_eff * p
    low = float(betaincinv(x, n_eff - x + 1, ALPHA / 2))
    high = float(betaincinv(x + 1, n_eff - x, 1 - ALPHA / 2))
    return float(n_eff), low, high


def _shown(n, n_eff, deff, clusters, p, low, high, method, design: Design) -> dict:
    """The figure, or the reason it is not given: too few answers, too little precision, too few clusters."""
    if n < MIN_N:
        reason = INSUFFISANT
    elif n_eff < MIN_N_EFF:
        reason = PRECISION
    elif clusters < MIN_CLUSTERS or design.clusters < 2:
        reason = design.too_few
    else:
        reason = None
    shown = reason is None

    def rounded(v):
        return round(v * 100, 2) if shown and not np.isnan(v) else np.nan

    return {"n": n, "n_eff": None if np.isnan(n_eff) or np.isinf(n_eff) else round(float(n_eff), 1),
            "deff": None if np.isnan(deff) else round(float(deff), 2), "grappes": clusters,
            "pct": round(p * 100, 2) if shown else np.nan, "ic_bas": rounded(low), "ic_haut": rounded(high),
            "raison": reason, "methode": method}


def differences(per_cluster: pd.DataFrame, items: list[str], design: Design, by: str, shown: pd.DataFrame) -> pd.DataFrame:
    """Does each category differ from the rest of the perimeter? [by], item, ecart, p_valeur, ecart_significatif.

    The difference of two domains of the same design has the linearised variable z_h(category) − z_h(rest);
    its variance is H/(H − 1) Σ z_h², tested with a t distribution on H − 2 degrees of freedom (R's
    ``svyglm(y ~ category)``). Only categories whose figure is shown are tested, and the p-values of a chart
    are corrected together (Holm), so that one category in twenty is not marked by chance alone.
    """
    tested = []  # (category, item, gap, p): corrected together, the whole chart
    h = design.clusters
    df = h - design.n_strata - 1  # R's svyglm: the design's degrees of freedom, less one for the category
    stratum_of = (per_cluster.groupby("_grappe")["_strate"].first() if design.strata and "_strate" in per_cluster
                  else None)
    for item in items:
        sw = per_cluster.pivot_table(index="_grappe", columns=by, values=f"sw__{item}", aggfunc="sum", fill_value=0)
        swy = per_cluster.pivot_table(index="_grappe", columns=by, values=f"swy__{item}", aggfunc="sum", fill_value=0)
        strata = stratum_of.reindex(sw.index).to_numpy(object) if stratum_of is not None else None
        total_w, total_wy = sw.sum(axis=1), swy.sum(axis=1)
        for g in sw.columns:
            if not _is_shown(shown, by, g, item):
                continue
            w_g, wy_g = sw[g], swy[g]
            w_r, wy_r = total_w - w_g, total_wy - wy_g
            if w_g.sum() <= 0 or w_r.sum() <= 0 or df < 1:
                continue
            p_g, p_r = wy_g.sum() / w_g.sum(), wy_r.sum() / w_r.sum()
            if design.calibration:  # each domain's residuals on the calibration's columns
                inside = per_cluster[by] == g
                z = (_calibrated_z(per_cluster[inside], item, p_g, design)
                     - _calibrated_z(per_cluster[~inside], item, p_r, design))
                v = design.variance(z, design.cluster_strata)
            else:
                z = (wy_g - p_g * w_g) / w_g.sum() - (wy_r - p_r * w_r) / w_r.sum()
                v = design.variance(z.to_numpy(float), strata)
            p_value = 2 * float(stdtr(df, -abs(p_g - p_r) / np.sqrt(v))) if v > 0 else (1.0 if p_g == p_r else 0.0)
            tested.append((g, item, round(100 * (p_g - p_r), 2), p_value))
    out = [{by: g, "item": item, "ecart": gap, "p_valeur": adjusted, "ecart_significatif": adjusted < ALPHA}
           for (g, item, gap, _), adjusted in zip(tested, holm([t[3] for t in tested]))]
    return pd.DataFrame(out, columns=[by, "item", "ecart", "p_valeur", "ecart_significatif"])


def _calibrated_z(rows: pd.DataFrame, item: str, p: float, design: Design) -> np.ndarray:
    by_cluster = rows.groupby("_grappe")[[f"sw__{item}", f"swy__{item}"]].sum()
    by_cluster.columns = ["sw", "swy"]
    by_cell = rows.groupby("_cellule")[[f"bw__{item}", f"bwy__{item}"]].sum()
    by_cell.columns = ["bw", "bwy"]
    return design.calibration.linearised(by_cluster, by_cell, p)


def _is_shown(shown: pd.DataFrame, by: str, group, item: str) -> bool:
    """A cell is tested only where its figure is shown with an interval (not suppressed, not at 0 or 100 %)."""
    row = shown[(shown[by] == group) & (shown["item"] == item)]
    return len(row) == 1 and not pd.isna(row["pct"].iloc[0]) and not pd.isna(row["ic_bas"].iloc[0])


def equal_across(pct: np.ndarray, se: np.ndarray) -> float:
    """The p-value of the test that proportions of independent surveys are equal (the three publics are three
    samples): Wald's W = Σ (p_k − p̄)² / v_k, p̄ their inverse-variance mean, on a χ² of k − 1 degrees of freedom."""
    v = np.asarray(se, float) ** 2
    p = np.asarray(pct, float)
    mean = (p / v).sum() / (1 / v).sum()
    return float(chdtrc(len(p) - 1, ((p - mean) ** 2 / v).sum()))


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment of p-values tested together."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def wave_change(per_cluster: pd.DataFrame, items: list[str], design: Design, before: str, after: str) -> pd.DataFrame:
    """The change of each item between two waves of a survey: item, ecart, ic_bas, ic_haut, p_valeur, ddl (points).

    Both waves are one ``design`` whose clusters are the Maisons (or départements) of either wave: a Maison
    surveyed in both is one cluster, so that its two waves' answers are not counted as independent; its strata, its
    finite-population correction and its calibrations (one per wave) are those of the two waves. The difference of
    the two domains' proportions has the linearised variable z_h(after) − z_h(before), its variance the design's,
    tested with a t distribution on the clusters answering either wave less the strata less 1 (R's
    ``svyglm(y ~ vague)``). ``per_cluster``: the sums of ``stats.aggregates_sql`` per wave (``vague``) and cluster
    (``_grappe``; and ``_cellule`` when calibrated).
    """
    out = []
    stratum_of = (per_cluster.groupby("_grappe")["_strate"].first() if design.strata and "_strate" in per_cluster
                  else None)
    for item in items:
        sw = per_cluster.pivot_table(index="_grappe", columns="vague", values=f"sw__{item}", aggfunc="sum", fill_value=0)
        swy = per_cluster.pivot_table(index="_grappe", columns="vague", values=f"swy__{item}", aggfunc="sum",
                                      fill_value=0)
        if before not in sw.columns or after not in sw.columns or sw[before].sum() <= 0 or sw[after].sum() <= 0:
            out.append({"item": item, "ecart": np.nan, "ic_bas": np.nan, "ic_haut": np.nan, "p_valeur": np.nan,
                        "ddl": np.nan})
            continue
        w_a, wy_a, w_b, wy_b = sw[before], swy[before], sw[after], swy[after]
        p_a, p_b = wy_a.sum() / w_a.sum(), wy_b.sum() / w_b.sum()
        if design.calibration:
            z = (_calibrated_z(per_cluster[per_cluster["vague"] == after], item, p_b, design)
                 - _calibrated_z(per_cluster[per_cluster["vague"] == before], item, p_a, design))
            strata = design.cluster_strata
        else:
            z = ((wy_b - p_b * w_b) / w_b.sum() - (wy_a - p_a * w_a) / w_a.sum()).to_numpy(float)
            strata = stratum_of.reindex(sw.index).to_numpy(object) if stratum_of is not None else None
        v = design.variance(z, strata) if design.clusters > 1 else np.nan
        answering = (w_a + w_b) > 0
        strata_in = (len(set(stratum_of.reindex(sw.index[answering]))) if stratum_of is not None else 1)
        df = int(answering.sum()) - strata_in - 1
        gap = p_b - p_a
        if not (df >= 1 and v > 0):
            out.append({"item": item, "ecart": round(100 * gap, 2), "ic_bas": np.nan, "ic_haut": np.nan,
                        "p_valeur": np.nan, "ddl": df})
            continue
        se, t = np.sqrt(v), float(stdtrit(df, 1 - ALPHA / 2))
        out.append({"item": item, "ecart": round(100 * gap, 2), "ic_bas": round(100 * (gap - t * se), 2),
                    "ic_haut": round(100 * (gap + t * se), 2),
                    "p_valeur": 2 * float(stdtr(df, -abs(gap) / se)), "ddl": df})
    return pd.DataFrame(out, columns=["item", "ecart", "ic_bas", "ic_haut", "p_valeur", "ddl"])
