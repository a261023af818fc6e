"""The values aggregates compute with, called by generated code: exact and correctly
rounded float sums, averages, sums and orders of values of undeclared type, and the
markers MIN and MAX start from.

In: Python values (floats, ints, Decimals; ``None`` is null). Out: the running state
and final values of LANGUAGE.md §6 and §15 aggregates (NaN and infinities never an
error). ``aggregates.RUNTIME`` gives them their names in generated code.
"""

from __future__ import annotations

import math
import sys
from decimal import Decimal, localcontext

from reportdsl.engine.functions.core import DIVISION_DIGITS, RowValueError, kind_word, show
from reportdsl.engine.sorting import rank_key

_FLOAT_MAX = sys.float_info.max


def float_sum(values: list) -> float:
    """The correctly rounded sum of floats (§15), never an error: NaN where a NaN or
    both infinities are among them, an infinity where one is (or where the exact sum
    is beyond the float range), else ``math.fsum`` (exact even where partial sums
    overflow)."""
    try:
        return math.fsum(values)
    except ValueError:  # -inf + inf
        return math.nan
    except OverflowError:  # a partial sum overflowed: specials decide, else the exact sum
        special = [v for v in values if v - v != 0]
        if special:
            if any(v != v for v in special) or (math.inf in special and -math.inf in special):
                return math.nan
            return special[0]
        total = _exact_sum(values)
        try:
            return float(total)
        except OverflowError:
            return math.inf if total > 0 else -math.inf


def fsum_pair(values: list) -> list:
    """``values`` (floats) replaced by at most a few floats with the same exact sum
    (to ~2^-106); values that hold NaN or an infinity by the one float they sum to."""
    hi = float_sum(values)
    if hi - hi != 0:  # NaN or an infinity
        if hi != hi or any(v - v != 0 for v in values):
            return [hi]  # what any later value makes of it is what it makes of this
        return _exact_parts(values)  # finite values whose exact sum is beyond the range
    values.append(-hi)
    return [hi, float_sum(values)]


def _exact_sum(values: list):
    """The exact sum of finite floats, as a Fraction (imported only here: rare)."""
    from fractions import Fraction

    return sum(map(Fraction, values), Fraction(0))


def _exact_parts(values: list) -> list:
    from fractions import Fraction

    total = _exact_sum(values)
    parts = []
    while abs(total) > _FLOAT_MAX:
        step = _FLOAT_MAX if total > 0 else -_FLOAT_MAX
        parts.append(step)
        total -= Fraction(step)
    hi = float(total)
    return [*parts, hi, float(total - Fraction(hi))]


def average(total, count: int):
    """AVG of exact values: a Decimal to the precision SQL databases give."""
    with localcontext() as ctx:
        ctx.prec = DIVISION_DIGITS
        return Decimal(total) / count


def neumaier(state: tuple, x) -> tuple:
    """Compensated running float sum: (sum, compensation) plus ``x``. Once the sum is
    NaN or an infinity the compensation means nothing: read it with ``neumaier_total``."""
    s, c = state
    x = float(x)
    t = s + x
    if abs(s) >= abs(x):
        c += (s - t) + x
    else:
        c += (x - t) + s
    return (t, c)


def neumaier_total(state: tuple) -> float:
    s, c = state
    return s + c if s - s == 0 else s


# ---- values of undeclared type (untyped sources) ------------------------------------
# A sum holds an int or a Decimal, exactly, until a float comes: from then on a list
# of floats (summed by ``float_sum``, like a float column's) or, for running sums, a
# Neumaier pair. An average is a float where the sum is.


def _need_number(x) -> None:
    if isinstance(x, bool) or not isinstance(x, (int, float, Decimal)):
        raise RowValueError(f"cannot sum {kind_word(x)} ({show(x)})")


def sum_any(total, x):
    """``total`` (a number, or a list of floats) plus ``x``, or plus another such total."""
    if total.__class__ is list:
        if x.__class__ is list:
            total.extend(x)
        else:
            _need_number(x)
            total.append(float(x))
        if len(total) > 4096:
            total[:] = fsum_pair(total)
        return total
    if x.__class__ is list:
        return [float(total), *x] if total else list(x)
    _need_number(x)
    if isinstance(x, float):
        return [float(total), x] if total else [x]
    return total + x


def total_any(total):
    """A sum of values of undeclared type: the number, or the floats' sum."""
    return float_sum(total) if total.__class__ is list else total


def avg_any(total, count: int):
    if total.__class__ is list:
        return float_sum(total) / count
    return average(total, count)


def running_sum_any(state, x):
    """A running sum of values of undeclared type: a number, or a Neumaier pair once a
    float comes (never changed in place: the row may still fail)."""
    _need_number(x)
    if state.__class__ is tuple:
        return neumaier(state, x)
    if isinstance(x, float):
        return neumaier((float(state), 0.0), x)
    return state + x


def running_total_any(state):
    return neumaier_total(state) if state.__class__ is tuple else state


def running_avg_any(state, count: int):
    if state.__class__ is tuple:
        return neumaier_total(state) / count
    return average(state, count)


def _order_any(a, b, smaller: bool):
    """MIN (``smaller``) or MAX of two values of undeclared type: NaN is above every
    other number (§15), values of different kinds order as ``rank_key`` says."""
    if a is None:
        return b
    if b is None:
        return a
    try:
        if smaller:
            if b < a or (a != a and b == b):
                return b
        elif b > a or (b != b and a == a):
            return b
        return a
    except TypeError:
        ka, kb = rank_key(a), rank_key(b)
        return (b if kb < ka else a) if smaller else (b if kb > ka else a)


def min_any(a, b):
    return _order_any(a, b, True)


def max_any(a, b):
    return _order_any(a, b, False)


class _Above:
    """Greater than every value but NaN: the MIN of no values yet. Values' own
    comparisons return NotImplemented for it, so Python asks it (once per group:
    after the first value the state holds a value)."""

    __slots__ = ()

    def __gt__(self, other) -> bool:
        # a NaN never becomes a MIN: it is above every number (§15); a float MIN
        # of only NaNs is told apart from no value by its count (``final_expr``)
        return other is not self and other == other

    def __lt__(self, other) -> bool:
        return False

    def __repr__(self) -> str:
        return "_ABOVE"


class _Below:
    """Less than every value: the MAX of no values yet."""

    __slots__ = ()

    def __gt__(self, other) -> bool:
        return False

    def __lt__(self, other) -> bool:
        return other is not self

    def __repr__(self) -> str:
        return "_BELOW"


ABOVE, BELOW = _Above(), _Below()

# The one NaN that COUNT_DISTINCT's sets hold for every NaN (sets find it by identity).
NAN = math.nan
