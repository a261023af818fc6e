"""check_types: the type of every expression, and the errors types reveal.

In: an ``Outline`` whose names are resolved (``ctx.resolved``). Out: ``ctx.types[span]``
for every expression, the types of fields and group keys, and errors for what
cannot work on the types known at check time: ``"abc" * 2``, comparing a date with
a number, ``SUM`` of a string, a ``date`` format on a number, a wrong arity, an
aggregate's ``where`` filter that is not a condition, a PERCENTILE fraction that is not
a number from 0 to 1 written out.
``any`` (a column of unknown type) is accepted everywhere; the row is then checked
when it runs.
"""

from __future__ import annotations

from reportdsl.check.context import CheckContext
from reportdsl.check.function_rules import case_values, check_call_rules, check_default_type, date_operator_type
from reportdsl.check.outline import Outline
from reportdsl.check.places import Place, places
from reportdsl.check.suggest import did_you_mean
from reportdsl.language import AGGREGATE_BY_NAME, FORMAT_BY_NAME, FUNCTION_BY_NAME
from reportdsl.language.constants import parse_constant
from reportdsl.language.functions import Arg
from reportdsl.language.types import DATES, LOOSE, NUMERIC, ORDERED, family, numeric_result, unify
from reportdsl.language.types import article as _a
from reportdsl.syntax import ast


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
        if group.limit is not None and group.limit.others is not None and key_type not in ("string", "null"):
            key_type = "any"  # the Others group's key is its label, a text (§12)
        checker.group_types[name] = key_type
    for expr, place in places(outline):
        if place.kind in ("field", "group_key"):
            continue
        _check_place(checker, expr, place, checker.infer(expr, place), ctx)
    for column in outline.table.columns if outline.table is not None else ():
        if column.format is not None:  # checked against each cell it formats at run time
            checker.check_format(column.format, "any")
    for param in outline.params:  # computed defaults (§11): typed against the parameter
        if param.default is not None and param.default.span in ctx.types:
            check_default_type(param, ctx.types[param.default.span], ctx)


def _check_place(checker: TypeChecker, expr: ast.Expr, place: Place, t: str, ctx: CheckContext) -> None:
    """What the place of an expression asks of its type."""
    if (place.kind == "where" or place.role == "condition") and family(t) not in ("bool", "null", "any"):
        what = "'where'" if place.kind == "where" else "'when'"
        ctx.error(f"{what} needs a true/false condition, but this is {_a(t)}", expr.span)
    if (place.kind == "sort" or place.band == "order_by") and t not in ORDERED + ("any", "null"):
        ctx.error(f"cannot {'sort' if place.kind == 'sort' else 'order groups'} by {_a(t)}", expr.span)
    if place.formatted is not None and place.formatted.format is not None:
        checker.check_format(place.formatted.format, t)
    if place.role == "colour" and family(t) not in ("string", "null", "any"):
        ctx.error(f"a colour is a text \"#RRGGBB\" (or null), but this is {_a(t)}", expr.span)


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
            "continued": lambda: "bool",
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
        if op in ("+", "-") and {lt, rt} & set(DATES):
            return date_operator_type(op, lt, rt, expr, self.ctx)
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
        decl = FUNCTION_BY_NAME.get(func) or AGGREGATE_BY_NAME.get(func)
        if decl is None:
            known = {**{f: f for f in FUNCTION_BY_NAME}, **{a: a.upper() for a in AGGREGATE_BY_NAME}}
            hint = did_you_mean(func, known)
            for lower, shown in known.items():
                hint = hint.replace(f"'{lower}'", f"'{shown}'")
            self.ctx.error(f"unknown function '{expr.name.name}'{hint}", expr.name.span)
            for arg in expr.args:
                self.infer(arg, place)
            self._filter(expr, place)
            return "any"
        args = [self.infer(a, place) for a in expr.args]
        self._filter(expr, place)
        if not decl.min_args <= len(args) <= (decl.max_args if decl.max_args is not None else len(args)):
            want = decl.arity_text
            self.ctx.error(
                f"{expr.name.name}() takes {want} argument{'s' if want != '1' else ''}, got {len(args)}",
                expr.span,
            )
            return "any"
        if func in AGGREGATE_BY_NAME:
            spec = AGGREGATE_BY_NAME[func]
            ok = not args or self._expect(expr.args[0], args[0], spec.arg, expr.name.name)
            if spec.fraction:
                self._check_fraction(expr.args[1], expr.name.name)
            return _result(spec.result, args, ok)
        function = FUNCTION_BY_NAME[func]
        # every argument is checked (no short cut): each wrong one is reported
        oks = [self._expect(a, t, function.arg(i), expr.name.name)
               for i, (a, t) in enumerate(zip(expr.args, args, strict=True))]
        if function.literal_arg is not None:
            self._check_literal(expr.args[0], function.literal_arg)
        check_call_rules(expr, args, self.ctx)
        return _result(function.result, args, not oks or oks[0])

    def _filter(self, expr: ast.Call, place: Place | None) -> None:
        """``AGG(e where COND)``: COND is a condition (null and unknown types pass, as
        in ``where``). A filter on a scalar function is check_aggregates' error."""
        if expr.filter is None:
            return
        t = self.infer(expr.filter, place)
        if family(t) not in ("bool", "null", "any"):
            self.ctx.error(f"the filter of {expr.name.name}() needs a true/false condition, but this is {_a(t)}",
                           expr.filter.span)

    def _check_fraction(self, arg: ast.Expr, func: str) -> None:
        """PERCENTILE's p: a number written out, from 0 to 1 (the plan carries it as a
        constant; a parameter or a column would make each group's value a new sort)."""
        if not (isinstance(arg, ast.Literal) and arg.type in ("int", "decimal")):
            self.ctx.error(f"{func}() needs its fraction written out as a number from 0 to 1, "
                           f"e.g. {func}(amount, 0.9)", arg.span)
        elif not 0 <= arg.value <= 1:  # type: ignore[operator]
            self.ctx.error(f"{func}() needs a fraction from 0 to 1, not {arg.value}", arg.span)

    def _expect(self, arg: ast.Expr, t: str, rule: Arg, func: str) -> bool:
        if rule.types is None or t in rule.types or t in LOOSE:
            return True
        self.ctx.error(f"{func}() needs {rule.what}, but this is {_a(t)}", arg.span)
        return False

    def _check_literal(self, arg: ast.Expr, type_name: str) -> None:
        if isinstance(arg, ast.Literal) and arg.type == "string":
            try:
                parse_constant(arg.value, type_name)
            except ValueError as err:
                self.ctx.error(str(err), arg.span)

    def check_format(self, fmt: ast.Format, t: str) -> None:
        name = fmt.name.name
        spec = FORMAT_BY_NAME.get(name)
        if spec is None:
            self.ctx.error(f"unknown format '{name}'{did_you_mean(name, FORMAT_BY_NAME)}", fmt.name.span)
            return
        if len(fmt.args) > len(spec.args):
            self.ctx.error(f"format '{name}' takes {len(spec.args) or 'no'} argument(s)", fmt.span)
        for arg, kind in zip(fmt.args, spec.args, strict=False):
            if not (isinstance(arg, ast.Literal) and arg.type in kind.split("|")):
                what = {"int": "a whole number", "string": "a string"}.get(kind, "a whole number or a string")
                self.ctx.error(f"format '{name}' takes {what} written out, e.g. {spec.example}", arg.span)
            elif name in ("currency", "accounting") and not _is_currency(arg.value):
                self.ctx.error(f"unknown currency code '{arg.value}' (ISO 4217, e.g. \"EUR\")", arg.span)
            elif name == "number" and arg.type == "string":
                problem = number_pattern_problem(str(arg.value))
                if problem:
                    self.ctx.error(f"number pattern '{arg.value}': {problem}", arg.span)
        if spec.applies_to is not None and t not in spec.applies_to + LOOSE:
            self.ctx.error(f"format '{name}' needs {spec.needs}, but this is {_a(t)}", fmt.span)


