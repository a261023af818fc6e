"""AST expressions -> plan expressions, aggregates and values.

In: a ``CheckedReport`` (for resolved names and types) and AST expressions with the
scope they stand in. Out: typed plan ``Expr`` trees; every aggregate call registered
once per distinct computation as an ``Aggregate`` (``a0``…); every expression that
reaches the page or the JSON result registered as a ``Value`` (``v0``…) with the
scope that must end before it is known (``ready_at``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from reportdsl.language import AGGREGATE_BY_NAME, FUNCTION_BY_NAME
from reportdsl.language.walk import find_all
from reportdsl.plan import models as m
from reportdsl.syntax import ast
from reportdsl.syntax.strings import ESCAPES

if TYPE_CHECKING:  # check imports plan.models; plan must not import check at load time
    from reportdsl.check import CheckedReport


PAGE = "page"  # the scope of page bands' points, and of the aggregates they compute per page


@dataclass(frozen=True)
class Point:
    """Where a band instance occurs in the stream (see plan/models.py)."""

    kind: str  # start end row
    scope: str  # "report" or a group name
    running: bool = False  # aggregates read here are running values (detail)


@dataclass
class ExpressionCompiler:
    checked: CheckedReport
    scopes: tuple[str, ...]  # "report", then group names outermost first
    aggregates: list[m.Aggregate] = field(default_factory=list)
    values: list[m.Value] = field(default_factory=list)
    _agg_ids: dict[tuple, str] = field(default_factory=dict)
    _by_id: dict[str, m.Aggregate] = field(default_factory=dict)
    continued: bool = False  # what `continued` (§14) is: true while compiling a repeated header

    def type_of(self, expr: ast.Expr) -> str:
        return self.checked.types.get(expr.span, "any")

    def expr(self, node: ast.Expr, scope: str = "report", running: bool = False) -> m.Expr:
        t = self.type_of(node)
        if isinstance(node, ast.Literal):
            value = node.value
            if node.type == "decimal":
                value = str(value)
            return m.Lit.model_construct(value=value, type=t, span=node.span)
        if isinstance(node, ast.Name):
            res = self.checked.resolved[node.span]
            if res.ref == "continued":  # a constant of each copy of the header
                return m.Lit.model_construct(value=self.continued, type="bool", span=node.span)
            return m.Ref.model_construct(name=node.name, ref=res.ref, type=t, span=node.span)
        if isinstance(node, ast.Unary):
            operand = self.expr(node.operand, scope, running)
            return m.UnaryOp.model_construct(op=node.op, operand=operand, type=t, span=node.span)
        if isinstance(node, ast.Binary):
            return m.BinaryOp.model_construct(
                op=node.op,
                left=self.expr(node.left, scope, running),
                right=self.expr(node.right, scope, running),
                type=t,
                span=node.span,
            )
        if node.func in AGGREGATE_BY_NAME:
            return self._aggregate(node, scope, running)
        args = [self.expr(a, scope, running) for a in node.args]
        decl = FUNCTION_BY_NAME.get(node.func)
        if decl is not None and decl.codegen == "locale_name":  # month_name(d): the report's locale, a constant
            args.append(m.Lit.model_construct(value=self.locale, type="string", span=node.span))
        return m.FuncCall.model_construct(func=node.func, args=args, type=t, span=node.span)

    @property
    def locale(self) -> str:
        setting = self.checked.outline.settings.get("locale")
        return str(setting.value) if setting is not None else "en_US"

    def _aggregate(self, node: ast.Call, scope: str, running: bool) -> m.AggRef:
        """``running`` is the reading of the band (detail); the call's mode (§9) decides:
        ``whole`` in detail reads the scope's final value, ``running`` in a group band
        the value so far over its ``over`` scope, by default the enclosing one."""
        mode = node.mode.name if node.mode is not None else None
        if scope == PAGE:  # a page band (§13): over page, or running up to the band
            scope = "report"
            if (node.over is not None and node.over.name == PAGE) or mode == "running":
                return self._page_aggregate(node, running=mode == "running")
        if node.over is not None:
            target = node.over.name
        elif mode == "running" and not running and scope != "report":
            target = self.scopes[self.scopes.index(scope) - 1]
        else:
            target = scope
        if mode == "whole":
            running = False
        elif mode == "running":
            running = True
        func = node.func
        # Calls with the same function, argument text, filter, fraction and scope share
        # one accumulator.
        text = self.checked.source.text
        shape = call_text(text, node.args[0]) if node.args else None
        condition = call_text(text, node.filter) if node.filter is not None else None
        fraction = _fraction(node)
        key: tuple = (func, shape, target, running)
        if condition is not None or fraction is not None:  # the keys of plain calls stay as they were
            key += (condition, fraction and Decimal(fraction).normalize())
        return self._register(node, key, target, running, fraction)

    def _page_aggregate(self, node: ast.Call, running: bool) -> m.AggRef:
        """An aggregate the renderer computes per page (scope ``page``, §13)."""
        text = self.checked.source.text
        shape = call_text(text, node.args[0]) if node.args else None
        condition = call_text(text, node.filter) if node.filter is not None else None
        return self._register(node, (node.func, shape, PAGE, running, condition), PAGE, running, None)

    def _register(self, node: ast.Call, key: tuple, target: str, running: bool, fraction: str | None) -> m.AggRef:
        func = node.func
        text = self.checked.source.text
        agg_id = self._agg_ids.get(key)
        t = self.type_of(node)
        if agg_id is None:
            arg = self.expr(node.args[0]) if node.args else None
            agg_id = f"a{len(self.aggregates)}"
            self._agg_ids[key] = agg_id
            aggregate = m.Aggregate.model_construct(
                id=agg_id, func=func, arg=arg, scope=target, running=running, type=t,
                text=call_text(text, node), span=node.span,
                filter=self.expr(node.filter) if node.filter is not None else None, fraction=fraction,
            )
            self.aggregates.append(aggregate)
            self._by_id[agg_id] = aggregate
        return m.AggRef.model_construct(id=agg_id, type=t, span=node.span)

    def value(self, node: ast.Expr, point: Point) -> str:
        expr = self.expr(node, point.scope, point.running)
        aggregates = [self._by_id[i] for i in _aggregate_ids(expr)]
        # read in a page band: known at the report's end, or on the page (§13)
        on_page = "report" if aggregates else None
        ready_at = on_page if point.scope == PAGE else self._ready_at(aggregates, point)
        value_id = f"v{len(self.values)}"
        self.values.append(m.Value.model_construct(id=value_id, expr=expr, type=self.type_of(node), ready_at=ready_at))
        return value_id

    def whole_reads(self, first_value: int) -> list[str]:
        """The non-running aggregates that values ``first_value``… (detail) read: whole values."""
        ids = (i for v in self.values[first_value:] for i in _aggregate_ids(v.expr))
        return [i for i in dict.fromkeys(ids) if not self._by_id[i].running]

    def _ready_at(self, aggregates: list[m.Aggregate], point: Point) -> str | None:
        if point.running:  # detail: running values now, whole ones from the first pass
            return None
        # a running value in a group's band is read at the group's end (§9)
        pending = [
            point.scope if a.running else a.scope
            for a in aggregates
            if not (point.kind == "end" and (a.running or a.scope == point.scope))
        ]
        if not pending:
            return None
        return min(pending, key=self.scopes.index)


def _fraction(node: ast.Call) -> str | None:
    """PERCENTILE's p as exact decimal text (check_types made it a literal in [0, 1])."""
    if not AGGREGATE_BY_NAME[node.func].fraction:
        return None
    p = node.args[1]
    if not isinstance(p, ast.Literal):
        raise AssertionError("a PERCENTILE fraction that is not a literal")
    return str(p.value)


