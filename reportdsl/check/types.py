"""check_types: the type of every expression, and the errors types reveal.

In: an ``Outline`` whose names are resolved (``ctx.resolved``). Out: ``ctx.types[span]``
for every expression, the types of fields and group keys, and errors for what
cannot work on the types known at check time: ``"abc" * 2``, comparing a date with
a number, ``SUM`` of a string, a ``date`` format on a number, a wrong arity.
``any`` (a column of unknown type) is accepted everywhere; the row is then checked
when it runs.
"""

from __future__ import annotations

from reportdsl.check.context import NUMERIC, CheckContext
from reportdsl.check.outline import Outline
from reportdsl.check.places import Place, places
from reportdsl.check.suggest import did_you_mean
from reportdsl.syntax import ast

ORDERED = NUMERIC + ("string", "date", "datetime", "bool")
# name -> (fewest, most) arguments
SCALARS = {
    "if": (3, 3), "coalesce": (1, 99), "abs": (1, 1), "round": (1, 2), "upper": (1, 1),
    "lower": (1, 1), "len": (1, 1), "year": (1, 1), "month": (1, 1), "day": (1, 1),
    "date": (1, 1), "datetime": (1, 1), "now": (0, 0),
}
AGGREGATES = {
    "sum": (1, 1), "count": (0, 1), "avg": (1, 1), "min": (1, 1), "max": (1, 1),
    "count_distinct": (1, 1), "first": (1, 1), "last": (1, 1),
}
FORMATS = {  # name -> (argument kinds, value types it applies to; None: any)
    "number": (("int",), NUMERIC),
    "currency": (("string",), NUMERIC),
    "percent": (("int",), NUMERIC),
    "date": (("string",), ("date", "datetime")),
    "datetime": (("string",), ("date", "datetime")),
    "upper": ((), None),
    "lower": ((), None),
}


def family(t: str) -> str:
    return "number" if t in NUMERIC else "date" if t in ("date", "datetime") else t


def numeric_result(a: str, b: str) -> str:
    if "any" in (a, b):
        return "any"
    if "null" in (a, b):
        return "null"
    if "float" in (a, b):
        return "float"
    return "decimal" if "decimal" in (a, b) else "int"


def unify(types: list[str]) -> str:
    known = [t for t in types if t not in ("null", "any")]
    if not known:
        return "any" if "any" in types else "null"
    if all(t in NUMERIC for t in known):
        result = known[0]
        for t in known[1:]:
            result = numeric_result(result, t)
        return result
    return known[0] if all(t == known[0] for t in known) else "any"


def check_types(outline: Outline, ctx: CheckContext) -> None:
    checker = TypeChecker(outline, ctx)
    for fld in outline.fields:
        checker.field_types[fld.name.name] = checker.infer(fld.expr, None)
    for group in outline.groups:
        name = group.name.name
        if group.key is None:
            key_type = checker.field_types.get(name) or (ctx.columns or {}).get(name, "any")
        else:
            key_type = checker.infer(group.key, None)
        checker.group_types[name] = key_type
    for expr, place in places(outline):
        if place.kind in ("field", "group_key"):
            continue
        t = checker.infer(expr, place)
        if place.kind == "where" and family(t) not in ("bool", "null", "any"):
            ctx.error(f"'where' needs a true/false condition, but this is {_a(t)}", expr.span)
        if place.kind == "sort" and t not in ORDERED + ("any", "null"):
            ctx.error(f"cannot sort by {_a(t)}", expr.span)
        if place.formatted is not None and place.formatted.format is not None:
            checker.check_format(place.formatted.format, t)


def _a(t: str) -> str:
    names = {"int": "an integer", "decimal": "a decimal", "float": "a float", "string": "a string",
             "date": "a date", "datetime": "a datetime", "bool": "a true/false value", "null": "null",
             "any": "a value"}
    return names.get(t, t)


