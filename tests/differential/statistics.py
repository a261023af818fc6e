"""The referee's STDDEV, VARIANCE, MEDIAN and PERCENTILE (LANGUAGE.md §10).

In: a call, its argument's type, DuckDB's own answer (``stddev_samp``, ``var_samp`` or
``quantile_cont``) and the values DuckDB's filter selected (``list(x)``). Out: the value
reportdsl must give: the exact value computed here from the values, independently of
reportdsl (the mean first, then the squared deviations; a sort and
``percentile_cont``'s interpolation), rounded as LANGUAGE.md promises: ints and
decimals to a Decimal of 28 significant digits (the percentile exactly), floats
correctly rounded. DuckDB's answer must agree with the exact one wherever doubles can
hold it (finite, well-conditioned data; NaN and infinities exactly).
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction


def statistic(call, kind: str, duck, values: list):
    values = [v for v in values or () if v is not None]  # list() of no row is null
    floats = kind == "float"
    if call.func in ("median", "percentile"):
        p = "0.5" if call.func == "median" else call.fraction
        if floats:
            want_float = _float_percentile(values, float(p))
            if want_float is None or math.isfinite(want_float):
                _agrees("quantile_cont", duck, want_float, values)
            else:  # NaN, or an infinity the values hold: DuckDB's answer is the same
                assert duck is not None and (duck == want_float or (math.isnan(duck) and math.isnan(want_float)))
            return want_float
        want = _percentile(values, Decimal(p))
        _agrees("quantile_cont", duck, want, values)
        return want
    if len(values) < 2:
        assert duck is None or (isinstance(duck, float) and math.isnan(duck)), duck
        return None
    if floats and any(not math.isfinite(v) for v in values):
        return math.nan
    exact = _variance([Fraction(v) for v in values])
    if call.func == "variance":
        want = _float(exact) if floats else _decimal(exact)
    else:
        root = _root(exact)
        want = float(root) if floats else _rounded(root)
    mean = sum(map(Fraction, values)) / len(values)
    # doubles hold the squares only between 1e-150 and 1e150: past that DuckDB's sums
    # of squares underflow (to 0: values [0.0, 3.4e-221]) or overflow
    largest = max(abs(v) for v in values)
    in_range = largest < 1e150 and (largest == 0 or largest > 1e-150)
    well_conditioned = in_range and (exact == 0 or mean * mean < exact * 10**4)
    if well_conditioned:
        _agrees("stddev_samp/var_samp", duck, want, values)
    return want


def _variance(xs: list[Fraction]) -> Fraction:
    mean = sum(xs) / len(xs)
    return sum((x - mean) ** 2 for x in xs) / (len(xs) - 1)


def _float(q: Fraction) -> float:
    try:
        return float(q)
    except OverflowError:
        return math.inf


def _decimal(q: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 28
        return Decimal(q.numerator) / Decimal(q.denominator)


def _root(q: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return (Decimal(q.numerator) / Decimal(q.denominator)).sqrt()


def _rounded(d: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 28
        return +d


def _percentile(values: list, p: Decimal) -> Decimal | None:
    ordered = sorted(values)
    if not ordered:
        return None
    position = p * (len(ordered) - 1)
    lo = int(position)
    low = Decimal(ordered[lo])
    return low if position == lo else low + (Decimal(ordered[lo + 1]) - low) * (position - lo)


def _float_percentile(values: list, p: float) -> float | None:
    """``percentile_cont`` of floats: the position in doubles, NaN above every number,
    the exact interpolation rounded once; an infinity's neighbourhood is that infinity."""
    ordered = sorted(v for v in values if not math.isnan(v)) + [v for v in values if math.isnan(v)]
    if not ordered:
        return None
    rn = p * (len(ordered) - 1)
    lo = math.floor(rn)
    a = ordered[lo]
    if lo == rn:
        return a
    b = ordered[lo + 1]
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == b:
        return a
    if math.isinf(a) or math.isinf(b):
        return math.nan if math.isinf(a) and math.isinf(b) else (a if math.isinf(a) else b)
    return float(Fraction(a) + (Fraction(b) - Fraction(a)) * Fraction(rn - lo))


def _agrees(what: str, duck, want, values: list) -> None:
    if want is None:
        assert duck is None, (what, duck, values)
        return
    scale = max((abs(float(v)) for v in values if math.isfinite(v)), default=1.0)
    assert duck is not None and math.isclose(float(want), duck, rel_tol=1e-9, abs_tol=1e-12 * scale), (
        f"DuckDB's {what} gives {duck!r}, the exact value is {want!r} (values {values!r})")
