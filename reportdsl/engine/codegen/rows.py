"""Generated code, part 1: from a source row to the values the runner needs.

In: the plan and a ``RowLayout`` (where each used column sits in the source's row
tuples and how its raw values convert). Out: Python statements (``CodeBuffer``)
that unpack a row into column locals ``c0…``, convert them to the plan's column
types, compute the fields ``f0…`` the report reads, apply ``where`` (``continue``
when not true; only what it reads is converted and computed before it), and compute
group keys ``n0…`` (a key that is a plain column is read from the column's local:
``key_var``) and sort keys ``s0…``.

Every statement that can fail is on its own line, and ``CodeBuffer.where`` maps the
line to what it computes, so a failing row names the expression's position without
any bookkeeping on the hot path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from reportdsl.engine.aggregates.layout import Arg
from reportdsl.engine.codegen.expressions import CodeContext, ExprWriter, NameMap, refs
from reportdsl.engine.sorting import key_part_code, key_part_width
from reportdsl.errors import Span
from reportdsl.plan.models import AggRef, BinaryOp, Expr, FuncCall, Lit, Plan, Ref, UnaryOp


@dataclass(frozen=True)
class RowLayout:
    """How the source delivers rows: ``names[i]`` is at ``positions[i]`` of each row."""

    names: tuple[str, ...]
    positions: tuple[int, ...]
    exact: bool  # rows are exactly ``names`` in order: unpack in one statement
    conversion: str  # "text": strings to parse (CSV); "python": typed values, coerced if off
    types: tuple[str, ...]  # the report type each column must have
    trusted: tuple[bool, ...] = ()  # the source guarantees the type (or null): no guard
    scales: tuple[int | None, ...] = ()  # declared DECIMAL scale, for floats from SQLite


def as_span(span: Sequence[int]) -> Span:
    """A plan span as the (start, end) pair errors take."""
    return (span[0], span[1])


def arg_expr(arg: Arg) -> Expr:
    """An aggregate argument's expression (computed per row), as the plan types it."""
    e = arg.expr
    if not isinstance(e, (Lit, Ref, UnaryOp, BinaryOp, FuncCall, AggRef)):
        raise TypeError(f"an aggregate argument is a {type(e).__name__}, not an expression")
    return e


@dataclass
class LineContext:
    kind: str  # "expr", "column" or "row"
    what: str  # "field 'revenue'", "where", "column 'quantity'"…
    span: Span | None = None
    column: str | None = None
    type: str | None = None


@dataclass
class CodeBuffer:
    lines: list[str] = field(default_factory=list)
    where: dict[int, LineContext] = field(default_factory=dict)

    def emit(self, indent: int, text: str, context: LineContext | None = None) -> None:
        self.lines.append("    " * indent + text)
        if context is not None:
            self.where[len(self.lines)] = context

    def source(self) -> str:
        return "\n".join(self.lines) + "\n"


# Parsers for text (CSV) fields; the empty string was already turned into None.
TEXT_PARSE = {
    "int": "int", "decimal": "_parse_decimal", "float": "float", "date": "_parse_date",
    "datetime": "_parse_datetime", "bool": "_parse_bool",
}
# Column types whose values a Python source may deliver wrong (then converted).
_TYPED = ("int", "decimal", "float", "string", "bool", "date", "datetime")
# Guards for typed values: convert only when the value is not already right.
PY_CLASS = {"int": "int", "decimal": "_Dec", "float": "float", "string": "str", "bool": "bool"}


def used_names(plan: Plan, expressions: Iterable[Expr]) -> tuple[list[str], list[int]]:
    """The source columns and (indexes of) fields that ``expressions`` need, fields
    followed through other fields."""
    field_index = {f.name: i for i, f in enumerate(plan.fields)}
    columns: set[str] = set()
    needed: set[int] = set()
    todo = list(expressions)
    while todo:
        e = todo.pop()
        columns |= refs(e, "column")
        for name in refs(e, "field"):
            i = field_index.get(name)
            if i is not None and i not in needed:
                needed.add(i)
                todo.append(plan.fields[i].expr)
    return sorted(columns), sorted(needed)


