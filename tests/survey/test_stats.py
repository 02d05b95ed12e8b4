"""Weighted shares, Wilson intervals on Kish's effective size, small-sample suppression."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from msap_stats import stats
from msap_stats.survey.design import Design, proportions


@pytest.mark.parametrize("p, n, low, high", [
    (0.5, 100, 0.4038, 0.5962),   # textbook values of the Wilson score interval
    (0.1, 50, 0.0435, 0.2136),
    (0.0, 30, 0.0, 0.1135),
    (1.0, 30, 0.8865, 1.0),
])
def test_wilson_interval_matches_reference_values(p, n, low, high):
    lo, hi = stats.wilson(p, n)
    assert float(lo) == pytest.approx(low, abs=1e-4)
    assert float(hi) == pytest.approx(high, abs=1e-4)


def test_kish_effective_size():
    w = np.array([1.0, 1.0, 2.0, 2.0])
    assert float(stats.kish(w.sum(), (w**2).sum())) == pytest.approx(3.6)
    assert float(stats.kish(10.0, 10.0)) == pytest.approx(10.0)  # equal weights: n


def _shares(values, weights):
    con = duckdb.connect()
    con.register("t", pd.DataFrame({"y": values, "poids": weights}))
    agg = con.execute(f"SELECT {stats.aggregates_sql('y', 'x')} FROM t").df()
    return proportions(agg, ["x"], Design(1)).iloc[0]  # one cluster: the weights-only interval


def test_weighted_share_leaves_non_answers_out_of_the_base():
    rng = np.random.default_rng(1)
    y = rng.random(400) < 0.3
    w = rng.uniform(0.5, 2.0, 400)
    answered = rng.random(400) > 0.1
    values = [bool(v) if a else None for v, a in zip(y, answered)]
    row = _shares(values, w)
    wa, ya = w[answered], y[answered]
    p = (wa * ya).sum() / wa.sum()
    n_eff = wa.sum() ** 2 / (wa**2).sum()
    lo, hi = stats.wilson(p, n_eff)
    assert row["n"] == answered.sum()
    assert row["pct"] == pytest.approx(100 * p, abs=0.005)
    assert row["n_eff"] == pytest.approx(n_eff, abs=0.05)
    assert (row["ic_bas"], row["ic_haut"]) == pytest.approx((100 * lo, 100 * hi), abs=0.005)
    # Unequal weights widen the interval compared with the unweighted count.
    lo_n, hi_n = stats.wilson(p, answered.sum())
    assert (hi - lo) > (hi_n - lo_n)


def test_fewer_than_thirty_answers_give_no_figure():
    row = _shares([True] * 10 + [False] * 19, [1.0] * 29)
    assert row["n"] == 29 and np.isnan(row["pct"]) and np.isnan(row["ic_bas"])
    assert row["raison"] == "effectif insuffisant"
    figure = stats.as_figure(row)
    assert {k: figure[k] for k in ("pct", "ic95", "n", "raison")} == {"pct": None, "ic95": None, "n": 29,
                                                                   "raison": "effectif insuffisant"}
    row = _shares([True] * 10 + [False] * 20, [1.0] * 30)
    assert row["pct"] == pytest.approx(33.33, abs=0.01)
    assert stats.as_figure(row)["ic95"][0] < 33.33 < stats.as_figure(row)["ic95"][1]
