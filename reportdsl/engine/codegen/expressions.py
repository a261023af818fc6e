"""Plan expressions compiled to Python expression source code.

In: a plan ``Expr`` and a ``NameMap`` saying which Python name or code holds each
reference (a column local, a field local, a group key, an aggregate value).
Out: the source text of one Python expression computing it with LANGUAGE.md §6
semantics (null propagation, ``x / 0`` is null, three-valued ``and``/``or``).

Where the plan's types say a bare Python operator is right (``int * decimal``,
``string + string``, ``date < date``) the code uses it with inline null checks;
otherwise it calls ``reportdsl.engine.functions``, passing the index of the node's
span so a failure can name the expression's position. Constants (decimal and date
literals, parameters, ``now()``) are hoisted into the generated module's globals.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from reportdsl.engine.codegen.calls import CallForms
from reportdsl.engine.functions import core as fn
from reportdsl.engine.functions import dates as date_functions
from reportdsl.engine.functions import numbers as number_functions
from reportdsl.engine.functions import text as text_functions
from reportdsl.language import FUNCTION_BY_NAME, FunctionDecl
from reportdsl.language.walk import chain, find_all
from reportdsl.language.walk import children as children  # re-exported for codegen.scaled
from reportdsl.plan.models import AggRef, BinaryOp, FuncCall, Lit, Ref, UnaryOp

NUMERIC = {"int", "decimal", "float"}
_EXACT = {"int", "decimal"}  # divide exactly (§15)
# Types whose values compare with Python's operators among themselves.
_SAME_KIND_ORDERED = {"string", "date", "datetime", "bool"}
_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")

# The modules that hold the runtime operations the declarations name.
RUNTIME_MODULES = (fn, date_functions, text_functions, number_functions)


def runtime_operation(name: str):
    """The runtime operation a declaration's ``helper`` names."""
    return next(getattr(m, name) for m in RUNTIME_MODULES if hasattr(m, name))


# The operations generated code calls by name: operators, and each scalar function's
# runtime operation as its declaration names it (reportdsl.language.functions).
HELPERS = {
    "_add": fn.add, "_sub": fn.sub, "_mul": fn.mul, "_div": fn.div, "_exact_div": fn.exact_div, "_mod": fn.mod,
    "_neg": fn.neg, "_concat": fn.concat, "_eq": fn.eq, "_ne": fn.ne, "_lt": fn.lt,
    "_le": fn.le, "_gt": fn.gt, "_ge": fn.ge, "_truth": fn.truth, "_round_int": fn.f_round_int,
    "_as_float": fn.as_float,
    "_date_plus": date_functions.date_plus, "_date_minus": date_functions.date_minus,
    **{f"_{decl.helper}": runtime_operation(decl.helper) for decl in FUNCTION_BY_NAME.values() if decl.helper},
    "Decimal": Decimal,
}

_BINARY_HELPER = {
    "+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod",
    "==": "_eq", "!=": "_ne", "<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge",
}


@dataclass
class CodeContext:
    """What every expression in one generated module shares: hoisted constants and
    the span table that error reports index into."""

    constants: dict = field(default_factory=dict)
    spans: list = field(default_factory=list)
    _temps: int = 0

    def const(self, value, prefix: str = "K") -> str:
        for name, existing in self.constants.items():
            if name.startswith(prefix + "_") and (existing is value or (
                    type(existing) is type(value) and not isinstance(value, dict) and existing == value)):
                return name
        name = f"{prefix}_{len(self.constants)}"
        self.constants[name] = value
        return name

    def span(self, span) -> int:
        self.spans.append(tuple(span))
        return len(self.spans) - 1

    def temp(self) -> str:
        self._temps += 1
        return f"_t{self._temps}"


@dataclass
class NameMap:
    """Where a reference's value lives, in one band point or row stage."""

    columns: dict[str, str]
    fields: dict[str, str]
    groups: dict[str, str]
    params: dict[str, str]
    title: str = "None"
    row_number: str | None = None
    aggregate: Callable[[str], str] | None = None


