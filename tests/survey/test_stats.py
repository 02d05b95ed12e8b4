"""Weighted shares and their base, the rules of suppression, 0 % and 100 %."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from msap_stats import stats
from msap_stats.survey.design import Design, proportions


def _shares(values, weights, clusters: int = 20):
    con = duckdb.connect()
    con.register("t", pd.DataFrame({"y": values, "poids": weights,
                                    "g": [i % clusters for i in range(len(values))]}))
    agg = con.execute(f"SELECT g AS _grappe, {stats.aggregates_sql('y', 'x')} FROM t GROUP BY 1").df()
    return proportions(agg, ["x"], Design(clusters)).iloc[0]


def test_weighted_share_leaves_non_answers_out_of_the_base():
    rng = np.random.default_rng(1)
    y = rng.random(400) < 0.3
    w = rng.uniform(0.5, 2.0, 400)
    answered = rng.random(400) > 0.1
    values = [bool(v) if a else None for v, a in zip(y, answered)]
    row = _shares(values, w)
    wa, ya = w[answered], y[answered]
    p = (wa * ya).sum() / wa.sum()
    assert row["n"] == answered.sum()
    assert row["pct"] == pytest.approx(100 * p, abs=0.005)
    assert row["ic_bas"] < 100 * p < row["ic_haut"]


def test_fewer_than_thirty_answers_give_no_figure():
    row = _shares([True] * 10 + [False] * 19, [1.0] * 29)
    assert row["n"] == 29 and np.isnan(row["pct"]) and np.isnan(row["ic_bas"])
    assert row["raison"] == "effectif insuffisant"
    figure = stats.as_figure(row)
    assert {k: figure[k] for k in ("pct", "ic95", "n", "raison")} == {"pct": None, "ic95": None, "n": 29,
                                                                   "raison": "effectif insuffisant"}


@pytest.mark.parametrize("clusters", [1, 2, 4])
def test_one_rule_for_one_two_or_four_maisons(clusters):
    """A survey in one Maison, two or four: no figure, for the same reason (the variance between Maisons cannot
    be estimated, or too poorly), however many answers."""
    row = _shares([True] * 300 + [False] * 300, [1.0] * 600, clusters=clusters)
    assert np.isnan(row["pct"]) and row["raison"] == "trop peu de Maisons"
    assert stats.as_figure(row)["raison"] == "trop peu de Maisons"


def test_zero_and_hundred_percent_are_shown_without_an_interval_as_r_does():
    for value, pct in ((False, 0.0), (True, 100.0)):
        row = _shares([value] * 183, [1.0] * 183, clusters=15)
        assert row["pct"] == pct and np.isnan(row["ic_bas"]) and np.isnan(row["ic_haut"])
        assert "pas d'intervalle à 0 % ou 100 %" in row["methode"]
        figure = stats.as_figure(row)
        assert figure["pct"] == pct and figure["ic95"] is None
