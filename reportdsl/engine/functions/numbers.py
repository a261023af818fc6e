"""Runtime operations on numbers and choices (LANGUAGE.md §11, §15–§16): floor, ceil,
sqrt, power, greatest, least, nullif (``mod`` is ``%``'s operation, functions.mod).

In: Python values (``None`` is null). Out: values of the argument's kind — an int
stays an int, a decimal a ``Decimal`` (exact wherever the result is a finite
decimal), a float a float — or ``RowValueError`` naming the function (the square
root of a negative number, a power with no real result or too many digits).
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext

from reportdsl.engine.functions.core import DIVISION_DIGITS, RowValueError, _is_number, eq, gt, kind_word, lt, show

# A power with more digits than this is an error rather than minutes of arithmetic
# (ints are unbounded, §15, but 2 ** 10 ** 9 would take the build down).
MAX_POWER_DIGITS = 10_000


def _need_number(v, fn: str, at):
    if not _is_number(v):
        raise RowValueError(f"{fn}() needs a number, got {kind_word(v)} ({show(v)})", at)
    return v


def _integral(v, rounding: str, fn: str, at):
    v = _need_number(v, fn, at)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return v if v - v != 0 else float(math.floor(v) if rounding == ROUND_FLOOR else math.ceil(v))
    if not v.is_finite():
        return v
    r = v.to_integral_value(rounding=rounding)
    return r if r else abs(r)  # ceil(-0.5) is 0, not -0


def f_floor(v, at=None):
    return None if v is None else _integral(v, ROUND_FLOOR, "floor", at)


def f_ceil(v, at=None):
    return None if v is None else _integral(v, ROUND_CEILING, "ceil", at)


def f_sqrt(v, at=None):
    """A float's root is a float; an int's or a decimal's a decimal, computed by
    ``Decimal.sqrt`` in the run's decimal context (60 significant digits)."""
    if v is None:
        return None
    v = _need_number(v, "sqrt", at)
    if isinstance(v, float):
        if v < 0:
            raise RowValueError(f"sqrt() of a negative number ({show(v)})", at)
        return math.sqrt(v) if v == v else v
    d = Decimal(v)
    if d.is_nan():
        return d
    if d < 0:
        raise RowValueError(f"sqrt() of a negative number ({show(v)})", at)
    return d.sqrt()


def f_power(x, y, at=None):
    """``x ** y``: a float if either is a float, else a decimal — exact for a whole
    ``y`` ≥ 0, rounded to 28 significant digits otherwise (as ``/`` rounds)."""
    if x is None or y is None:
        return None
    x, y = _need_number(x, "power", at), _need_number(y, "power", at)
    if isinstance(x, float) or isinstance(y, float):
        try:
            return math.pow(float(x), float(y))
        except OverflowError:
            raise RowValueError(f"power(): {show(x)} to the power {show(y)} is too large for a float", at) from None
        except ValueError:
            raise RowValueError(f"power(): {show(x)} to the power {show(y)} has no real value", at) from None
    base, exponent = Decimal(x), Decimal(y)
    if not (base.is_finite() and exponent.is_finite()):
        raise RowValueError(f"power() of {show(x)} and {show(y)}: not a finite number", at)
    try:
        if exponent == exponent.to_integral_value():
            return _whole_power(base, int(exponent), x, y, at)
        if base < 0:
            raise RowValueError(f"power(): {show(x)} to the power {show(y)} has no real value", at)
        if not base:
            if exponent < 0:
                raise RowValueError(f"power(): 0 to a negative power ({show(y)}) has no value", at)
            return Decimal(0)
        with localcontext() as ctx:
            ctx.prec = DIVISION_DIGITS
            return base ** exponent
    except ArithmeticError:  # Overflow, Underflow, InvalidOperation past the exponent limits
        raise RowValueError(f"power(): {show(x)} to the power {show(y)} is out of range", at) from None


def _whole_power(base: Decimal, n: int, x, y, at) -> Decimal:
    if n == 0:
        return Decimal(1)  # also 0 to the power 0, as SQL and Python's ints say
    if not base:
        if n < 0:
            raise RowValueError(f"power(): 0 to a negative power ({show(y)}) has no value", at)
        return Decimal(0)
    digits = len(base.as_tuple().digits) * abs(n)
    if digits > MAX_POWER_DIGITS or abs(base.adjusted() * n) > MAX_POWER_DIGITS:
        raise RowValueError(f"power(): {show(x)} to the power {show(y)} has more than "
                            f"{MAX_POWER_DIGITS} digits", at)
    with localcontext() as ctx:
        ctx.prec = digits + 1  # room for every digit: the product is exact
        whole = base ** abs(n)
    if n > 0:
        return whole
    with localcontext() as ctx:
        ctx.prec = DIVISION_DIGITS
        return Decimal(1) / whole


def _extreme(values: tuple, better, at):
    """The first non-null value no other beats (``better(a, b)``: a beats b)."""
    best = None
    for v in values:
        if v is not None and (best is None or better(v, best, at)):
            best = v
    return best


def f_greatest(values: tuple, at=None):
    """The largest non-null value (NaN above every number, §15); null when all are."""
    return _extreme(values, gt, at)


def f_least(values: tuple, at=None):
    return _extreme(values, lt, at)


def f_nullif(a, b, at=None):
    """Null where ``a`` equals ``b`` (as ``==`` says); ``nullif(a, null)`` is ``a``."""
    if a is None or b is None:
        return a
    return None if eq(a, b, at) else a
