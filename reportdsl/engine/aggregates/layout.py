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
Running (detail) aggregates are in ``running``; the values they compute with in
``aggregate_values``; STDDEV/VARIANCE keep ``moments.Moments``, MEDIAN/PERCENTILE
``order_statistics.Values`` (the primitives ``moments`` and ``values``).

Filters (``AGG(e where COND)``): an argument is the pair (expression, filter). Each
distinct filter is computed once a row (``w0``…); a filtered argument's local holds
its value where the filter is true and None elsewhere, so every primitive skips the
row as it skips a null. Its count of values is kept (``num``) rather than derived
from the group's row count (``nul``); ``COUNT(where COND)`` is an argument with no
expression whose local is the filter itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from pydantic import BaseModel

from reportdsl.engine.aggregates.moments import Moments
from reportdsl.engine.aggregates.order_statistics import RunningValues, Values
from reportdsl.engine.aggregates.values import (
    ABOVE,
    BELOW,
    NAN,
    average,
    avg_any,
    float_sum,
    fsum_pair,
    max_any,
    min_any,
    neumaier,
    neumaier_total,
    running_avg_any,
    running_sum_any,
    running_total_any,
    sum_any,
    total_any,
)
from reportdsl.engine.stream.events import PageFormula
from reportdsl.language import AGGREGATE_BY_NAME
from reportdsl.plan.models import Aggregate, Expr, Plan

PAGE_SCOPE = "page"  # the scope of page values (plan.expressions.PAGE)
ORDERED_TYPES = ("int", "decimal", "float", "string", "date", "datetime", "bool")