class ExprWriter(CallForms):
    def __init__(self, ctx: CodeContext, names: NameMap):
        self.ctx = ctx
        self.names = names

    # -- entry ----------------------------------------------------------------------

    def write(self, e) -> str:
        method = getattr(self, "_" + type(e).__name__)
        return method(e)

    def condition(self, e) -> str:
        """Code that is True only when ``e`` is true (null counts as false)."""
        code = self.write(e)
        if e.type != "bool":
            code = f"_truth({code}, {self.ctx.span(e.span)})"
        return f"({code}) is True"

    # -- leaves ---------------------------------------------------------------------

    def _Lit(self, e: Lit) -> str:
        v = e.value
        if v is None:
            return "None"
        if e.type == "decimal" and isinstance(v, str):
            return self.ctx.const(Decimal(v))
        if e.type == "float" and isinstance(v, str):
            return repr(float(v))
        if e.type == "date" and isinstance(v, str):
            return self.ctx.const(_dt.date.fromisoformat(v))
        if e.type == "datetime" and isinstance(v, str):
            return self.ctx.const(fn.parse_datetime(v))
        return repr(v)

    def _Ref(self, e: Ref) -> str:
        n = self.names
        table = {
            "column": n.columns, "field": n.fields, "group": n.groups, "param": n.params,
        }.get(e.ref)
        if table is not None:
            if e.name not in table:
                raise ValueError(f"'{e.name}' ({e.ref}) is not available here")
            return table[e.name]
        if e.ref == "title":
            return n.title
        if e.ref == "row_number":
            if n.row_number is None:
                raise ValueError("row_number is only available in detail")
            return n.row_number
        raise ValueError(f"unknown reference kind {e.ref}")

    def _AggRef(self, e: AggRef) -> str:
        if self.names.aggregate is None:
            raise ValueError("aggregates are not available here")
        return self.names.aggregate(e.id)

    # -- operators ------------------------------------------------------------------

    def _operand(self, e) -> tuple[str, str, bool]:
        """(code that evaluates once, code that reads it again, may be null)."""
        code = self.write(e)
        nullable = not (isinstance(e, Lit) and e.value is not None)
        if code.isidentifier() or isinstance(e, Lit):
            return code, code, nullable
        t = self.ctx.temp()
        return f"({t} := {code})", t, nullable

    @staticmethod
    def _null_guarded(parts: list[tuple[str, str, bool]], body: str) -> str:
        checks = [f"{first} is None" for first, _, nullable in parts if nullable]
        if not checks:  # only non-null literals: nothing to evaluate first
            return f"({body})"
        return f"(None if {' or '.join(checks)} else {body})"

    def _UnaryOp(self, e: UnaryOp) -> str:
        if e.op == "+":
            return self.write(e.operand)
        if e.op == "not":
            first, again, _ = self._operand(e.operand)
            if e.operand.type != "bool":
                first = f"_truth({first}, {self.ctx.span(e.operand.span)})"
                t = self.ctx.temp()
                first, again = f"({t} := {first})", t
            return f"(None if {first} is None else not {again})"
        first, again, nullable = self._operand(e.operand)
        if e.operand.type in NUMERIC:
            return f"(None if {first} is None else -{again})" if nullable else f"(-{first})"
        return f"_neg({self.write(e.operand)}, {self.ctx.span(e.span)})"

    def _BinaryOp(self, e: BinaryOp) -> str:
        if e.op in ("and", "or"):
            return self._logic(e)
        lt, rt = e.left.type, e.right.type
        if e.op in ("+", "-") and "date" in (lt, rt, e.type):
            return self.date_operator(e)
        flat = self._flat_chain(e)
        if flat is not None:
            return flat
        native: str | None = None
        if e.op in ("+", "-", "*") and lt in NUMERIC and rt in NUMERIC:
            native = e.op
        elif e.op == "+" and lt == "string" and rt == "string":
            native = "+"
        elif e.op in _COMPARISONS and (
            (lt in NUMERIC and rt in NUMERIC) or (lt == rt and lt in _SAME_KIND_ORDERED)
        ):
            native = e.op
        if native:
            left = self._operand(e.left)
            right = self._operand(e.right)
            a, b = left[1], right[1]
            # a decimal meets a float as a float (§15); a literal is converted once, here
            if {lt, rt} == {"decimal", "float"}:
                if lt == "decimal":
                    left, a = self._as_float_operand(e.left, left)
                else:
                    right, b = self._as_float_operand(e.right, right)
            body = f"{a} {native} {b}"
            if native in _COMPARISONS:
                body = _nan_aware(native, a, b, self._may_be_nan(e.left), self._may_be_nan(e.right))
            return self._null_guarded([left, right], body)
        if e.op == "/" and lt in _EXACT and rt in _EXACT:  # types known: no checks of kinds
            left, right = self._operand(e.left), self._operand(e.right)
            return self._null_guarded([left, right], f"_exact_div({left[1]}, {right[1]})")
        if e.op == "+" and e.type == "string":
            return f"_concat({self.write(e.left)}, {self.write(e.right)}, {self.ctx.span(e.span)})"
        helper = _BINARY_HELPER[e.op]
        return f"{helper}({self.write(e.left)}, {self.write(e.right)}, {self.ctx.span(e.span)})"

    def _flat_chain(self, e: BinaryOp) -> str | None:
        """``a + b - c + …`` over operands of one kind (ints and decimals, floats, or
        texts for ``+``) as one null-guarded Python chain, evaluated left to right as
        the nested form is: a report's long sum must not nest Python's parentheses past
        its limit (200). ``None`` where the pair-by-pair form is needed."""
        ops = ("+", "-") if e.op in ("+", "-") else ("*",) if e.op == "*" else ()
        if not ops or not isinstance(e.left, BinaryOp) or e.left.op not in ops:
            return None
        terms, signs = chain(e, ops)
        kinds = {t.type for t in terms}
        if not (kinds <= {"int", "decimal"} or kinds == {"float"} or (kinds == {"string"} and set(signs) == {"+"})):
            return None
        if e.type not in kinds:
            return None
        operands = [self._operand(t) for t in terms]
        body = operands[0][1] + "".join(f" {op} {o[1]}" for op, o in zip(signs, operands[1:], strict=True))
        return self._null_guarded(operands, body)

    @staticmethod
    def _may_be_nan(e) -> bool:
        return e.type == "float" and not isinstance(e, Lit)

    def _as_float_operand(self, e, operand: tuple[str, str, bool]) -> tuple[tuple[str, str, bool], str]:
        """(the operand, the code reading it as a float) for a decimal operand."""
        if isinstance(e, Lit) and e.value is not None:
            code = self._float_literal(Decimal(str(e.value)))
            return (code, code, False), code
        return operand, f"float({operand[1]})"

    def _float_literal(self, value) -> str:
        f = float(value)
        return repr(f) if f - f == 0 else self.ctx.const(f, "F")

    def _logic(self, e: BinaryOp) -> str:
        """SQL's three-valued ``and``/``or``, left to right with short cuts; a chain of
        one operator is one flat expression (a 400-term ``or`` nests nothing)."""
        def truthy(x) -> str:
            code = self.write(x)
            return code if x.type == "bool" else f"_truth({code}, {self.ctx.span(x.span)})"

        terms, _ = chain(e, (e.op,), both_sides=True)
        temps = [self.ctx.temp() for _ in terms]
        stop, other = ("False", "True") if e.op == "and" else ("True", "False")
        tests = " or ".join(f"({t} := {truthy(x)}) is {stop}" for t, x in zip(temps, terms, strict=True))
        nulls = " or ".join(f"{t} is None" for t in temps)
        return f"({stop} if {tests} else (None if {nulls} else {other}))"

    # -- functions ------------------------------------------------------------------

    def _FuncCall(self, e: FuncCall) -> str:
        decl = FUNCTION_BY_NAME.get(e.func)
        if decl is None:
            raise ValueError(f"unknown function {e.func}()")
        special = getattr(self, f"_call_{decl.codegen}")
        return special(e, decl)

    def _call_call(self, e: FuncCall, decl: FunctionDecl) -> str:
        """The declared inline form where the argument types allow it, else the helper."""
        args = e.args
        if decl.inline is not None and len(args) == 1 and args[0].type in decl.inline_types:
            first, again, nullable = self._operand(args[0])
            if not nullable:  # a literal: never tested with ``is`` (a SyntaxWarning)
                return f"({decl.inline.format(first)})"
            return f"(None if {first} is None else {decl.inline.format(again)})"
        if decl.helper is None or not decl.min_args <= len(args) <= (decl.max_args or len(args)):
            raise ValueError(f"unknown function {e.func}() with {len(args)} arguments")
        written = ", ".join(self.write(a) for a in args)
        # an optional argument left out takes the operation's own default: ``at`` by name
        at = "at=" if decl.max_args is not None and len(args) < decl.max_args else ""
        return f"_{decl.helper}({written}, {at}{self.ctx.span(e.span)})"

    def _call_if(self, e: FuncCall, decl: FunctionDecl) -> str:
        cond_expr, then, other = e.args
        cond = self.write(cond_expr)
        if cond_expr.type != "bool":
            cond = f"_truth({cond}, {self.ctx.span(cond_expr.span)})"
        return f"({self._unified(then, e.type)} if ({cond}) is True else {self._unified(other, e.type)})"

    def _call_coalesce(self, e: FuncCall, decl: FunctionDecl) -> str:
        code = self._unified(e.args[-1], e.type)
        for a in reversed(e.args[:-1]):
            t = self.ctx.temp()
            code = f"({t} if ({t} := {self._unified(a, e.type)}) is not None else {code})"
        return code

    def _unified(self, e, target: str) -> str:
        """A branch of ``if``/``coalesce`` as a value of the call's unified type: an int
        or a decimal where the call is a float becomes a float, an int where it is a
        decimal a decimal (§15; SQL's CASE and COALESCE do the same)."""
        kind = e.type
        if kind == target or kind == "null" or target not in ("float", "decimal"):
            return self.write(e)
        if isinstance(e, Lit) and e.value is not None:
            if target == "float":
                return self._float_literal(Decimal(str(e.value)))
            if kind == "int":
                return self.ctx.const(Decimal(e.value))
            return self.write(e)
        if kind in ("int", "decimal") and (target == "float" or kind == "int"):
            t = self.ctx.temp()
            convert = "float" if target == "float" else "Decimal"
            return f"(None if ({t} := {self.write(e)}) is None else {convert}({t}))"
        if target == "float":  # of undeclared type: checked per row
            return f"_as_float({self.write(e)}, {self.ctx.span(e.span)})"
        return self.write(e)

    def _call_now(self, e: FuncCall, decl: FunctionDecl) -> str:
        return "NOW"

    def _call_fold_constant(self, e: FuncCall, decl: FunctionDecl) -> str:
        """``date("2024-01-31")``: a constant, computed once for the module."""
        args = e.args
        if len(args) == 1 and isinstance(args[0], Lit) and isinstance(args[0].value, str):
            try:
                value = getattr(fn, decl.helper or "")(args[0].value)
            except fn.RowValueError:
                pass  # not a constant after all: fail per row with the position
            else:
                return self.ctx.const(value, "D")
        return self._call_call(e, decl)

    def _call_round(self, e: FuncCall, decl: FunctionDecl) -> str:
        args, at = e.args, self.ctx.span(e.span)
        if len(args) == 1 and e.type == "int":
            return f"_round_int({self.write(args[0])}, {at})"
        rest = ", ".join(self.write(a) for a in args)
        return f"_f_round({rest}{', 0' if len(args) == 1 else ''}, {at})"


