"""Calibration (redressement) of a survey's weights on known margins, as R's ``survey::calibrate``.

The answers fall in cells: one combination of the modalities of the calibration variables (a modality « non
renseigné » where an answer does not say). Raking (``calfun = "raking"``) looks for factors g = exp(x'η), one per
cell, such that the calibrated weights g·w reproduce the margins' totals; with one variable it is the
post-stratification. Newton's steps are R's ``grake``: T = Σ w·F'(x'η)·x x', misfit = totals − Σ w·g·x, η += T⁺ misfit,
until every |misfit| / (1 + |total|) < 10⁻⁷ (50 steps at most). Bounds [L, U] on g, when asked, are R's: g is clipped
to them and a clipped cell leaves the Newton matrix.

The model matrix has an intercept and, per variable, one column per modality but the first; the totals are the
survey's sum of base weights N (kept) and N × part for each modality, the part taken among those who gave the
variable (those who did not keep their share, a modality of its own).

A calibrated proportion's variance is R's: the linearised values of the answers are replaced by their residuals
from the weighted (base weights) least-squares regression on the model matrix, scaled by g (``svyrecvar`` on a
``greg_calibration``): see ``design.Calibration``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

IN_FORCE = "en vigueur"  # the status of the calibration a wave's figures rest on (one per wave at most)
NON_RENSEIGNE = "∅"  # the modality of an answer that does not give the variable
MAXIT = 50
EPSILON = 1e-7


class CalibrationError(Exception):
    """Why the margins cannot be reached, in French."""


def cell_key(values: dict[str, str | None], variables: tuple[str, ...]) -> str:
    """The cell of an answer: "sexe=F|tranche_age=25-39" (the SQL of ``cell_sql`` writes the same)."""
    return "|".join(f"{v}={values.get(v) or NON_RENSEIGNE}" for v in variables)


def cell_sql(expressions: dict[str, str]) -> str:
    """The SQL writing an answer's cell from each variable's expression (as ``cell_key``)."""
    return " || '|' || ".join(f"'{v}=' || coalesce(({e})::VARCHAR, '{NON_RENSEIGNE}')" for v, e in expressions.items())


def parse_cell(cell: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in cell.split("|"))


@dataclass(frozen=True)
class Model:
    """The columns of the calibration: an intercept, then each variable's modalities but its first."""

    variables: tuple[str, ...]
    modalities: tuple[tuple[str, ...], ...]  # per variable, in order; NON_RENSEIGNE last where present

    @property
    def columns(self) -> list[tuple[str, str] | None]:
        return [None] + [(v, m) for v, mods in zip(self.variables, self.modalities) for m in mods[1:]]

    def rows(self, cells: list[str]) -> np.ndarray:
        """The model matrix's row of each cell."""
        index = {c: i for i, c in enumerate(self.columns) if c is not None}
        x = np.zeros((len(cells), len(index) + 1))
        x[:, 0] = 1.0
        for r, cell in enumerate(cells):
            for v, m in parse_cell(cell).items():
                if (v, m) in index:
                    x[r, index[(v, m)]] = 1.0
        return x


def totals(model: Model, parts: dict[str, dict[str, float]], sample: dict[str, dict[str, float]],
           total: float) -> np.ndarray:
    """The population totals of the model's columns: N, then N × share for each modality.

    ``parts``: per variable, each modality's share (summing to 1) among those who gave it; ``sample``: per variable,
    the base weights' total of each modality in the survey, so that those who did not give it keep their share."""
    out = [total]
    for v, mods in zip(model.variables, model.modalities):
        unknown = sample[v].get(NON_RENSEIGNE, 0.0)
        for m in mods[1:]:
            out.append(unknown if m == NON_RENSEIGNE else (total - unknown) * parts[v][m])
    return np.array(out)


@dataclass(frozen=True)
class Raking:
    g: np.ndarray  # the factor of each cell
    iterations: int
    converged: bool
    misfit: float  # max |misfit| / (1 + |total|) reached