def _result(rule: str, args: list[str], ok: bool) -> str:
    """A call's type by its declaration's result rule (``reportdsl.language.functions``);
    ``ok``: whether the first argument has a type the call takes."""
    if rule == "arg0":
        return args[0] if ok else "any"
    if rule == "avg":
        return ("decimal" if args[0] == "int" else args[0]) if ok else "any"
    if rule == "unify":
        return _unified(args)
    if rule == "unify_rest":
        return _unified(args[1:])
    if rule == "arg1":
        return args[1]
    if rule == "case":
        return _unified(case_values(args))
    if rule == "numeric":
        return numeric_result(args[0], args[1])
    if rule == "exact":  # sqrt, power: a float among the arguments makes a float, else a decimal
        return "float" if "float" in args else "any" if "any" in args else "decimal"
    return rule


def _unified(types: list[str]) -> str:
    """``unify``, except that an int or decimal unified with a value of unknown type is
    of unknown type: that value may be a float, which makes the whole a float (§15)."""
    t = unify(types)
    return "any" if t in ("int", "decimal") and "any" in types else t


def _is_currency(code: object) -> bool:
    from babel.numbers import list_currencies

    return code in list_currencies()


def number_pattern_problem(pattern: str) -> str | None:
    """Why ``number("PATTERN")`` cannot take this CLDR pattern, or None (LANGUAGE.md §14:
    percent and currency signs are ``percent``'s and ``currency``'s job)."""
    if "%" in pattern or "\u2030" in pattern:
        return "a percent sign is the percent format's job: write | percent(N)"
    if "\u00a4" in pattern:
        return "a currency sign is the currency or accounting format's job"
    if "E" in pattern.replace("'E'", "") or "@" in pattern:
        return "scientific and significant-digit patterns are not supported"
    import babel.numbers

    try:
        babel.numbers.parse_pattern(pattern)
    except ValueError as exc:
        return f"not a CLDR number pattern ({exc})"
    if not any(c in pattern for c in "0#"):
        return "it has no digits (0 or #), e.g. \"#,##0.00;(#,##0.00)\""
    return None
