"""STDDEV and VARIANCE (LANGUAGE.md §10): the sample standard deviation and variance
(SQL's ``stddev_samp``/``var_samp``), exact.

In: the non-null values of one scope instance (generated code calls ``add`` per row,
``merge`` when a closing group rolls into its parent, ``variance``/``stddev`` at the
scope's end; ``peek`` gives a running value in ``detail`` without changing the state).
Out: None for fewer than two values; NaN where a NaN or an infinity is among them;
else the value from the exact count, sum and sum of squares:
``(n * Σx² - (Σx)²) / (n * (n - 1))``.

Exactness: ints and Decimals are summed exactly (Python ints; Decimals in the run's
wide context), and their result is a Decimal: the variance divided to the digits of
AVG (``DIVISION_DIGITS``), the standard deviation the Decimal square root of the exact
variance to as many digits. Floats are summed as exact integers (each finite float is
an integer times 2^-1074), so a float result is the exact value correctly rounded
(the square root within an ulp), whatever the values' order or magnitude — where a
running sum of squares in doubles cancels or overflows.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

from reportdsl.engine.functions.core import DIVISION_DIGITS, RowValueError, kind_word, show

_SHIFT = 1074  # 2^-1074, the smallest float: every finite float times 2^1074 is an integer


def _need_number(x) -> None:
    if isinstance(x, bool) or not isinstance(x, (int, float, Decimal)):
        raise RowValueError(f"cannot take a standard deviation or variance of {kind_word(x)} ({show(x)})")


class Moments:
    """Count, sum and sum of squares of the values so far."""

    __slots__ = ("n", "s1", "s2", "f1", "f2", "floats", "special", "check")

    def __init__(self, kind: str = "exact"):
        self.n = 0
        self.s1 = self.s2 = 0  # ints and Decimals, exactly
        self.f1 = self.f2 = 0  # floats, as integers: Σx * 2^1074 and Σx² * 2^2148
        self.floats = False
        self.special = False  # a NaN or an infinity came
        self.check = kind == "any"  # a source without types: test each value

    def add(self, x) -> None:
        if self.check:
            _need_number(x)
        self.n += 1
        if x.__class__ is float:
            self.floats = True
            if x - x != 0:  # NaN or an infinity
                self.special = True
                return
            m, d = x.as_integer_ratio()
            k = d.bit_length() - 1  # d == 2^k, k <= 1074
            self.f1 += m << (_SHIFT - k)
            self.f2 += (m * m) << (2 * (_SHIFT - k))
        elif x.__class__ is Decimal and not x.is_finite():
            self.special = True
        else:
            self.s1 += x
            self.s2 += x * x

    def merge(self, other: Moments) -> None:
        self.n += other.n
        self.s1 += other.s1
        self.s2 += other.s2
        self.f1 += other.f1
        self.f2 += other.f2
        self.floats |= other.floats
        self.special |= other.special

    def peek(self, x, stddev: bool):
        """The value with ``x`` (None: no value this row) added, nothing changed."""
        if x is None:
            return self.stddev() if stddev else self.variance()
        state = Moments()
        state.merge(self)
        state.check = self.check
        state.add(x)
        return state.stddev() if stddev else state.variance()

    def _numerator(self):
        """``n * Σx² - (Σx)²`` (exact), and the power of two it is scaled by: an int
        where only floats came (the common case: no ``Fraction``, whose reductions
        cost a running STDDEV ~30 µs a row), else a Decimal or a Fraction."""
        n = self.n
        if not self.floats:
            with localcontext() as ctx:
                ctx.prec = 200  # (Σx)² of wide decimals: exact
                return n * self.s2 - self.s1 * self.s1, 0
        if not self.s1 and not self.s2:  # no exact value, or only zeros
            return n * self.f2 - self.f1 * self.f1, 2 * _SHIFT
        total = (Fraction(self.s1) * (1 << _SHIFT)) + self.f1  # Σx * 2^1074, exact
        squares = Fraction(self.s2) * (1 << (2 * _SHIFT)) + self.f2
        return n * squares - total * total, 2 * _SHIFT

    def _quotient(self):
        """``n·Σx² − (Σx)²`` over ``n(n − 1)`` as (numerator, shift, denominator), the
        variance's exact parts; or the whole answer: None for fewer than two values,
        NaN where a NaN or an infinity is among them."""
        if self.n < 2:
            return None
        if self.special:
            return math.nan
        numerator, shift = self._numerator()
        return numerator, shift, self.n * (self.n - 1)

    def variance(self):
        parts = self._quotient()
        if not isinstance(parts, tuple):
            return parts
        numerator, shift, denominator = parts
        if not self.floats:
            with localcontext() as ctx:
                ctx.prec = DIVISION_DIGITS
                return Decimal(numerator) / denominator
        exact = Fraction(numerator)
        try:  # an int quotient is correctly rounded, as a Fraction's float
            return exact.numerator / (exact.denominator * (denominator << shift))
        except OverflowError:  # beyond the float range: as a double computation overflows
            return math.inf

    def stddev(self):
        parts = self._quotient()
        if not isinstance(parts, tuple):
            return parts
        numerator, shift, denominator = parts
        if not self.floats:
            with localcontext() as ctx:
                ctx.prec = DIVISION_DIGITS + 12  # the root of a variance exact to 40 digits
                root = (Decimal(numerator) / denominator).sqrt()
                ctx.prec = DIVISION_DIGITS
                return +root
        exact = Fraction(numerator)
        return _sqrt_float(exact.numerator, exact.denominator * (denominator << shift))


def _sqrt_float(num: int, den: int) -> float:
    """The square root of ``num / den`` (non-negative) as a float: an 80-bit integer
    root rounded once (within an ulp of the exact root)."""
    if not num:
        return 0.0
    t = 80 - (num.bit_length() - den.bit_length()) // 2  # the root times 2^t has ~80 bits
    root = math.isqrt((num << (2 * t)) // den) if t >= 0 else math.isqrt(num // (den << (-2 * t)))
    try:
        return math.ldexp(float(root), -t)
    except OverflowError:
        return math.inf