class TypeChecker:
    def __init__(self, outline: Outline, ctx: CheckContext):
        self.ctx = ctx
        self.field_types: dict[str, str] = {}
        self.group_types: dict[str, str] = {}
        self.param_types = {p.name.name: p.type.name for p in outline.params}

    def infer(self, expr: ast.Expr, place: Place | None) -> str:
        t = self._infer(expr, place)
        self.ctx.types[expr.span] = t
        return t

    def _infer(self, expr: ast.Expr, place: Place | None) -> str:
        if isinstance(expr, ast.Literal):
            return expr.type
        if isinstance(expr, ast.Name):
            return self._name_type(expr, place)
        if isinstance(expr, ast.Unary):
            return self._unary(expr, place)
        if isinstance(expr, ast.Binary):
            return self._binary(expr, place)
        return self._call(expr, place)

    def _name_type(self, expr: ast.Name, place: Place | None) -> str:
        res = self.ctx.resolved.get(expr.span)
        if res is None:
            return "any"
        if res.ref in ("page", "pages"):
            if place is None or place.formatted is None or place.formatted.expr is not expr:
                self.ctx.error(f"'{expr.name}' can only be shown on its own, as {{{expr.name}}}", expr.span)
            return "int"
        return {
            "column": lambda: (self.ctx.columns or {}).get(expr.name, "any"),
            "field": lambda: self.field_types.get(expr.name, "any"),
            "param": lambda: self.param_types.get(expr.name, "any"),
            "group": lambda: self.group_types.get(expr.name, "any"),
            "title": lambda: "string",
            "row_number": lambda: "int",
        }[res.ref]()

    def _unary(self, expr: ast.Unary, place: Place | None) -> str:
        t = self.infer(expr.operand, place)
        if expr.op == "not":
            if family(t) not in ("bool", "null", "any"):
                self.ctx.error(f"'not' needs a true/false value, but this is {_a(t)}", expr.operand.span)
            return "bool"
        if t not in NUMERIC + ("null", "any"):
            self.ctx.error(f"'{expr.op}' needs a number, but this is {_a(t)}", expr.operand.span)
            return "any"
        return t

    def _binary(self, expr: ast.Binary, place: Place | None) -> str:
        lt, rt = self.infer(expr.left, place), self.infer(expr.right, place)
        op = expr.op
        loose = {"null", "any"}
        if op in ("and", "or"):
            for side, t in ((expr.left, lt), (expr.right, rt)):
                if family(t) not in ("bool", "null", "any"):
                    self.ctx.error(f"'{op}' needs true/false values, but this is {_a(t)}", side.span)
            return "bool"
        if op in ("==", "!=", "<", "<=", ">", ">="):
            if lt not in loose and rt not in loose and family(lt) != family(rt):
                self.ctx.error(f"cannot compare {_a(lt)} with {_a(rt)}", expr.span)
            return "bool"
        if op == "+" and "string" in (lt, rt):
            if {lt, rt} <= {"string", "null", "any"}:
                return "string"
            self.ctx.error(
                f"'+' joins two strings, but this adds {_a(lt)} and {_a(rt)} "
                "(to mix text and values, use a text template: \"… {x} …\")",
                expr.span,
            )
            return "any"
        for side, t in ((expr.left, lt), (expr.right, rt)):
            if t not in NUMERIC + ("null", "any"):
                self.ctx.error(f"'{op}' needs numbers, but this is {_a(t)}", side.span)
                return "any"
        result = numeric_result(lt, rt)
        if op == "/" and result == "int":
            return "decimal"
        return result

    def _call(self, expr: ast.Call, place: Place | None) -> str:
        func = expr.func
        arity = SCALARS.get(func) or AGGREGATES.get(func)
        if arity is None:
            known = {**{f: f for f in SCALARS}, **{a: a.upper() for a in AGGREGATES}}
            hint = did_you_mean(func, known)
            for lower, shown in known.items():
                hint = hint.replace(f"'{lower}'", f"'{shown}'")
            self.ctx.error(f"unknown function '{expr.name.name}'{hint}", expr.name.span)
            for arg in expr.args:
                self.infer(arg, place)
            return "any"
        args = [self.infer(a, place) for a in expr.args]
        low, high = arity
        if not low <= len(args) <= high:
            want = str(low) if low == high else f"{low} or {high}" if high - low == 1 else f"at least {low}"
            self.ctx.error(
                f"{expr.name.name}() takes {want} argument{'s' if want != '1' else ''}, got {len(args)}",
                expr.span,
            )
            return "any"
        if func in AGGREGATES:
            return self._aggregate(expr, args)
        return self._scalar(expr, args)

    def _expect(self, arg: ast.Expr, t: str, allowed: tuple[str, ...], what: str, func: str) -> bool:
        if t in allowed + ("null", "any"):
            return True
        self.ctx.error(f"{func}() needs {what}, but this is {_a(t)}", arg.span)
        return False

    def _aggregate(self, expr: ast.Call, args: list[str]) -> str:
        func, name = expr.func, expr.name.name
        if func == "count" or func == "count_distinct":
            return "int"
        t = args[0]
        if func in ("sum", "avg"):
            if not self._expect(expr.args[0], t, NUMERIC, "numbers", name):
                return "any"
            if func == "avg" and t == "int":
                return "decimal"
            return t
        if func in ("min", "max"):
            self._expect(expr.args[0], t, ORDERED, "values that can be ordered", name)
        return t

    def _scalar(self, expr: ast.Call, args: list[str]) -> str:
        func, name, a = expr.func, expr.name.name, expr.args
        if func == "if":
            self._expect(a[0], args[0], ("bool",), "a true/false condition first", name)
            return unify(args[1:])
        if func == "coalesce":
            return unify(args)
        if func == "abs":
            return args[0] if self._expect(a[0], args[0], NUMERIC, "a number", name) else "any"
        if func == "round":
            if len(args) == 2:
                self._expect(a[1], args[1], ("int",), "a whole number of decimals", name)
            return args[0] if self._expect(a[0], args[0], NUMERIC, "a number", name) else "any"
        if func in ("upper", "lower"):
            self._expect(a[0], args[0], ("string",), "a string", name)
            return "string"
        if func == "len":
            self._expect(a[0], args[0], ("string",), "a string", name)
            return "int"
        if func in ("year", "month", "day"):
            self._expect(a[0], args[0], ("date", "datetime"), "a date", name)
            return "int"
        if func in ("date", "datetime"):
            self._expect(a[0], args[0], ("string", "date", "datetime"), "a string such as \"2024-01-31\"", name)
            self._check_date_literal(a[0], func)
            return func
        return "datetime"  # now()

    def _check_date_literal(self, arg: ast.Expr, func: str) -> None:
        if isinstance(arg, ast.Literal) and arg.type == "string":
            from reportdsl.check.constants import parse_constant

            try:
                parse_constant(arg.value, func)
            except ValueError as err:
                self.ctx.error(str(err), arg.span)

    def check_format(self, fmt: ast.Format, t: str) -> None:
        name = fmt.name.name
        spec = FORMATS.get(name)
        if spec is None:
            self.ctx.error(f"unknown format '{name}'{did_you_mean(name, FORMATS)}", fmt.name.span)
            return
        arg_kinds, applies = spec
        if len(fmt.args) > len(arg_kinds):
            self.ctx.error(f"format '{name}' takes {len(arg_kinds) or 'no'} argument(s)", fmt.span)
        for arg, kind in zip(fmt.args, arg_kinds):
            if not (isinstance(arg, ast.Literal) and arg.type == kind):
                what = "a whole number" if kind == "int" else "a string"
                self.ctx.error(f"format '{name}' takes {what} written out, e.g. {_example(name)}", arg.span)
            elif name == "currency" and not _is_currency(arg.value):
                self.ctx.error(f"unknown currency code '{arg.value}' (ISO 4217, e.g. \"EUR\")", arg.span)
        if applies is not None and t not in applies + ("null", "any"):
            needs = "a number" if applies == NUMERIC else "a date"
            self.ctx.error(f"format '{name}' needs {needs}, but this is {_a(t)}", fmt.span)


def _example(name: str) -> str:
    return {"number": "number(2)", "percent": "percent(1)", "currency": 'currency("EUR")',
            "date": 'date("yyyy-MM-dd")', "datetime": 'datetime("yyyy-MM-dd HH:mm")'}.get(name, name)


def _is_currency(code: str) -> bool:
    from babel.numbers import list_currencies

    return code in list_currencies()
