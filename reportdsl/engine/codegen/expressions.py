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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from reportdsl.engine import functions as fn
from reportdsl.plan.models import AggRef, BinaryOp, FuncCall, Lit, Ref, UnaryOp

NUMERIC = {"int", "decimal", "float"}
# Types whose values compare with Python's operators among themselves.
_SAME_KIND_ORDERED = {"string", "date", "datetime", "bool"}
_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")

HELPERS = {
    "_add": fn.add, "_sub": fn.sub, "_mul": fn.mul, "_div": fn.div, "_mod": fn.mod,
    "_neg": fn.neg, "_concat": fn.concat, "_eq": fn.eq, "_ne": fn.ne, "_lt": fn.lt,
    "_le": fn.le, "_gt": fn.gt, "_ge": fn.ge, "_truth": fn.truth, "_abs": fn.f_abs,
    "_round": fn.f_round, "_round_int": fn.f_round_int, "_upper": fn.f_upper,
    "_lower": fn.f_lower, "_len": fn.f_len, "_year": fn.f_year, "_month": fn.f_month,
    "_day": fn.f_day, "_to_date": fn.to_date, "_to_datetime": fn.to_datetime,
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


class ExprWriter:
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
        native = None
        if e.op in ("+", "-", "*") and lt in NUMERIC and rt in NUMERIC and {lt, rt} != {"decimal", "float"}:
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
            return self._null_guarded([left, right], f"{left[1]} {native} {right[1]}")
        if e.op == "+" and e.type == "string":
            return f"_concat({self.write(e.left)}, {self.write(e.right)}, {self.ctx.span(e.span)})"
        helper = _BINARY_HELPER[e.op]
        return f"{helper}({self.write(e.left)}, {self.write(e.right)}, {self.ctx.span(e.span)})"

    def _logic(self, e: BinaryOp) -> str:
        def truthy(x) -> str:
            code = self.write(x)
            return code if x.type == "bool" else f"_truth({code}, {self.ctx.span(x.span)})"

        a, b = self.ctx.temp(), self.ctx.temp()
        left, right = truthy(e.left), truthy(e.right)
        if e.op == "and":
            return (f"(False if ({a} := {left}) is False else (False if ({b} := {right}) is False "
                    f"else (None if {a} is None or {b} is None else True)))")
        return (f"(True if ({a} := {left}) is True else (True if ({b} := {right}) is True "
                f"else (None if {a} is None or {b} is None else False)))")

    # -- functions ------------------------------------------------------------------

    def _FuncCall(self, e: FuncCall) -> str:
        f, args = e.func, e.args
        at = self.ctx.span(e.span)
        if f == "if":
            cond = self.write(args[0])
            if args[0].type != "bool":
                cond = f"_truth({cond}, {self.ctx.span(args[0].span)})"
            return f"({self.write(args[1])} if ({cond}) is True else {self.write(args[2])})"
        if f == "coalesce":
            code = self.write(args[-1])
            for a in reversed(args[:-1]):
                t = self.ctx.temp()
                code = f"({t} if ({t} := {self.write(a)}) is not None else {code})"
            return code
        if f == "now":
            return "NOW"
        if f in ("date", "datetime") and len(args) == 1 and isinstance(args[0], Lit) and isinstance(args[0].value, str):
            try:
                value = fn.to_date(args[0].value) if f == "date" else fn.to_datetime(args[0].value)
            except fn.RowValueError:
                pass  # not a constant after all: fail per row with the position
            else:
                return self.ctx.const(value, "D")
        a0 = args[0] if args else None
        if f in ("year", "month", "day") and a0 is not None and a0.type in ("date", "datetime"):
            first, again, _ = self._operand(a0)
            return f"(None if {first} is None else {again}.{f})"
        if f in ("upper", "lower") and a0 is not None and a0.type == "string":
            first, again, _ = self._operand(a0)
            return f"(None if {first} is None else {again}.{f}())"
        if f == "len" and a0 is not None and a0.type == "string":
            first, again, _ = self._operand(a0)
            return f"(None if {first} is None else len({again}))"
        if f == "abs" and a0 is not None and a0.type in NUMERIC:
            first, again, _ = self._operand(a0)
            return f"(None if {first} is None else abs({again}))"
        if f == "round":
            if len(args) == 1 and e.type == "int":
                return f"_round_int({self.write(a0)}, {at})"
            rest = ", ".join(self.write(a) for a in args)
            return f"_round({rest}{', 0' if len(args) == 1 else ''}, {at})"
        helper = {
            "abs": "_abs", "upper": "_upper", "lower": "_lower", "len": "_len", "year": "_year",
            "month": "_month", "day": "_day", "date": "_to_date", "datetime": "_to_datetime",
        }.get(f)
        if helper is None or len(args) != 1:
            raise ValueError(f"unknown function {f}() with {len(args)} arguments")
        return f"{helper}({self.write(a0)}, {at})"


def aggregate_ids(e, out: set | None = None) -> set[str]:
    """The ids of every aggregate an expression reads."""
    out = set() if out is None else out
    if isinstance(e, AggRef):
        out.add(e.id)
    for child in children(e):
        aggregate_ids(child, out)
    return out


def refs(e, kind: str, out: set | None = None) -> set[str]:
    """The names of every reference of one kind (``column``, ``field``…) in ``e``."""
    out = set() if out is None else out
    if isinstance(e, Ref) and e.ref == kind:
        out.add(e.name)
    for child in children(e):
        refs(child, kind, out)
    return out


def children(e):
    if isinstance(e, UnaryOp):
        return (e.operand,)
    if isinstance(e, BinaryOp):
        return (e.left, e.right)
    if isinstance(e, FuncCall):
        return tuple(e.args)
    return ()
