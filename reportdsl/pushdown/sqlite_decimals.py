"""Exact sums of SQLite's DECIMAL columns, as scaled integers.

In: an aggregate argument of kind ``decimal`` over a SQLite source whose DECIMAL(p, s)
columns' scales are known (``declared_scales``: the declared types the engine's
conversion reads too). Out: ``scaled``: the argument as SQL computing, on every row,
the engine's value times ``10**scale`` as an integer, and that scale; a guard per
column for the rows where that would not be the engine's value.

SQLite keeps a DECIMAL as a float (or an integer); the engine reads the float's
shortest decimal form with ``s`` places (``engine/conversions.decimal_converter``).
``CAST(ROUND(c * 10^s) AS INTEGER)`` is that value's scaled integer n whenever the
float is the nearest one to n / 10^s and |c| < 10^(15-s) (there a float's spacing is
below 10^-s, so no other decimal of s places rounds to it): the guard finds every other
row (more places, larger, a real zero that may be -0, not a number) and the report
then runs its two passes. ``+ - *`` of such values and integer columns stay integers
(scales aligned by a power of ten; a product's scales add); SQLite turns an integer
overflow into a float silently, so ``execute`` refuses any sum that comes back as a
float. SUM, AVG (SUM and COUNT) and COUNT only: MIN/MAX/COUNT_DISTINCT of decimals and
keys stay unpushed on SQLite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from reportdsl.plan.models import BinaryOp, Expr, Lit, Ref, UnaryOp

if TYPE_CHECKING:
    from reportdsl.pushdown.analysis import _Analysis
    from reportdsl.pushdown.execute import Target


def declared_scales(target: Target) -> dict[str, int]:
    """The DECIMAL(p, s) columns of a SQLite source and their ``s`` (else none)."""
    loc = target.location
    if target.dialect != "sqlite" or loc is None or loc.sqlite_path is None:
        return {}
    from reportdsl.errors import ReportError
    from reportdsl.plan.models import SourceSpec
    from reportdsl.sources.opening import _decimal_scale
    from reportdsl.sources.schema import sqlite_declared_types

    probe = SourceSpec.model_construct(kind="sql", location=loc.target, table=target.table, query=target.query,
                                       span=(0, 0))
    try:
        declared = sqlite_declared_types(loc, probe)
    except (ReportError, ValueError):
        return {}  # the run itself says what is wrong with the source
    return {n: s for n, s in ((n, _decimal_scale(t)) for n, t in declared) if s is not None}


def guard(quoted: str, scale: int) -> str:
    """SQL true on a row whose value is not ``n / 10^scale`` for an integer n below 10^15."""
    ten = f"1e{scale}"
    return (f"{quoted} IS NOT NULL AND (ABS({quoted}) >= 1e{15 - scale} OR "
            f"CAST(ROUND({quoted} * {ten}) AS INTEGER) / {ten} != {quoted} OR "
            f"(typeof({quoted}) = 'real' AND {quoted} = 0))")


def scaled(a: _Analysis, e: Expr, where: str) -> tuple[exp.Expression, int]:
    """``e`` times ``10**scale`` as an integer on every (clean) row, and ``scale``."""
    from reportdsl.pushdown.analysis import quote_for

    if isinstance(e, Ref) and e.ref == "field" and e.name in a.fields:
        return scaled(a, a.fields[e.name].expr, where)
    if isinstance(e, Ref) and e.ref == "column" and a.columns.get(e.name) == e.type == "decimal":
        scale = a.scales.get(e.name)
        if scale is None or scale > 15:
            raise a.refuse(f"{where} reads column '{e.name}', a decimal of no declared scale")
        a.read[e.name] = "decimal"
        check = guard(quote_for(a.dialect)(e.name), scale)
        if check not in a.more_guards:
            a.more_guards.append(check)
        ten = exp.Literal.number(f"1e{scale}")
        rounded = exp.Anonymous(this="ROUND", expressions=[exp.Mul(this=exp.column(e.name, quoted=True),
                                                                    expression=ten)])
        return exp.Paren(this=exp.cast(rounded, "INTEGER")), scale
    if e.type == "int" and (isinstance(e, Ref) or (isinstance(e, Lit) and type(e.value) is int)):
        return a.value(e, where), 0
    if isinstance(e, BinaryOp) and e.op in ("+", "-", "*") and {e.left.type, e.right.type} <= {"int", "decimal"}:
        (left, ls), (right, rs) = scaled(a, e.left, where), scaled(a, e.right, where)
        if e.op == "*":
            return exp.Paren(this=exp.Mul(this=left, expression=right)), ls + rs
        if ls != rs:  # aligned to the larger scale, as Decimal's addition keeps it
            factor = lambda x, d: exp.Paren(this=exp.Mul(this=x, expression=exp.Literal.number(10 ** d)))  # noqa: E731
            left, right = (factor(left, rs - ls), right) if ls < rs else (left, factor(right, ls - rs))
        node = exp.Add if e.op == "+" else exp.Sub
        return exp.Paren(this=node(this=left, expression=right)), max(ls, rs)
    if isinstance(e, UnaryOp) and e.op == "-" and e.operand.type in ("int", "decimal"):
        inner, scale = scaled(a, e.operand, where)
        return exp.Paren(this=exp.Neg(this=inner)), scale
    raise a.refuse(f"{where} has no exact SQL form")
