"""The type rules of LANGUAGE.md §11 that one argument rule per position cannot say.

In: AST nodes with their argument types (from ``check_types``) and the
``CheckContext``. Out: errors — a ``date_trunc`` unit that is not a known constant
(with did-you-mean), ``case`` with an even number of arguments or a condition that
is not true/false, ``greatest``/``least`` of values that do not compare, date
arithmetic on datetimes or with a non-whole number, a parameter default of the wrong
type — and the types of the date operators.
"""

from __future__ import annotations

from reportdsl.check.context import CheckContext
from reportdsl.check.suggest import did_you_mean
from reportdsl.language.functions import DATE_TRUNC_UNITS
from reportdsl.language.types import LOOSE, family
from reportdsl.language.types import article as _a
from reportdsl.syntax import ast


def check_call_rules(expr: ast.Call, types: list[str], ctx: CheckContext) -> None:
    if expr.func == "date_trunc" and expr.args:
        _check_unit(expr.args[0], ctx)
    elif expr.func == "case":
        _check_case(expr, types, ctx)
    elif expr.func in ("greatest", "least"):
        known = [(a, t) for a, t in zip(expr.args, types, strict=True) if t not in LOOSE]
        for arg, t in known[1:]:
            if family(t) != family(known[0][1]):
                ctx.error(f"{expr.name.name}() compares its arguments, but this is {_a(t)} "
                          f"and the first is {_a(known[0][1])}", arg.span)


def _check_unit(unit: ast.Expr, ctx: CheckContext) -> None:
    """The unit decides the result's meaning: it is a constant, checked before any row."""
    choices = ", ".join(f'"{u}"' for u in DATE_TRUNC_UNITS)
    if not (isinstance(unit, ast.Literal) and unit.type == "string"):
        ctx.error(f"date_trunc() needs its unit written as a constant string: {choices}", unit.span)
        return
    if unit.value not in DATE_TRUNC_UNITS:
        hint = did_you_mean(str(unit.value), DATE_TRUNC_UNITS)
        ctx.error(f'unknown date_trunc() unit "{unit.value}"{hint or f" (one of {choices})"}', unit.span)


def _check_case(expr: ast.Call, types: list[str], ctx: CheckContext) -> None:
    if len(types) % 2 == 0:
        ctx.error(f"case() takes conditions and values in pairs and a default last: an odd number of "
                  f"arguments, got {len(types)}", expr.span)
        return
    for cond, t in list(zip(expr.args, types, strict=True))[:-1:2]:
        if family(t) not in ("bool", "null", "any"):
            ctx.error(f"case() needs a true/false condition here, but this is {_a(t)}", cond.span)


def case_values(types: list[str]) -> list[str]:
    """The types ``case`` chooses among: every second argument, and the default."""
    return types[1::2] + types[-1:] if len(types) % 2 else types


def date_operator_type(op: str, lt: str, rt: str, expr: ast.Binary, ctx: CheckContext) -> str:
    """``date - date`` is int; ``date + int``, ``int + date``, ``date - int`` are dates.
    Datetimes take no part (which day would ``datetime + 1`` be in a time zone change?
    ``days_between`` and ``date(…)`` say it plainly)."""
    if "datetime" in (lt, rt):
        ctx.error(f"'{op}' on a date and time: date arithmetic takes dates — use days_between(a, b) "
                  "for the days between two datetimes, or date(x) to drop the time", expr.span)
        return "any"
    other = rt if lt == "date" else lt
    if op == "-" and lt == "date" and rt == "date":
        return "int"
    if op == "+" and lt == rt == "date":
        ctx.error("cannot add two dates (days_between(a, b) gives the days between them)", expr.span)
        return "any"
    if op == "-" and rt == "date" and lt != "date":
        if lt in LOOSE:
            return "int" if lt == "any" else "null"
        ctx.error(f"cannot subtract a date from {_a(lt)} (date - date and date - int are allowed)", expr.span)
        return "any"
    if other == "int" or other == "null":
        return "date"
    if other == "any":
        return "date" if op == "+" else "any"  # date - x is a date or, for a date x, an int
    ctx.error(f"'{op}' with a date needs a whole number of days, but this is {_a(other)}", expr.span)
    return "any"


# What a default of each type may be for a parameter of each type (as parse_constant
# converts Python values: an int is a decimal, a date a datetime at midnight).
_DEFAULT_FITS = {"decimal": ("int",), "float": ("int", "decimal"), "datetime": ("date",)}


def check_default_type(param: ast.Param, t: str, ctx: CheckContext) -> None:
    want = param.type.name
    if param.default is None or isinstance(param.default, ast.Literal):
        return  # a constant is text read by the parameter's type (check/settings.py)
    if t == want or t in LOOSE or t in _DEFAULT_FITS.get(want, ()):
        return
    hint = " (today() is the build's date; date(x) drops a time)" if want == "date" and t == "datetime" else ""
    ctx.error(f"the default of parameter '{param.name.name}' must be {_a(want)}, but this is {_a(t)}{hint}",
              param.default.span)
