"""The few distribution functions the survey's intervals and tests need, in plain Python: the regularized incomplete
beta and its inverse (Clopper–Pearson's bounds), Student's t and the χ² tail.

They give scipy.special's values (``betaincinv``, ``stdtr``, ``stdtrit``, ``chdtrc``) to 1e-10 (the tests compare
them on a grid and on drawn designs), without scipy: its import, numpy.f2py with it through its array-API layer,
made a cold start's first page about a quarter of a second slower (same-hour comparison, BENCHMARKS.md).
"""

from __future__ import annotations

import math
from functools import lru_cache

_EPS = 1e-16
_TINY = 1e-300
_MAX_TERMS = 100_000
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
# Stirling's series of ln Γ(z) − ((z − ½) ln z − z + ½ ln 2π), exact to double precision for z ≥ 10.
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156)


def _stirling_rest(z: float) -> float:
    inv2, term, total = 1 / (z * z), 1 / z, 0.0
    for c in _STIRLING:
        total += c * term
        term *= inv2
    return total


def _power_terms(a: float, b: float, x: float, y: float) -> float:
    """x^a y^b / B(a, b), y = 1 − x given exactly. Where a or b is large, ln x^a y^b and ln B nearly cancel: the
    large ones' ln Γ are then taken by Stirling's series and, both large, the terms written around x = a / (a + b),
    as Boost's ``ibeta_power_terms`` does."""
    c = a + b
    if min(a, b) >= 10:
        gap = x * b - y * a  # x(a + b) − a
        log_terms = a * math.log1p(gap / a) + b * math.log1p(-gap / b)
        rest = _stirling_rest(c) - _stirling_rest(a) - _stirling_rest(b)
        return math.sqrt(a * b / c) * math.exp(log_terms + rest - _LOG_SQRT_2PI)
    log_x = math.log1p(-y) if x > 0.5 else math.log(x)
    log_y = math.log1p(-x) if y > 0.5 else math.log(y)
    big, small = max(a, b), min(a, b)
    if big >= 10:  # ln Γ(c) − ln Γ(big), without their large values
        ratio = ((big - 0.5) * math.log1p(small / big) + small * math.log(c) - small + _stirling_rest(c)
                 - _stirling_rest(big))
    else:
        ratio = math.lgamma(c) - math.lgamma(big)
    return math.exp(ratio - math.lgamma(small) + a * log_x + b * log_y)


def _fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) (modified Lentz), fast for x < (a + 1) / (a + b + 2)."""
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_TERMS):
        m2 = a + 2 * m
        num = m * (b - m) * x / ((m2 - 1) * m2)  # the even step
        d = 1 + num * d
        d = 1 / (d if abs(d) > _TINY else _TINY)
        c = 1 + num / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        num = -(a + m) * (a + b + m) * x / (m2 * (m2 + 1))  # the odd step
        d = 1 + num * d
        d = 1 / (d if abs(d) > _TINY else _TINY)
        c = 1 + num / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPS:
            return h
    raise ArithmeticError(f"fraction continue de la loi bêta non convergente (a={a}, b={b}, x={x})")


def _ibeta(a: float, b: float, x: float, y: float) -> tuple[float, float, float]:
    """(I_x(a, b), 1 − I_x(a, b), the density at x), y = 1 − x given exactly; the smaller of the two tails is the one
    computed, the other is 1 less it."""
    if x <= 0:
        return 0.0, 1.0, 0.0
    if y <= 0:
        return 1.0, 0.0, 0.0
    front = _power_terms(a, b, x, y)
    density = front / (x * y)
    if x < (a + 1) / (a + b + 2):
        lower = front * _fraction(a, b, x) / a
        return lower, 1 - lower, density
    upper = front * _fraction(b, a, y) / b
    return 1 - upper, upper, density


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b) (scipy.special.betainc)."""
    return _ibeta(a, b, x, 1 - x)[0]


def _first_guess(a: float, b: float, p: float) -> float:
    """Where the steps of ``_inverse`` start (Numerical Recipes' ``invbetai``)."""
    if a >= 1 and b >= 1:
        pp = p if p < 0.5 else 1 - p
        t = math.sqrt(-2 * math.log(pp))
        z = (2.30753 + t * 0.27061) / (1 + t * (0.99229 + t * 0.04481)) - t
        z = -z if p < 0.5 else z
        al = (z * z - 3) / 6
        h = 2 / (1 / (2 * a - 1) + 1 / (2 * b - 1))
        w = z * math.sqrt(al + h) / h - (1 / (2 * b - 1) - 1 / (2 * a - 1)) * (al + 5 / 6 - 2 / (3 * h))
        return a / (a + b * math.exp(min(2 * w, 700.0)))
    lna, lnb = math.log(a / (a + b)), math.log(b / (a + b))
    t, u = math.exp(a * lna) / a, math.exp(b * lnb) / b
    w = t + u
    return (a * w * p) ** (1 / a) if p < t / w else 1 - (b * w * (1 - p)) ** (1 / b)