def _aggregate_ids(expr: m.Expr) -> list[str]:
    return [node.id for node in find_all(expr, m.AggRef)]


def call_text(text: str, node: ast.Expr, in_template: bool = False) -> str:
    """The expression as written with white space outside string literals removed
    (CONTRACT.md §3): ``SUM( revenue ) over report`` -> ``SUM(revenue)overreport``.
    ``in_template``: the expression stands in a text template's ``{…}``, whose escapes
    are resolved first: the call as the parser reads it (LANGUAGE.md §16), so
    ``{SUM(x where s == \"open\")}`` is keyed ``SUM(xwheres=="open")``."""
    raw = text[node.span[0] : node.span[1]]
    if in_template and "\\" in raw:
        raw = _unescape(raw)
    out: list[str] = []
    quote = None
    i = 0
    while i < len(raw):
        ch = raw[i]
        if quote:
            out.append(ch)
            if ch == "\\" and i + 1 < len(raw):
                out.append(raw[i + 1])
                i += 1
            elif ch == '"':
                quote = None
        elif ch == '"':
            quote = ch
            out.append(ch)
        elif not ch.isspace():
            out.append(ch)
        i += 1
    return "".join(out)


def _unescape(raw: str) -> str:
    """A template's escapes (``\\"`` ``\\\\`` ``\\{`` …) resolved, as ``syntax.strings`` reads them."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw) and raw[i + 1] in ESCAPES:
            out.append(ESCAPES[raw[i + 1]])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)