def rake(x: np.ndarray, w: np.ndarray, population: np.ndarray, bounds: tuple[float, float] = (-np.inf, np.inf),
         maxit: int = MAXIT, epsilon: float = EPSILON) -> Raking:
    """R's ``grake`` with ``cal.raking`` on cells: ``x`` their model rows, ``w`` their sums of base weights."""
    lower, upper = bounds

    def fm1(u):  # g − 1, clipped to the bounds
        return np.clip(np.exp(u), lower, upper) - 1

    def df(u):  # R's cal.raking$dF: 0 where the factor is held at a bound
        return np.where((u < upper - 1) & (u > lower - 1), np.exp(u), 0.0)

    sample = x.T @ w
    eta = np.zeros(x.shape[1])
    u = x @ eta
    deriv = df(u)
    iteration = 1
    while True:
        tmat = (x * (w * deriv)[:, None]).T @ x
        misfit = population - sample - x.T @ (w * fm1(u))
        step = np.linalg.pinv(tmat, rcond=256 * np.finfo(float).eps) @ misfit
        eta = eta + step
        u = x @ eta
        g, deriv = 1 + fm1(u), df(u)
        while iteration < maxit and not (np.isfinite(g).all() and np.isfinite(deriv).all()):
            iteration += 1
            step = step / 2
            eta = eta - step
            u = x @ eta
            g, deriv = 1 + fm1(u), df(u)
        misfit = population - sample - x.T @ (w * fm1(u))
        achieved = float(np.max(np.abs(misfit) / (1 + np.abs(population))))
        if achieved < epsilon:
            return Raking(g, iteration, True, achieved)
        iteration += 1
        if iteration > maxit:
            return Raking(g, iteration - 1, False, achieved)


@dataclass(frozen=True)
class Calibrated:
    """What the variance of calibrated figures needs (R's ``greg_calibration``), for the calibrations in force in
    the scope (one per wave; their columns side by side, so that several waves pool as one design).

    Cells are written "id:cell" (``_cellule`` of the store's views). ``a_inv`` is (Σ w x x')⁺ over every answer of
    the calibrated waves (base weights w); ``cluster_x`` holds per cluster of the design Σ g·w·x over its answers."""

    rows: dict[str, np.ndarray]  # cell -> its model row (zeros outside its calibration's columns)
    a_inv: np.ndarray
    clusters: list  # every cluster of the design, in the order of cluster_x
    cluster_x: np.ndarray
    answers: int  # answers of the design (R's nrow of a calibrated design, whose domains keep every row)
    labels: tuple[str, ...]  # what the weights were calibrated on, for the footers

    def linearised(self, by_cluster: pd.DataFrame, by_cell: pd.DataFrame, p: float) -> np.ndarray:
        """The linearised values of a domain's proportion p, one per cluster of ``clusters``: the residuals of
        (y − p) on the calibration's columns. ``by_cluster``: sw (Σ g·w) and swy per cluster of the domain;
        ``by_cell``: bw (Σ w) and bwy per cell of the domain."""
        k = self.a_inv.shape[0]
        b = np.zeros(k)
        for cell, bw, bwy in zip(by_cell.index, by_cell["bw"].to_numpy(float), by_cell["bwy"].to_numpy(float)):
            row = self.rows.get(cell)
            if row is not None:
                b += row * (bwy - p * bw)
        beta = self.a_inv @ b
        first = (by_cluster["swy"] - p * by_cluster["sw"]).reindex(self.clusters, fill_value=0).to_numpy(float)
        return (first - self.cluster_x @ beta) / float(by_cluster["sw"].sum())


def calibrated(models: dict[str, Model], base_by_cell: pd.DataFrame, weight_by_cluster_cell: pd.DataFrame,
               clusters: list, answers: int, labels: tuple[str, ...]) -> Calibrated:
    """The ``Calibrated`` of calibrations ``models`` (id -> Model). ``base_by_cell``: Σ base weights per "id:cell"
    (index); ``weight_by_cluster_cell``: columns _grappe, _cellule, w (Σ calibrated weights)."""
    offsets, k = {}, 0
    for ident, model in models.items():
        offsets[ident] = k
        k += len(model.columns)
    rows = {}
    for cell in base_by_cell.index:
        ident, inner = cell.split(":", 1)
        if ident in models:
            row = np.zeros(k)
            part = models[ident].rows([inner])[0]
            row[offsets[ident]:offsets[ident] + len(part)] = part
            rows[cell] = row
    a = np.zeros((k, k))
    for cell, w in zip(base_by_cell.index, base_by_cell.to_numpy(float)):
        if cell in rows:
            a += w * np.outer(rows[cell], rows[cell])
    position = {c: i for i, c in enumerate(clusters)}
    cx = np.zeros((len(clusters), k))
    for cluster, cell, w in weight_by_cluster_cell[["_grappe", "_cellule", "w"]].itertuples(index=False):
        if cell in rows and cluster in position:
            cx[position[cluster]] += w * rows[cell]
    return Calibrated(rows, np.linalg.pinv(a, rcond=256 * np.finfo(float).eps), clusters, cx, answers, labels)
