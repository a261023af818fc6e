"""Scaled-integer decimals: DECIMAL(p, s) columns aggregated as integers of 10^-s.

In: a plan, its ``RowLayout`` (column types and declared DECIMAL scales) and its
``AggregateLayout``. Out: ``ScaledDecimals`` — which columns and fields the generated
code may carry as scaled values, and for each aggregate argument the scale its final
values are turned back into ``Decimal``.

Why: SQLite hands DECIMAL columns back as floats; turning each into a ``Decimal``
and summing, multiplying and comparing Decimals costs about as much as the whole
rest of the loop. A value ``v`` with exactly ``s`` places is carried as the int
``v * 10^s``; any other value (more places than declared, ``-0.00``, infinities) as
the ``Decimal`` ``v * 10^s``. Scaling by a power of ten changes no digit, so every
sum, product and comparison below gives the original result times ``10^s`` —
within the run's 60 significant digits, as the Decimal path itself. Final values
are turned back with ``Decimal(v).scaleb(-s)`` (``aggregates.final_expr``).

Only where that holds is a value scaled:
- the column or field is read by nothing but non-running aggregate arguments;
- an argument is built from scaled columns/fields, int columns and int literals
  with ``+``/``-`` (equal scales), ``*`` (scales add) and unary ``-``;
- MIN/MAX/FIRST/LAST return a value itself, so their argument must be a plain
  scaled column: ``0.00 * -3`` is ``-0.00`` for Decimals but ``0`` for ints (sums
  cannot tell: SQL sums start from the integer 0, and ``0 + -0.00`` is ``0.00``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from reportdsl.engine.aggregates.layout import AggregateLayout, Arg
from reportdsl.engine.codegen.expressions import children
from reportdsl.engine.codegen.rows import RowLayout, arg_expr
from reportdsl.engine.conversions import ConversionCache, decimal_converter
from reportdsl.plan.models import BinaryOp, Expr, Lit, Plan, Ref, UnaryOp

_VALUE_PRIMS = {"min", "max", "first", "last"}  # primitives that return a row's value
_REAL_PRIMS = {"moments", "values"}  # STDDEV/VARIANCE/MEDIAN/PERCENTILE read real values

ENABLED = True  # tests turn it off to compare with plain Decimal arithmetic


def scaled_converter(scale: int) -> ConversionCache:
    """Cache: a raw SQLite value of a DECIMAL(p, ``scale``) column -> its scaled form."""
    hit = _CONVERTERS.get(scale)
    if hit is None:
        _, to_decimal = decimal_converter(scale)

        def convert(v):
            d = to_decimal(v)
            sign, digits, exponent = d.as_tuple()
            if exponent == -scale and not (sign and not any(digits)):
                n = int("".join(map(str, digits)))
                return -n if sign else n
            if d.is_finite():  # more places than declared, or -0.00: exactly v * 10^scale
                return Decimal((sign, digits, exponent + scale))
            return d  # an infinity stays what it is at every scale

        hit = _CONVERTERS[scale] = ConversionCache(convert)
    return hit


_CONVERTERS: dict[int, ConversionCache] = {}


@dataclass
class ScaledDecimals:
    columns: dict[str, int] = field(default_factory=dict)  # column -> scale
    fields: dict[str, int] = field(default_factory=dict)  # field -> scale
    arg_scales: dict[int, int] = field(default_factory=dict)  # Arg.index -> scale to unscale by


class _Scaling:
    """The analysis state: the columns still carried scaled, the fields that may be."""

    def __init__(self, plan: Plan, layout: RowLayout, cols: dict[str, int]):
        self.cols = cols  # column -> scale; shrinks as expressions need real values
        self.col_type = dict(zip(layout.names, layout.types, strict=True))
        self.field_expr = {f.name: f.expr for f in plan.fields}
        self.fields = set(self.field_expr)

    def scale_of(self, e: Expr) -> int | None:
        """The scale of ``e`` computed on scaled values, or None if it cannot be."""
        if isinstance(e, Ref) and e.ref in ("column", "field"):
            return self._ref_scale(e)
        if e.type not in ("int", "decimal"):
            return None
        if isinstance(e, Lit):
            return 0 if e.type == "int" and isinstance(e.value, int) and not isinstance(e.value, bool) else None
        if isinstance(e, UnaryOp) and e.op in ("-", "+"):
            return self.scale_of(e.operand)
        if isinstance(e, BinaryOp) and e.op in ("+", "-", "*"):
            left, right = self.scale_of(e.left), self.scale_of(e.right)
            if left is None or right is None:
                return None
            if e.op == "*":
                return left + right
            return left if left == right else None
        return None

    def _ref_scale(self, e: Ref) -> int | None:
        if e.ref == "column":
            if e.name in self.cols:
                return self.cols[e.name]
            return 0 if self.col_type.get(e.name) == "int" else None
        if e.name in self.fields:
            return self.scale_of(self.field_expr[e.name])
        return 0 if e.type == "int" else None

    def drop(self, e: Expr) -> bool:
        """Everything ``e`` reads must be real values: un-scale it."""
        changed = False
        if isinstance(e, Ref):
            if e.ref == "column" and e.name in self.cols:
                del self.cols[e.name]
                changed = True
            elif e.ref == "field" and e.name in self.fields:
                self.fields.discard(e.name)
                self.drop(self.field_expr[e.name])
                changed = True
        for child in children(e):
            changed |= self.drop(child)
        return changed

    def settle(self, plain: list[Expr], scaled_args: list[Arg]) -> None:
        """Un-scale until nothing changes: what ``plain`` expressions read, and the
        arguments that cannot be computed on scaled values."""
        changed = True
        while changed and self.cols:
            changed = False
            for e in plain:
                changed |= self.drop(e)
            for arg in scaled_args:
                e = arg_expr(arg)
                prims = set().union(*arg.prims_at.values())
                bare = isinstance(e, Ref) and e.ref == "column"
                if self.scale_of(e) is None or (prims & _VALUE_PRIMS and not bare and e.type == "decimal") \
                        or prims & _REAL_PRIMS:
                    changed |= self.drop(e)


def analyse(plan: Plan, layout: RowLayout, aggs: AggregateLayout, row_exprs: list[Expr]) -> ScaledDecimals:
    """Which columns/fields to scale. ``row_exprs`` are the row-stage expressions other
    than aggregate arguments (where, group and sort keys, detail values)."""
    if not ENABLED or layout.conversion != "python" or not layout.scales:
        return ScaledDecimals()
    cols = {n: s for n, t, s in zip(layout.names, layout.types, layout.scales, strict=True)
            if t == "decimal" and s is not None}
    if not cols:
        return ScaledDecimals()
    scaling = _Scaling(plan, layout, cols)
    # arguments of running (detail) and page aggregates are read per row as real values, and so
    # are filters (conditions); COUNT(where COND) has no argument to scale
    plain_args = [a for a in aggs.args if any(aggs.arg_of(r) is a for r in aggs.running + aggs.page)
                  and a.expr is not None]
    scaled_args = [a for a in aggs.args if a not in plain_args and a.expr is not None]
    filters = [condition for _, condition in aggs.filters.values()]
    scaling.settle(row_exprs + filters + [arg_expr(a) for a in plain_args], scaled_args)
    result = ScaledDecimals(columns=dict(cols))
    if not cols:
        return result
    for f in plan.fields:  # in order: a field reads only earlier ones
        if f.name in scaling.fields and f.expr.type == "decimal" and _reads_scaled(f.expr, cols, result.fields):
            scale = scaling.scale_of(f.expr)
            if scale is not None:  # else it is computed nowhere
                result.fields[f.name] = scale
    for arg in scaled_args:
        e = arg_expr(arg)
        if e.type == "decimal" and _reads_scaled(e, cols, result.fields):
            scale = scaling.scale_of(e)
            if scale is None:  # settle() un-scaled what such an argument reads
                raise ValueError(f"aggregate argument {arg.index} reads scaled values it cannot use")
            result.arg_scales[arg.index] = scale
    return result


def _reads_scaled(e: Expr, cols: dict[str, int], fields: dict[str, int]) -> bool:
    if isinstance(e, Ref) and ((e.ref == "column" and e.name in cols) or (e.ref == "field" and e.name in fields)):
        return True
    return any(_reads_scaled(c, cols, fields) for c in children(e))
