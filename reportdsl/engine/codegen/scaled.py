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

from reportdsl.engine.codegen.expressions import children
from reportdsl.engine.conversions import ConversionCache, decimal_converter
from reportdsl.plan.models import BinaryOp, Lit, Plan, Ref, UnaryOp

_VALUE_PRIMS = {"min", "max", "first", "last"}  # primitives that return a row's value

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


def analyse(plan: Plan, layout, aggs, row_exprs: list) -> ScaledDecimals:
    """Which columns/fields to scale. ``row_exprs`` are the row-stage expressions other
    than aggregate arguments (where, group and sort keys, detail values)."""
    if not ENABLED or layout.conversion != "python" or not layout.scales:
        return ScaledDecimals()
    col_type = dict(zip(layout.names, layout.types))
    cols = {n: s for n, t, s in zip(layout.names, layout.types, layout.scales) if t == "decimal" and s is not None}
    if not cols:
        return ScaledDecimals()
    field_expr = {f.name: f.expr for f in plan.fields}
    fields = set(field_expr)

    def scale_of(e):
        """The scale of ``e`` computed on scaled values, or None if it cannot be."""
        if isinstance(e, Ref) and e.ref == "column":
            if e.name in cols:
                return cols[e.name]
            return 0 if col_type.get(e.name) == "int" else None
        if isinstance(e, Ref) and e.ref == "field":
            if e.name in fields:
                return scale_of(field_expr[e.name])
            return 0 if e.type == "int" else None
        if e.type not in ("int", "decimal"):
            return None
        if isinstance(e, Lit):
            return 0 if e.type == "int" and isinstance(e.value, int) and not isinstance(e.value, bool) else None
        if isinstance(e, UnaryOp) and e.op in ("-", "+"):
            return scale_of(e.operand)
        if isinstance(e, BinaryOp) and e.op in ("+", "-", "*"):
            left, right = scale_of(e.left), scale_of(e.right)
            if left is None or right is None:
                return None
            if e.op == "*":
                return left + right
            return left if left == right else None
        return None

    def drop(e) -> bool:
        """Everything ``e`` reads must be real values: un-scale it."""
        changed = False
        if isinstance(e, Ref):
            if e.ref == "column" and e.name in cols:
                del cols[e.name]
                changed = True
            elif e.ref == "field" and e.name in fields:
                fields.discard(e.name)
                drop(field_expr[e.name])
                changed = True
        for child in children(e):
            changed |= drop(child)
        return changed

    # arguments of running (detail) aggregates are read per row as real values
    plain_args = [a for a in aggs.args if any(aggs.arg_of(r) is a for r in aggs.running)]
    scaled_args = [a for a in aggs.args if a not in plain_args]
    changed = True
    while changed and cols:
        changed = False
        for e in row_exprs + [a.expr for a in plain_args]:
            changed |= drop(e)
        for arg in scaled_args:
            prims = set().union(*arg.prims_at.values())
            bare = isinstance(arg.expr, Ref) and arg.expr.ref == "column"
            if scale_of(arg.expr) is None or (prims & _VALUE_PRIMS and not bare and arg.expr.type == "decimal"):
                changed |= drop(arg.expr)
    result = ScaledDecimals(columns=dict(cols))
    if not cols:
        return result
    for f in plan.fields:  # in order: a field reads only earlier ones
        if f.name in fields and f.expr.type == "decimal" and _reads_scaled(f.expr, cols, result.fields):
            scale = scale_of(f.expr)
            if scale is not None:  # else it is computed nowhere
                result.fields[f.name] = scale
    for arg in scaled_args:
        if arg.expr.type == "decimal" and _reads_scaled(arg.expr, cols, result.fields):
            result.arg_scales[arg.index] = scale_of(arg.expr)
    return result


def _reads_scaled(e, cols: dict, fields: dict) -> bool:
    if isinstance(e, Ref) and ((e.ref == "column" and e.name in cols) or (e.ref == "field" and e.name in fields)):
        return True
    return any(_reads_scaled(c, cols, fields) for c in children(e))