def betaincinv(a: float, b: float, p: float) -> float:
    """The x at which I_x(a, b) = p (scipy.special.betaincinv)."""
    return _inverse(a, b, p, 1 - p)


def _inverse(a: float, b: float, p: float, q: float) -> float:
    """The x at which I_x(a, b) = p, q = 1 − p given exactly: Halley's steps kept within a bracket that narrows,
    halved where a step would leave it; a step under 1e-9 of x (or of 1 − x, near 1) is the last: the next
    would be below 1e-18."""
    if p <= 0:
        return 0.0
    if q <= 0:
        return 1.0
    lo, hi = 0.0, 1.0
    x = min(max(_first_guess(a, b, p), _TINY), 1 - 1e-16)
    for _ in range(400):
        y = 1 - x
        lower, upper, density = _ibeta(a, b, x, y)
        f = lower - p if p <= 0.5 else q - upper  # the tail of p's side: as precise as p is near 1
        if f == 0:
            return x
        if f < 0:
            lo = x
        else:
            hi = x
        nxt = -1.0  # a density lost below the smallest float: halved
        if density > 0:
            newton = f / density
            nxt = x - newton / (1 - 0.5 * min(1.0, newton * ((a - 1) / x - (b - 1) / y)))
        if lo <= nxt <= hi and abs(nxt - x) <= 1e-9 * min(nxt, 1 - nxt):
            return nxt
        if not lo < nxt < hi:
            nxt = math.sqrt(lo * hi) if lo > 0 and hi < 0.5 else (lo + hi) / 2
        if hi - lo <= 4e-16 * hi:
            return nxt
        x = nxt
    return x


def stdtr(df: float, t: float) -> float:
    """Student's t distribution function P(T ≤ t) on ``df`` degrees of freedom (scipy.special.stdtr)."""
    if t == 0 or math.isnan(t):
        return 0.5 if t == 0 else math.nan
    if math.isinf(t):
        return 0.0 if t < 0 else 1.0
    t2 = t * t
    tail = 0.5 * _ibeta(df / 2, 0.5, df / (df + t2), t2 / (df + t2))[0]  # P(T ≤ −|t|)
    return tail if t < 0 else 1 - tail


@lru_cache(maxsize=1024)
def stdtrit(df: float, p: float) -> float:
    """Student's t quantile: the t at which P(T ≤ t) = p on ``df`` degrees of freedom (scipy.special.stdtrit).
    Kept per (df, p): an interval's computation asks the same few again and again."""
    if p == 0.5:
        return 0.0
    if p > 0.5:
        return -stdtrit(df, 1 - p)
    # P(T ≤ t) = ½ I_x(df/2, ½), x = df/(df + t²), for t < 0: solved for y = 1 − x where it is the smaller (t near
    # 0, or df large), so that t² = df·y/(1 − y) keeps its precision.
    y = _inverse(0.5, df / 2, 1 - 2 * p, 2 * p)
    if y < 0.5:
        return -math.sqrt(df * y / (1 - y))
    x = betaincinv(df / 2, 0.5, 2 * p)
    return -math.sqrt(df * (1 - x) / x)


def chdtrc(k: float, x: float) -> float:
    """The χ² tail P(X > x) on ``k`` degrees of freedom (scipy.special.chdtrc): Q(k/2, x/2), the regularized upper
    incomplete gamma, by its series below s + 1 and its continued fraction above."""
    if x <= 0:
        return 1.0
    s, z = k / 2, x / 2
    front = math.exp(-z + s * math.log(z) - math.lgamma(s))
    if z < s + 1:
        term = total = 1 / s
        n = s
        for _ in range(_MAX_TERMS):
            n += 1
            term *= z / n
            total += term
            if abs(term) < abs(total) * _EPS:
                return 1 - front * total
        raise ArithmeticError(f"série de la loi du khi-deux non convergente (k={k}, x={x})")
    b = z + 1 - s
    c, d = 1 / _TINY, 1 / b
    h = d
    for i in range(1, _MAX_TERMS):
        num = -i * (i - s)
        b += 2
        d = num * d + b
        d = 1 / (d if abs(d) > _TINY else _TINY)
        c = b + num / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        if abs(d * c - 1) < _EPS:
            return front * h
    raise ArithmeticError(f"fraction continue de la loi du khi-deux non convergente (k={k}, x={x})")
