"""How a plan's aggregates are computed: accumulator state and the code that moves it.

In: the plan's ``Aggregate`` list and its group levels. Out: an ``AggregateLayout``
that the runner generator asks for Python statements: per-row updates, roll-up of a
closing group into its parent, and final values.

Depths: 0 is the report, ``L + 1`` is group level ``L``; rows update only the
innermost depth. Non-running aggregates share *primitives* per argument (count,
sum, min, max, first, last, distinct set): ``SUM(x)`` in a customer footer and in
the summary read the same per-row ``sum(x)``, which a closing customer group adds
into its region and the region into the report. A row thus costs one update per
distinct (argument, primitive), whatever the number of scopes; memory per open
group is O(aggregates) except COUNT_DISTINCT's set.

Exact arithmetic: int and Decimal sums use Python's exact operators (the run's
decimal context is wide); float sums collect values and use ``math.fsum`` (exact,
correctly rounded), compacted to a (high, low) pair at chunk and group ends.
Running (detail) aggregates are in ``running``.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from pydantic import BaseModel

from reportdsl.engine.functions import DIVISION_DIGITS, RowValueError, kind_word, show
from reportdsl.engine.sorting import rank_key
from reportdsl.language import AGGREGATE_BY_NAME
from reportdsl.plan.models import Aggregate, Plan

ORDERED_TYPES = ("int", "decimal", "float", "string", "date", "datetime", "bool")


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

RUNTIME = {
    "_fsum": float_sum, "_fpair": fsum_pair, "_davg": average, "_neumaier": neumaier,
    "_ntotal": neumaier_total, "_sum_any": sum_any, "_total_any": total_any, "_avg_any": avg_any,
    "_rsum_any": running_sum_any, "_rtotal_any": running_total_any, "_ravg_any": running_avg_any,
    "_min_any": min_any, "_max_any": max_any, "_ABOVE": ABOVE, "_BELOW": BELOW, "_NAN": NAN,
}


def canonical(expr) -> str:
    """An expression's identity without its position: equal arguments share state.
    (A walk over the fields, not ``model_dump``: that would build pydantic's serializer
    for every expression model, ~20 ms of a short build.)"""
    return repr(_without_spans(expr))


def _without_spans(value):
    if isinstance(value, BaseModel):
        return (type(value).__name__, tuple((name, _without_spans(v)) for name, v in value.__dict__.items()
                                            if name != "span"))
    if isinstance(value, (list, tuple)):
        return tuple(_without_spans(v) for v in value)
    return value


@dataclass
class Arg:
    index: int
    expr: object
    type: str
    prims_at: dict[int, set[str]] = field(default_factory=dict)  # depth -> primitives
    alias: str | None = None  # the local already holding the value (a plain column)

    @property
    def var(self) -> str:
        return self.alias or f"x{self.index}"


class AggregateLayout:
    def __init__(self, plan: Plan):
        self.plan = plan
        self.levels = len(plan.groups)
        self.inner = self.levels  # the depth rows update
        self.depth_of = {"report": 0} | {g.name: i + 1 for i, g in enumerate(plan.groups)}
        self.args: list[Arg] = []
        self._arg_by_key: dict[str, Arg] = {}
        self.aggs = {a.id: a for a in plan.aggregates}
        self.running = [a for a in plan.aggregates if a.running]
        self.arg_scales: dict[int, int] = {}  # Arg.index -> scale, for scaled-integer arguments
        self.by_depth: dict[int, list[Aggregate]] = {d: [] for d in range(self.inner + 1)}
        for a in plan.aggregates:
            if a.scope not in self.depth_of:
                raise ValueError(f"aggregate {a.text} has unknown scope {a.scope}")
            arg = self._arg(a.arg) if a.arg is not None else None
            if a.running:
                continue
            d = self.depth_of[a.scope]
            self.by_depth[d].append(a)
            if arg is not None:
                prims = set(AGGREGATE_BY_NAME[a.func].primitives)
                if a.func == "min" and self.is_float(arg):
                    prims.add("nul")  # a MIN of only NaNs is NaN, of no value null
                for depth in range(d, self.inner + 1):
                    arg.prims_at.setdefault(depth, set()).update(prims)

    def _arg(self, expr) -> Arg:
        key = canonical(expr)
        arg = self._arg_by_key.get(key)
        if arg is None:
            arg = Arg(len(self.args), expr, expr.type)
            self.args.append(arg)
            self._arg_by_key[key] = arg
        return arg

    def arg_of(self, a: Aggregate) -> Arg | None:
        return None if a.arg is None else self._arg_by_key[canonical(a.arg)]

    # ---- state -----------------------------------------------------------------

    @staticmethod
    def state(prim: str, arg: Arg, depth: int) -> str:
        return f"{prim}{depth}_{arg.index}"

    def is_float(self, arg: Arg) -> bool:
        return arg.type == "float"

    def _init(self, prim: str, arg: Arg) -> str:
        if prim == "nul":
            return "0"
        if prim == "sum":
            return "[]" if self.is_float(arg) else "0"
        if prim == "set":
            return "set()"
        if prim in ("min", "max") and self.bounded(arg):
            return "_ABOVE" if prim == "min" else "_BELOW"
        return "None"

    @staticmethod
    def distinct(arg: Arg) -> str:
        """What COUNT_DISTINCT's set holds for the value: every NaN as one (§15)."""
        x = arg.var
        if arg.type == "float" or arg.type not in ORDERED_TYPES:
            return f"({x} if {x} == {x} else _NAN)"
        return x

    @staticmethod
    def bounded(arg: Arg) -> bool:
        """Whether ``arg``'s MIN/MAX start from the bounds ``_ABOVE``/``_BELOW`` rather
        than None: a row then costs one comparison (``x < min``) instead of two."""
        return arg.type in ORDERED_TYPES

    def init_lines(self, depth: int) -> list[str]:
        out = [f"rc{depth} = 0"]
        for arg in self.args:
            for prim in sorted(arg.prims_at.get(depth, ())):
                out.append(f"{self.state(prim, arg, depth)} = {self._init(prim, arg)}")
        return out

    def float_buffers(self, depth: int) -> list[str]:
        return [self.state("sum", a, depth) for a in self.args
                if "sum" in a.prims_at.get(depth, ()) and self.is_float(a)]

    # ---- per row ---------------------------------------------------------------

    def row_update_lines(self) -> list[str]:
        """Statements adding the row (its arguments already in ``x*``) at the innermost depth."""
        d = self.inner
        out = [f"rc{d} += 1"]
        for arg in self.args:
            prims = arg.prims_at.get(d, set())
            if not prims:
                continue
            x = arg.var
            body = self._update_body(arg, prims, d)
            # Non-null counts are kept as null counts (count = rows - nulls): the
            # else branch costs nothing on columns without nulls.
            if body:
                out.append(f"if {x} is not None:")
                out.extend("    " + b for b in body)
                if "nul" in prims:
                    out.append(f"else: {self.state('nul', arg, d)} += 1")
            elif "nul" in prims:
                out.append(f"if {x} is None: {self.state('nul', arg, d)} += 1")
        return out

    def _update_body(self, arg: Arg, prims: set[str], d: int) -> list[str]:
        """The statements adding a non-null value of ``arg`` to its primitives at ``d``."""
        x = arg.var
        body = []
        st = lambda p: self.state(p, arg, d)  # noqa: E731
        generic = arg.type not in ORDERED_TYPES
        if "first" in prims:
            body.append(f"if {st('first')} is None: {st('first')} = {x}")
        if "sum" in prims:
            if self.is_float(arg):
                body.append(f"{st('sum')}.append({x})")
            elif generic:
                body.append(f"{st('sum')} = _sum_any({st('sum')}, {x})")
            else:
                body.append(f"{st('sum')} += {x}")
        for prim, op in (("min", "<"), ("max", ">")):
            if prim in prims:
                if generic:
                    body.append(f"{st(prim)} = _{prim}_any({st(prim)}, {x})")
                elif prim == "max" and self.is_float(arg):  # a NaN is the MAX (§15)
                    body.append(f"if {x} > {st(prim)} or {x} != {x}: {st(prim)} = {x}")
                else:
                    body.append(f"if {x} {op} {st(prim)}: {st(prim)} = {x}")
        if "last" in prims:
            body.append(f"{st('last')} = {x}")
        if "set" in prims:
            body.append(f"{st('set')}.add({self.distinct(arg)})")
        return body

    # ---- closing a group ----------------------------------------------------------

    def final_expr(self, a: Aggregate, depth: int) -> str:
        """The final value of non-running aggregate ``a`` from the state at ``depth``."""
        if a.func == "count" and a.arg is None:
            return f"rc{depth}"
        arg = self.arg_of(a)
        if arg is None:  # Aggregate.arg allows it, but only COUNT() has no argument
            raise ValueError(f"aggregate {a.id} ({a.func}) has no argument")
        scale = self.arg_scales.get(arg.index)

        def st(prim: str) -> str:
            state = self.state(prim, arg, depth)
            if scale is None or prim in ("nul", "set"):
                return state
            # a scaled-integer argument's sums and values become Decimals here, once
            # per group (see ``scaled``); a sum is read only when it has values
            back = f"_Dec({state}).scaleb({-scale})"
            return back if prim == "sum" else f"(None if {state} is {none(prim)} else {back})"

        def none(prim: str) -> str:  # what the state holds before any value
            if prim in ("min", "max") and self.bounded(arg):
                return "_ABOVE" if prim == "min" else "_BELOW"
            return "None"

        count = f"(rc{depth} - {st('nul')})"
        if a.func == "count":
            return count
        if a.func in ("sum", "avg"):
            return self._sum_final(a, arg, st("sum"), count)
        if a.func == "count_distinct":
            return f"len({st('set')})"
        if a.func == "min" and self.is_float(arg):  # NaN never enters: see _Above
            return f"(((_NAN if {count} else None) if {st('min')} is _ABOVE else {st('min')}))"
        if scale is None and none(a.func) != "None":
            return f"(None if {st(a.func)} is {none(a.func)} else {st(a.func)})"
        return st(a.func)

    def _sum_final(self, a: Aggregate, arg: Arg, total: str, count: str) -> str:
        """SUM or AVG from the sum state ``total`` and the non-null ``count``."""
        if arg.type not in ORDERED_TYPES:  # a number, or a list of floats (``sum_any``)
            if a.func == "sum":
                return f"(_total_any({total}) if {count} else None)"
            return f"(_avg_any({total}, {count}) if {count} else None)"
        if self.is_float(arg):
            total = f"_fsum({total})"
        if a.func == "sum":
            return f"({total} if {count} else None)"
        if self.is_float(arg) or a.type == "float":
            return f"(float({total}) / {count} if {count} else None)"
        return f"(_davg({total}, {count}) if {count} else None)"

    def merge_lines(self, depth: int) -> list[str]:
        """Roll the closing group's state at ``depth`` into ``depth - 1``, then reset it."""
        up = depth - 1
        out = [f"rc{up} += rc{depth}"]
        for arg in self.args:
            here = arg.prims_at.get(depth, set())
            there = arg.prims_at.get(up, set())
            s = lambda p, arg=arg: self.state(p, arg, depth)  # noqa: E731
            t = lambda p, arg=arg: self.state(p, arg, up)  # noqa: E731
            generic = arg.type not in ORDERED_TYPES
            for prim in sorted(here & there):
                if prim == "nul":
                    out.append(f"{t('nul')} += {s('nul')}")
                elif prim == "sum":
                    if self.is_float(arg):
                        out.append(f"{t('sum')}.extend(_fpair({s('sum')}))")
                        out.append(f"if len({t('sum')}) > 64: {t('sum')}[:] = _fpair({t('sum')})")
                    elif generic:
                        out.append(f"{t('sum')} = _sum_any({t('sum')}, {s('sum')})")
                    else:
                        out.append(f"{t('sum')} += {s('sum')}")
                elif prim in ("min", "max"):
                    op = "<" if prim == "min" else ">"
                    if generic:
                        out.append(f"if {s(prim)} is not None: {t(prim)} = _{prim}_any({t(prim)}, {s(prim)})")
                    elif prim == "max" and self.is_float(arg):  # _BELOW != _BELOW is false
                        out.append(f"if {s(prim)} > {t(prim)} or {s(prim)} != {s(prim)}: {t(prim)} = {s(prim)}")
                    else:  # the bounds order themselves outside every value
                        out.append(f"if {s(prim)} {op} {t(prim)}: {t(prim)} = {s(prim)}")
                elif prim == "first":
                    out.append(f"if {t('first')} is None: {t('first')} = {s('first')}")
                elif prim == "last":
                    out.append(f"if {s('last')} is not None: {t('last')} = {s('last')}")
                elif prim == "set":
                    out.append(f"{t('set')} |= {s('set')}")
        out.extend(self.init_lines(depth))
        return out
