"""The survey's distribution functions against scipy.special, their reference (scipy is a test dependency only)."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import special

from msap_stats.survey import distributions as dist

SHAPES = (0.05, 0.3, 0.5, 1, 1.5, 2.5, 7, 9.99, 10, 30, 250, 4000, 1e5)  # either side of Stirling's 10
LEVELS = (1e-12, 1e-6, 0.001, 0.025, 0.3, 0.5, 0.7, 0.975, 0.9999, 1 - 1e-9)
DEGREES = (1, 2, 3, 4, 5, 9, 30, 120, 1000, 1e5)
CLOSE = 1e-10


def _relative(got: float, ref: float) -> float:
    return abs(got - ref) / max(abs(ref), 1e-300)


def _random_shapes(n: int) -> list[tuple[float, float, float]]:
    """Shapes as Korn–Graubard's bounds ask them (x = n*·p, n*·(1 − p) + 1) and others, drawn once (seeded)."""
    rng = np.random.default_rng(20161122)
    n_eff = 10 ** rng.uniform(0.5, 5, n)
    p = rng.uniform(0.001, 0.999, n)
    return [(float(a), float(b), float(q)) for a, b, q in
            zip(n_eff * p, n_eff * (1 - p) + 1, rng.choice([0.025, 0.975, 0.5, 0.01, 0.99], n))]


@pytest.mark.parametrize("a", SHAPES)
def test_the_beta_inverse_is_scipys_on_every_shape_and_level(a):
    for b, p in itertools.product(SHAPES, LEVELS):
        ref = float(special.betaincinv(a, b, p))
        got = dist.betaincinv(a, b, p)
        assert _relative(got, ref) < CLOSE, (a, b, p, got, ref)
        assert abs(got - ref) < 1e-9 * (1 - ref) + 4e-16, (a, b, p, got, ref)  # near 1, 1 − x kept too (to an ulp)
        if 1e-200 < ref < 1:
            assert _relative(dist.betainc(a, b, ref), float(special.betainc(a, b, ref))) < CLOSE, (a, b, ref)


def test_the_bounds_of_korn_graubard_are_scipys_on_drawn_designs():
    for a, b, p in _random_shapes(400):
        got, ref = dist.betaincinv(a, b, p), float(special.betaincinv(a, b, p))
        assert _relative(got, ref) < CLOSE, (a, b, p, got, ref)
        assert _relative(dist.betainc(a, b, got), p) < CLOSE, (a, b, p)  # and back


@pytest.mark.parametrize("df", DEGREES)
def test_students_t_is_scipys(df):
    for p in LEVELS:
        assert _relative(dist.stdtrit(df, p), float(special.stdtrit(df, p))) < CLOSE, (df, p)
    for t in (-50, -5, -1.96, -1e-3, 0.3, 1.96, 8, -math.inf, math.inf):
        assert _relative(dist.stdtr(df, t), float(special.stdtr(df, t))) < CLOSE, (df, t)
    assert dist.stdtrit(df, 0.5) == 0 and dist.stdtr(df, 0) == 0.5


def test_the_chi_square_tail_is_scipys():
    for k, x in itertools.product(range(1, 40), (1e-5, 0.1, 0.5, 1, 2, 5, 10, 30, 80, 200)):
        assert _relative(dist.chdtrc(k, x), float(special.chdtrc(k, x))) < CLOSE, (k, x)
    assert dist.chdtrc(3, 0) == 1


def test_an_interval_and_its_tests_load_no_scipy():
    """The first page of a cold start pays no scipy import (0.15 s measured by make bench)."""
    code = ("import sys, numpy as np\n"
            "from msap_stats.survey import design\n"
            "print(design.korn_graubard(0.3, 0.0004, 400, 40), design.equal_across(np.array([30., 40., 50.]), "
            "np.array([3., 4., 5.])))\n"
            "assert not [m for m in sys.modules if m.split('.')[0] == 'scipy'], 'scipy chargé'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    n_eff, low, high = map(float, done.stdout.split(")")[0].strip("(").split(", "))
    assert low < 0.3 < high and n_eff > 0
