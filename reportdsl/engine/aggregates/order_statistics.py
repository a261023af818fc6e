"""MEDIAN and PERCENTILE (LANGUAGE.md §10): the values of a scope, and the value at a
fraction of their order, as SQL's ``percentile_cont`` gives it.

In: the non-null values of one scope instance (generated code calls ``add`` per row,
``merge`` when a closing group rolls into its parent, ``percentile`` at the scope's
end), and for running values in ``detail`` the same one row at a time (``peek`` the
value with this row, ``add`` once the row commits). Out: the interpolated value, or
None for no value.

Only open scope instances hold values: a closing group's list is merged into its
parent only where an enclosing scope's aggregate needs them (``AggregateLayout``),
else dropped with the group. NaN sorts above every number (§15): NaNs are counted,
not stored, and stand at the top of the order. Exactness: of ints and decimals the
result is a Decimal computed exactly (position ``p * (n - 1)`` and the interpolation
in decimal arithmetic); where the values are floats, the position is SQL's in doubles
(``p * (n - 1)``, as PostgreSQL and DuckDB compute it) and the interpolation between
its neighbours is exact, rounded once: databases round it their own ways (PostgreSQL
``lo + (hi - lo) * d``, DuckDB ``lo * (1 - d) + hi * d``), which agree with it to a
relative 1e-15 or so. Between an infinity and a number the result is that infinity,
between both infinities NaN (§15: a mean of both is NaN), as DuckDB gives them.
"""

from __future__ import annotations

import math
from bisect import bisect_right, insort
from collections.abc import Callable
from decimal import Decimal

from reportdsl.engine.functions.core import RowValueError, kind_word, show

# what the generated code knows of the values' kind: "float", "exact" (int or
# decimal), or "any" (a source without types: decided by the values)
KINDS = ("float", "exact", "any")


def _need_number(x) -> None:
    if isinstance(x, bool) or not isinstance(x, (int, float, Decimal)):
        raise RowValueError(f"cannot take a median or percentile of {kind_word(x)} ({show(x)})")


class Values:
    """The values of one scope instance, in arrival order until a percentile sorts them."""

    __slots__ = ("items", "nans", "kind")

    def __init__(self, kind: str):
        self.items: list = []
        self.nans = 0
        self.kind = kind

    def add(self, x) -> None:
        if self.kind == "any":
            _need_number(x)
        if x != x:  # NaN (float or Decimal): above every number
            self.nans += 1
        else:
            self.items.append(x)

    def merge(self, other: Values) -> None:
        # sorted runs (a child sorted at its close) make the parent's sort a merge
        self.items.extend(other.items)
        self.nans += other.nans

    def percentile(self, p: Decimal):
        n = len(self.items) + self.nans
        if not n:
            return None
        self.items.sort()
        items = self.items
        return _interpolate(lambda k: items[k] if k < len(items) else math.nan, n, p, self._floats())

    def _floats(self) -> bool:
        if self.kind != "any":
            return self.kind == "float" or self.nans > 0
        return self.nans > 0 or any(v.__class__ is float for v in self.items)


class RunningValues:
    """Running MEDIAN/PERCENTILE in ``detail``: a sorted list, one insertion a row
    (``insort``: a memory move, not a sort), restarted with its scope instance."""

    __slots__ = ("items", "nans", "kind", "floats")

    def __init__(self, kind: str):
        self.items: list = []
        self.nans = 0
        self.kind = kind
        self.floats = kind == "float"

    def peek(self, x, p: Decimal):
        """The value with ``x`` (None: no value this row) added, nothing changed."""
        items, n = self.items, len(self.items) + self.nans
        if x is None:
            if not n:
                return None
            return _interpolate(lambda k: items[k] if k < len(items) else math.nan, n, p, self.floats)
        if self.kind == "any":
            _need_number(x)
        floats = self.floats or x.__class__ is float
        if x != x:
            return _interpolate(lambda k: items[k] if k < len(items) else math.nan, n + 1, p, True)
        at = bisect_right(items, x)

        def get(k: int):
            if k < at:
                return items[k]
            if k == at:
                return x
            return items[k - 1] if k - 1 < len(items) else math.nan

        return _interpolate(get, n + 1, p, floats)

    def add(self, x) -> None:
        if x is None:
            return
        if x.__class__ is float:
            self.floats = True
        if x != x:
            self.nans += 1
            self.floats = True
        else:
            insort(self.items, x)


def _between(lo: float, hi: float, d: float) -> float:
    """The float at ``d`` (0 < d < 1) of the way from ``lo`` to ``hi`` (``lo <= hi``, or
    ``hi`` NaN), exactly rounded."""
    if lo == hi or lo != lo:
        return lo
    if hi != hi:
        return hi
    if lo - lo != 0 or hi - hi != 0:  # an infinity: it, or NaN for -inf and inf
        return lo + hi
    # lo + (hi - lo) * d over the common denominator (powers of two); Python's int
    # division rounds correctly
    a, ad = lo.as_integer_ratio()
    b, bd = hi.as_integer_ratio()
    t, td = d.as_integer_ratio()
    return (a * bd * td + (b * ad - a * bd) * t) / (ad * bd * td)


def _interpolate(get: Callable[[int], object], n: int, p: Decimal, floats: bool):
    """``percentile_cont``: the value at position ``p * (n - 1)`` of the order, linear
    between its two neighbours."""
    if floats:
        rn = float(p) * (n - 1)
        lo_k = math.floor(rn)
        lo = float(get(lo_k))  # type: ignore[arg-type]
        if lo_k == rn:
            return lo
        return _between(lo, float(get(lo_k + 1)), rn - lo_k)  # type: ignore[arg-type]
    position = p * (n - 1)
    lo_k = int(position)  # position >= 0: int() is floor
    low = Decimal(get(lo_k))  # type: ignore[arg-type]
    frac = position - lo_k
    if not frac:
        return low
    return low + (Decimal(get(lo_k + 1)) - low) * frac  # type: ignore[arg-type]