class RowCode:
    """Writes the per-row statements shared by the fused and the sorting runners."""

    def __init__(self, plan: Plan, layout: RowLayout, ctx: CodeContext, params: dict[str, str]):
        self.plan = plan
        self.layout = layout
        self.ctx = ctx
        self.column_var = {name: f"c{i}" for i, name in enumerate(layout.names)}
        self.field_var = {f.name: f"f{i}" for i, f in enumerate(plan.fields)}
        self.params = params
        # A row that ``where`` leaves out is not read further: the columns it does not
        # read are converted after it, so their bad values in such rows are no error —
        # as when a database applies the where (``sql_where``).
        self.late_columns: frozenset[str] = frozenset()
        if plan.where is not None:
            self.late_columns = frozenset(layout.names) - set(used_names(plan, [plan.where])[0])
        self.scaled: dict[str, int] = {}  # columns carried as scaled integers (see ``scaled``)
        # where each group key lives: a plain column key is its column's local, no copy —
        # unless an Others group (§12) gives the key a label the column must not take
        self.key_var = [
            self.column_var[g.key.name] if isinstance(g.key, Ref) and g.key.ref == "column"
            and g.key.name in self.column_var and g.others is None else f"n{level}"
            for level, g in enumerate(plan.groups)
        ]

    def names(self, **extra) -> NameMap:
        return NameMap(columns=self.column_var, fields=self.field_var,
                       groups=extra.pop("groups", {}), params=self.params, title="TITLE", **extra)

    def unpack(self, buf: CodeBuffer, indent: int, row: str = "row") -> None:
        lay = self.layout
        if not lay.names:
            if lay.exact:  # nothing is unpacked, but a row the source could not read must still fail
                buf.emit(indent, f"if {row}.__class__ is _BadRow: iter({row})", LineContext("row", "the row's fields"))
            return
        if lay.exact:
            targets = ", ".join(self.column_var[n] for n in lay.names)
            buf.emit(indent, f"{targets}, = {row}" if len(lay.names) == 1 else f"{targets} = {row}",
                     LineContext("row", "the row's fields"))
        else:
            for name, pos in zip(lay.names, lay.positions, strict=True):
                buf.emit(indent, f"{self.column_var[name]} = {row}[{pos}]", LineContext("row", "the row's fields"))
        self._convert_columns(buf, indent, late=False)

    def _convert_columns(self, buf: CodeBuffer, indent: int, late: bool) -> None:
        """Convert the columns ``where`` reads (``late=False``) or the others (``late=True``)."""
        lay = self.layout
        trusted = lay.trusted or (False,) * len(lay.names)
        scales = lay.scales or (None,) * len(lay.names)
        for name, type_, sure, scale in zip(lay.names, lay.types, trusted, scales, strict=True):
            if not sure and (name in self.late_columns) == late:
                self._convert(buf, indent, name, type_, scale)

    def _cached(self, buf: CodeBuffer, indent: int, v: str, cache, guard: str | None, ctx: LineContext) -> None:
        """``[if GUARD:] v = cache[v]`` through a ``ConversionCache``'s plain dict."""
        values, miss = self.ctx.const(cache.values, "CV"), self.ctx.const(cache.miss, "CM")
        if guard is not None:
            buf.emit(indent, f"{guard}:", ctx)
            indent += 1
        buf.emit(indent, f"try: {v} = {values}[{v}]", ctx)
        buf.emit(indent, f"except KeyError: {v} = {miss}({v})", ctx)

    def _convert(self, buf: CodeBuffer, indent: int, name: str, type_: str, scale: int | None = None) -> None:
        from reportdsl.engine.conversions import (
            DATES_FROM_CSV,
            DATES_FROM_TEXT,
            DECIMALS_FROM_FLOAT,
            DECIMALS_FROM_TEXT,
            decimal_converter,
        )

        v = self.column_var[name]
        ctx = LineContext("column", f"column '{name}'", column=name, type=type_)
        if self.layout.conversion == "text":
            if type_ in ("decimal", "date"):  # cached: prices and dates repeat
                cache = DECIMALS_FROM_TEXT if type_ == "decimal" else DATES_FROM_CSV
                self._cached(buf, indent, v, cache, f"if {v}", ctx)
                buf.emit(indent, f"else: {v} = None")
            elif type_ in TEXT_PARSE:
                buf.emit(indent, f"{v} = {TEXT_PARSE[type_]}({v}) if {v} else None", ctx)
            else:
                buf.emit(indent, f"if not {v}: {v} = None")
            return
        if self.layout.conversion != "python" or type_ not in _TYPED:
            return
        if type_ == "decimal":
            if name in self.scaled:  # every raw value (float, int, text, null) through one cache
                from reportdsl.engine.codegen.scaled import scaled_converter

                self._cached(buf, indent, v, scaled_converter(self.scaled[name]), None, ctx)
                return
            # SQLite hands DECIMAL columns back as floats: the cached fast path
            if scale is not None:
                cache, convert = decimal_converter(scale)
                self._cached(buf, indent, v, cache, f"if {v}.__class__ is float", ctx)
                f = self.ctx.const(convert, "DCF")
                buf.emit(indent, f"elif {v}.__class__ is not _Dec and {v} is not None: {v} = {f}({v})", ctx)
                return
            self._cached(buf, indent, v, DECIMALS_FROM_FLOAT, f"if {v}.__class__ is float", ctx)
            buf.emit(indent, f"elif {v}.__class__ is not _Dec and {v} is not None: {v} = _coerce_decimal({v})", ctx)
        elif type_ in PY_CLASS:
            buf.emit(indent, f"if {v}.__class__ is not {PY_CLASS[type_]} and {v} is not None: "
                             f"{v} = _coerce_{type_}({v})", ctx)
        elif type_ == "date":  # SQLite keeps dates as text: cached, they repeat
            self._cached(buf, indent, v, DATES_FROM_TEXT, f"if {v}.__class__ is str", ctx)
            buf.emit(indent, f"elif {v}.__class__ is not _date and {v} is not None: {v} = _coerce_date({v})", ctx)
        else:
            buf.emit(indent, f"if {v}.__class__ is not _datetime and {v} is not None: "
                             f"{v} = _coerce_datetime({v})", ctx)

    def fields_and_where(self, buf: CodeBuffer, indent: int, fields: list[int]) -> None:
        """Fields, with ``where`` as early as the fields it reads allow."""
        plan = self.plan
        w = ExprWriter(self.ctx, self.names())
        where_fields: list[int] = []
        if plan.where is not None:
            _, where_fields = used_names(plan, [plan.where])
        done = set()
        for i in where_fields:
            f = plan.fields[i]
            buf.emit(indent, f"{self.field_var[f.name]} = {w.write(f.expr)}",
                     LineContext("expr", f"field '{f.name}'", span=as_span(f.expr.span)))
            done.add(i)
        if plan.where is not None:
            buf.emit(indent, f"if not ({w.condition(plan.where)}): continue",
                     LineContext("expr", "where", span=as_span(plan.where.span)))
            self._convert_columns(buf, indent, late=True)
        for i in fields:
            if i in done:
                continue
            f = plan.fields[i]
            buf.emit(indent, f"{self.field_var[f.name]} = {w.write(f.expr)}",
                     LineContext("expr", f"field '{f.name}'", span=as_span(f.expr.span)))

    def group_keys(self, buf: CodeBuffer, indent: int, labelled: bool = False) -> None:
        """``n<level> = key`` for the keys that are not a column's local; ``labelled``:
        the rows of a chunk labelled Others (``engine/parent_order.py``) take its label."""
        w = ExprWriter(self.ctx, self.names())
        for level, g in enumerate(self.plan.groups):
            if self.key_var[level] != f"n{level}":
                continue
            buf.emit(indent, f"n{level} = {w.write(g.key)}",
                     LineContext("expr", f"the key of group '{g.name}'", span=as_span(g.key.span)))
            if labelled and g.others is not None:
                buf.emit(indent, f"if _label is not None: n{level} = _label")

    def sort_keys(self, buf: CodeBuffer, indent: int) -> None:
        w = ExprWriter(self.ctx, self.names())
        for i, k in enumerate(self.plan.sort):
            buf.emit(indent, f"s{i} = {w.write(k.expr)}",
                     LineContext("expr", "a sort key", span=as_span(k.expr.span)))

    def rank_slots(self) -> dict[int, int]:
        """Group level -> the record item holding its rank, for ordered or limited levels."""
        slots, at = {}, 0
        for i, g in enumerate(self.plan.groups):
            if g.order_by is not None or g.limit is not None:
                slots[i] = at
                at += 1
            at += key_part_width(g.key_type)
        return slots

    def write_prepare(self, buf: CodeBuffer, fields: list[int], payload_vars: list[str]) -> None:
        """``prepare(chunks, rt, add)``, the first pass of the sorted mode: each row that
        passes ``where`` becomes a record ``(*key parts, row number, (payload))`` (see
        ``sorting``), handed to ``add`` a chunk at a time."""
        buf.emit(0, "def prepare(chunks, rt, add):")
        buf.emit(1, "_row_failed = rt.row_failed; _chunk_done = rt.chunk_done")
        buf.emit(1, "rown = 0")
        buf.emit(1, "for chunk in chunks:")
        buf.emit(2, "out = []; append = out.append")
        buf.emit(2, "for row in chunk:")
        buf.emit(3, "rown += 1")
        buf.emit(3, "try:")
        self.unpack(buf, 4)
        self.fields_and_where(buf, 4, fields)
        self.group_keys(buf, 4)
        self.sort_keys(buf, 4)
        # an ordered or limited level (§12) gets a rank item before its key, 0 until
        # ``passes`` sets it
        parts = [("0, " if i in self.rank_slots() else "") + key_part_code(self.key_var[i], g.key_type, g.desc)
                 for i, g in enumerate(self.plan.groups)]
        parts += [key_part_code(f"s{i}", k.expr.type, k.desc) for i, k in enumerate(self.plan.sort)]
        buf.emit(3, "except Exception as _e:")
        buf.emit(4, "_row_failed(_e, rown, row); continue")
        payload = ", ".join(payload_vars)
        keys = "".join(p + ", " for p in parts)
        buf.emit(3, f"append(({keys}rown, ({payload}{',' if payload and ',' not in payload else ''})))")
        buf.emit(2, "add(out)")
        buf.emit(2, "_chunk_done(rown)")
        buf.emit(1, "return rown")


def detail_values(plan: Plan) -> list[str]:
    """The Values of a detail event, in order: the columns', then the row's styles'."""
    if plan.detail is None:
        return []
    return [c.value for c in plan.detail.columns] + plan.detail.extras