def _nan_aware(op: str, a: str, b: str, a_nan: bool, b_nan: bool) -> str:
    """``a op b`` where NaN equals itself and is above every other number (§15):
    Python's operator, and a test for NaN only where its answer can be wrong
    (``x < 1.5`` needs none: NaN is below nothing)."""
    if op == "==" and a_nan and b_nan:
        return f"({a} == {b} or ({a} != {a} and {b} != {b}))"
    if op == "!=" and a_nan and b_nan:
        return f"({a} != {b} and ({a} == {a} or {b} == {b}))"
    if op in ("<", ">"):
        small, small_nan, big, big_nan = (a, a_nan, b, b_nan) if op == "<" else (b, b_nan, a, a_nan)
        if big_nan:  # a NaN is above every number but NaN
            if small_nan:
                return f"({a} {op} {b} or ({big} != {big} and {small} == {small}))"
            return f"({a} {op} {b} or {big} != {big})"
    if op in ("<=", ">="):
        big, big_nan = (b, b_nan) if op == "<=" else (a, a_nan)
        if big_nan:
            return f"({a} {op} {b} or {big} != {big})"
    return f"{a} {op} {b}"


def aggregate_ids(e) -> set[str]:
    """The ids of every aggregate an expression reads."""
    return {node.id for node in find_all(e, AggRef)}


def refs(e, kind: str) -> set[str]:
    """The names of every reference of one kind (``column``, ``field``…) in ``e``."""
    return {node.name for node in find_all(e, Ref) if node.ref == kind}