RUNTIME = {
    "_fsum": float_sum, "_fpair": fsum_pair, "_davg": average, "_neumaier": neumaier,
    "_ntotal": neumaier_total, "_sum_any": sum_any, "_total_any": total_any, "_avg_any": avg_any,
    "_rsum_any": running_sum_any, "_rtotal_any": running_total_any, "_ravg_any": running_avg_any,
    "_min_any": min_any, "_max_any": max_any, "_ABOVE": ABOVE, "_BELOW": BELOW, "_NAN": NAN,
    "_Moments": Moments, "_Values": Values, "_RValues": RunningValues, "_HALF": Decimal("0.5"),
    "_PageFormula": PageFormula,
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
    expr: object  # None: COUNT(where COND), which counts the rows the filter keeps
    type: str
    prims_at: dict[int, set[str]] = field(default_factory=dict)  # depth -> primitives
    alias: str | None = None  # the local already holding the value (a plain column)
    filter: Expr | None = None  # the plan expression of `where COND`
    filter_var: str | None = None  # the local holding the filter's truth (``w0``…)

    @property
    def var(self) -> str:
        if self.expr is None and self.filter_var is not None:
            return self.filter_var
        return self.alias or f"x{self.index}"

    @property
    def present(self) -> str:
        """Code true when the row brings this argument a value."""
        return self.var if self.expr is None else f"{self.var} is not None"

    @property
    def kind(self) -> str:
        """What order statistics and moments know of its values (see ``order_statistics``)."""
        return "float" if self.type == "float" else "exact" if self.type in ("int", "decimal") else "any"


class AggregateLayout:
    def __init__(self, plan: Plan):
        self.plan = plan
        self.levels = len(plan.groups)
        self.inner = self.levels  # the depth rows update
        self.depth_of = {"report": 0} | {g.name: i + 1 for i, g in enumerate(plan.groups)}
        self.args: list[Arg] = []
        self._arg_by_key: dict[str, Arg] = {}
        self.aggs = {a.id: a for a in plan.aggregates}
        # Page values (§13) are computed by the renderer per page; the engine gives it
        # their arguments with each detail row (``page_row``).
        self.page = [a for a in plan.aggregates if a.scope == PAGE_SCOPE]
        self.running = [a for a in plan.aggregates if a.running and a.scope != PAGE_SCOPE]
        self.arg_scales: dict[int, int] = {}  # Arg.index -> scale, for scaled-integer arguments
        self.by_depth: dict[int, list[Aggregate]] = {d: [] for d in range(self.inner + 1)}
        self.filters: dict[str, tuple[str, Expr]] = {}  # canonical filter -> (local, expression)
        for a in plan.aggregates:
            if a.scope == PAGE_SCOPE:
                if a.arg is not None or a.filter is not None:
                    self._arg(a.arg, a.filter)
                continue
            if a.scope not in self.depth_of:
                raise ValueError(f"aggregate {a.text} has unknown scope {a.scope}")
            arg = self._arg(a.arg, a.filter) if a.arg is not None or a.filter is not None else None
            if a.running:
                continue
            d = self.depth_of[a.scope]
            self.by_depth[d].append(a)
            if arg is not None:
                prims = set(AGGREGATE_BY_NAME[a.func].primitives)
                if a.func == "min" and self.is_float(arg):
                    prims.add("nul")  # a MIN of only NaNs is NaN, of no value null
                if "nul" in prims and (arg.filter is not None or arg.expr is None):
                    prims = (prims - {"nul"}) | {"num"}  # rows - nulls would count rows the filter drops
                for depth in range(d, self.inner + 1):
                    arg.prims_at.setdefault(depth, set()).update(prims)

    def _arg(self, expr, condition: Expr | None = None) -> Arg:
        key = self._key(expr, condition)
        arg = self._arg_by_key.get(key)
        if arg is None:
            arg = Arg(len(self.args), expr, expr.type if expr is not None else "int")
            if condition is not None:
                ckey = canonical(condition)
                if ckey not in self.filters:
                    self.filters[ckey] = (f"w{len(self.filters)}", condition)
                arg.filter, arg.filter_var = condition, self.filters[ckey][0]
            self.args.append(arg)
            self._arg_by_key[key] = arg
        return arg

    @staticmethod
    def _key(expr, condition) -> str:
        # an unfiltered argument keeps the key it always had
        key = canonical(expr) if expr is not None else ""
        return key if condition is None else f"{key} where {canonical(condition)}"

    def page_args(self) -> list[Arg | None]:
        """The arguments of page aggregates, in ``page_inputs`` order (None: COUNT())."""
        from reportdsl.engine.aggregates.page_inputs import page_inputs

        return [None if arg is None and condition is None else self._arg_by_key[self._key(arg, condition)]
                for arg, condition in page_inputs(self.plan).inputs]

    def arg_of(self, a: Aggregate) -> Arg | None:
        if a.arg is None and a.filter is None:
            return None
        return self._arg_by_key[self._key(a.arg, a.filter)]

    # ---- state -----------------------------------------------------------------

    @staticmethod
    def state(prim: str, arg: Arg, depth: int) -> str:
        return f"{prim}{depth}_{arg.index}"

    def is_float(self, arg: Arg) -> bool:
        return arg.type == "float"

    def _init(self, prim: str, arg: Arg) -> str:
        if prim in ("nul", "num"):
            return "0"
        if prim == "moments":
            return f"_Moments({arg.kind!r})"
        if prim == "values":
            return f"_Values({arg.kind!r})"
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
                out.append(f"if {arg.present}:")
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
        for prim in ("moments", "values"):
            if prim in prims:
                body.append(f"{st(prim)}.add({x})")
        if "num" in prims:
            body.append(f"{st('num')} += 1")
        return body

    # ---- closing a group ----------------------------------------------------------

    def final_expr(self, a: Aggregate, depth: int) -> str:
        """The final value of non-running aggregate ``a`` from the state at ``depth``."""
        if a.func == "count" and a.arg is None and a.filter is None:
            return f"rc{depth}"
        arg = self.arg_of(a)
        if arg is None:  # Aggregate.arg allows it, but only COUNT() has no argument
            raise ValueError(f"aggregate {a.id} ({a.func}) has no argument")
        scale = self.arg_scales.get(arg.index)

        def st(prim: str) -> str:
            state = self.state(prim, arg, depth)
            if scale is None or prim in ("nul", "num", "set"):
                return state
            # a scaled-integer argument's sums and values become Decimals here, once
            # per group (see ``scaled``); a sum is read only when it has values
            back = f"_Dec({state}).scaleb({-scale})"
            return back if prim == "sum" else f"(None if {state} is {none(prim)} else {back})"

        def none(prim: str) -> str:  # what the state holds before any value
            if prim in ("min", "max") and self.bounded(arg):
                return "_ABOVE" if prim == "min" else "_BELOW"
            return "None"

        count = st("num") if "num" in arg.prims_at.get(depth, ()) else f"(rc{depth} - {st('nul')})"
        if a.func == "count":
            return count
        if a.func in ("stddev", "variance"):
            return f"{st('moments')}.{a.func}()"
        if a.func in ("median", "percentile"):
            return f"{st('values')}.percentile({self.fraction(a)})"
        if a.func in ("sum", "avg"):
            return self._sum_final(a, arg, st("sum"), count)
        if a.func == "count_distinct":
            return f"len({st('set')})"
        if a.func == "min" and self.is_float(arg):  # NaN never enters: see _Above
            return f"(((_NAN if {count} else None) if {st('min')} is _ABOVE else {st('min')}))"
        if scale is None and none(a.func) != "None":
            return f"(None if {st(a.func)} is {none(a.func)} else {st(a.func)})"
        return st(a.func)

    def fraction(self, a: Aggregate) -> str:
        """MEDIAN's and PERCENTILE's p, a constant of the generated module."""
        return "_HALF" if a.fraction is None else f"_Dec({a.fraction!r})"

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
                if prim in ("nul", "num"):
                    out.append(f"{t(prim)} += {s(prim)}")
                elif prim in ("moments", "values"):
                    out.append(f"{t(prim)}.merge({s(prim)})")
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
