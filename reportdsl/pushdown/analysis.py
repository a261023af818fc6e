"""Whether a report's aggregates can be computed by its database, and how.

In: a ``Plan`` and the source's ``Dialect`` (``capabilities``). Out: a ``PushSpec``
(group keys and aggregate arguments as sqlglot expressions, the ``where`` and filters
as SQL text with their bound values, the columns the query reads and their types), or
``NotPushed`` naming the first thing that has no exact SQL form, in the user's terms:
``cannot push down: MEDIAN(x) over region has no exact SQL form on sqlite``.

Only what gives the engine's answer to the last digit is pushed (CONTRACT.md §8):
- a report without detail rows (``Plan.detail is None``), no ``max_groups``, no group
  ordered by a total or limited (§12), no ``running`` aggregate (§9);
- group keys and aggregate arguments made of columns of a kind the dialect keeps
  exactly (``Dialect.kinds``), fields made of them, and ``+ - *`` where the dialect's
  arithmetic cannot overflow silently (``Dialect.exact_arithmetic``);
- ``where`` and filters only where ``sources/sql/where.py`` translates them whole
  (nothing left for the engine);
- SUM/COUNT/COUNT_DISTINCT/MIN/MAX/AVG; AVG as SUM and COUNT, divided in Python by the
  engine's own rule.
A column may hold a value the engine would fail on (SQLite keeps any value in any
column, PostgreSQL a NaN decimal or an infinite date): ``guards`` holds the SQL that
finds such rows; the executor checks none exists before the aggregates are trusted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlglot import exp

from reportdsl.language.walk import transform
from reportdsl.plan.models import Aggregate, BinaryOp, Expr, Lit, Plan, Ref, UnaryOp
from reportdsl.pushdown.capabilities import Dialect
from reportdsl.sources.sql.where import _MUST_REACH, _NoSQL, _WhereTranslator, fits_int64


@dataclass(frozen=True)
class NotPushed:
    reason: str  # "cannot push down: …"
    span: tuple[int, int] | None = None  # what it names, in the report's text


@dataclass
class PushedAggregate:
    """One plan aggregate: the SQL items it reads (aliases) and how to finish it."""

    id: str
    func: str
    arg_type: str  # the argument's kind ("" for COUNT())
    depth: int  # 0 the report, L + 1 group level L
    items: dict[str, str]  # role ("value", "sum", "count") -> select alias
    scale: int | None = None  # SQLite: the sum is of integers scaled by 10**scale (``sqlite_decimals``)


@dataclass
class PushSpec:
    dialect: Dialect
    keys: list[exp.Expression]  # per group level, in its code-point form for text
    key_types: list[str]
    items: list[tuple[str, int, exp.Expression]]  # (alias, depth, aggregate expression)
    aggregates: list[PushedAggregate]
    where: str | None  # SQL text with :name binds
    binds: dict = field(default_factory=dict)  # values the report binds itself
    params: list[str] = field(default_factory=list)  # report parameters the SQL binds
    guards: list[str] = field(default_factory=list)  # SQL true on a row the engine fails on
    conditions: list[str] = field(default_factory=list)  # filter SQL, by marker number
    columns: list[str] = field(default_factory=list)  # the source columns the statement reads
    depths: list[int] | None = None  # the levels the statement groups by (None: all; ``totals``)


_PUSHED_FUNCS = ("sum", "count", "avg", "min", "max", "count_distinct")
_NUMBERS = {"int", "decimal", "float"}
_MARK = "__rdsl_cond{}__"  # a filter's place in the sqlglot tree, replaced by its SQL text


def quote_for(dialect: Dialect) -> Callable[[str], str]:
    q = dialect.quote or ("`" if dialect.sqlglot == "mysql" else '"')

    def quote(name: str) -> str:
        name = spelled(dialect, name)
        return q + name.replace(q, q + q) + q
    return quote


def spelled(dialect: Dialect, name: str) -> str:
    """``name`` as the database stores it: where plain names are folded to upper case
    and SQLAlchemy reports them in lower case (``upper_names``), upper case (as
    SQLAlchemy's own ``denormalize_name`` does), then quoted: a reserved word stays a name."""
    if dialect.upper_names and _PLAIN_LOWER.fullmatch(name) is not None:
        return name.upper()
    return name


_PLAIN_LOWER = re.compile(r"[a-z_][a-z0-9_$]*")


class _Refused(Exception):
    def __init__(self, reason: str, span: tuple[int, int] | None = None):
        super().__init__(reason)
        self.span = span


class _Analysis:
    def __init__(self, plan: Plan, dialect: Dialect, text: str | None, source_order: str | None = None):
        self.text = text  # the report's text: calls are named as written
        self.source_order = source_order  # SQL giving each row's place in source order, if any
        self.span: tuple[int, int] | None = None  # of what is being translated
        self.plan = plan
        self.dialect = dialect
        self.columns = {c.name: c.type for c in plan.columns}
        self.fields = {f.name: f for f in plan.fields}
        self.groups = {g.name: g.key for g in plan.groups}
        self.read: dict[str, str] = {}  # column -> type: the guards check their values
        self.depth_of = {"report": 0} | {g.name: i + 1 for i, g in enumerate(plan.groups)}
        self.conditions: list[str] = []
        self.shared: dict[tuple, str] = {}  # an aggregate call's SQL (and level) -> its column
        self.binds: dict = {}
        self.params: list[str] = []
        self.scales: dict[str, int] = {}  # SQLite DECIMAL(p, s) columns: s (``sqlite_decimals``)
        self.more_guards: list[str] = []

    def refuse(self, what: str) -> _Refused:
        return _Refused(f"cannot push down: {what} on {self.dialect.name}", self.span)

    def shown(self, a: Aggregate) -> str:
        if self.text is not None and 0 <= a.span[0] < a.span[1] <= len(self.text):
            return " ".join(self.text[a.span[0]:a.span[1]].split())
        return a.text

    # ---- expressions ------------------------------------------------------------

    def value(self, e: Expr, where: str) -> exp.Expression:
        """``e`` as SQL giving the engine's value on every (clean) row, or refuse."""
        d = self.dialect
        if isinstance(e, Ref) and e.ref == "field" and e.name in self.fields:
            return self.value(self.fields[e.name].expr, where)
        if isinstance(e, Ref) and e.ref == "group" and e.name in self.groups:
            return self.value(self.groups[e.name], where)  # the key's value on each row
        if isinstance(e, Ref) and e.ref == "column":
            type_ = self.columns.get(e.name)
            if type_ != e.type or type_ not in d.kinds:
                raise self.refuse(f"{where} reads column '{e.name}' of a kind ({type_}) not kept exactly")
            self.read[e.name] = type_
            return exp.column(spelled(d, e.name), quoted=True)
        if isinstance(e, Lit) and e.type == "int" and type(e.value) is int and fits_int64(e.value):
            return exp.Literal.number(e.value)
        if isinstance(e, BinaryOp) and e.op in ("+", "-", "*") and {e.left.type, e.right.type} <= _NUMBERS:
            left, right = self.operand(e.left, where), self.operand(e.right, where)
            node = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}[e.op]
            return exp.Paren(this=node(this=left, expression=right))
        if isinstance(e, UnaryOp) and e.op == "-" and e.operand.type in _NUMBERS:
            return exp.Paren(this=exp.Neg(this=self.operand(e.operand, where)))
        raise self.refuse(f"{where} has no exact SQL form")

    def operand(self, e: Expr, where: str) -> exp.Expression:
        """An operand of arithmetic: floats as they are (IEEE in both), exact numbers
        only where the dialect's arithmetic cannot overflow silently."""
        x = self.value(e, where)
        if e.type == "float":
            return x
        kind = self.dialect.exact_arithmetic
        if kind is None:
            raise self.refuse(f"{where}: integer arithmetic may overflow")
        return x if kind == "native" else exp.cast(x, kind)

    def text_form(self, x: exp.Expression, type_: str) -> exp.Expression:
        """Text in its code-point form (grouped, compared and counted by code point)."""
        if type_ != "string":
            return x
        return _parsed(self.dialect.text_form.format(x="__rdsl_x__"), self.dialect, {"__rdsl_x__": x})

    def condition(self, e: Expr, where: str) -> str:
        """``where``/a filter as SQL text, whole, or refuse."""
        quote = quote_for(self.dialect)
        t = _WhereTranslator(self.plan, self.dialect.name, quote, set(self.columns))
        t.bind_prefix = f"_rdsl_c{len(self.conditions)}_"
        # a group key named in a filter is that key's expression on each row
        e = transform(e, lambda n: self.groups[n.name] if isinstance(n, Ref) and n.ref == "group"
                      and n.name in self.groups else n)
        try:
            text = t.condition(e)
        except (_NoSQL, KeyError):
            raise self.refuse(f"{where} has no exact SQL form") from None
        for column, type_ in t.read.items():
            self.read[column] = type_
        self.binds.update(t.binds)
        self.params += [name for name in _param_names(text) if name not in t.binds]
        self.conditions.append(text)
        return text

    # ---- aggregates ---------------------------------------------------------------

    def aggregate(self, a: Aggregate, index: int, items: list) -> PushedAggregate:
        shown = self.shown(a)
        self.span = (a.span[0], a.span[1])
        if a.func in ("first", "last"):
            return self.first_last(a, index, items, shown)
        if a.func not in _PUSHED_FUNCS or a.func not in self.dialect.aggregates:
            raise self.refuse(f"{shown} has no exact SQL form")
        if a.running:
            raise self.refuse(f"{shown} (a running value) is computed in print order")
        if a.scope not in self.depth_of:
            raise self.refuse(f"{shown} covers rows by page")
        depth = self.depth_of[a.scope]
        arg, arg_type, scale = self.argument(a, shown)
        if a.func in ("sum", "avg") and arg_type not in self.dialect.sum_kinds:
            raise self.refuse(f"{shown} sums values of a kind ({arg_type}) not summed exactly")
        if a.func in ("min", "max", "count_distinct") and arg_type == "bool":
            raise self.refuse(f"{shown} of booleans has no SQL form")
        condition = None
        if a.filter is not None:
            self.condition(a.filter, f"the filter of {shown}")
            condition = exp.column(_MARK.format(len(self.conditions) - 1))
        pushed = PushedAggregate(a.id, a.func, arg_type, depth, {}, scale)

        def item(role: str, func: str, x: exp.Expression | None, distinct: bool = False) -> None:
            call = self._call(func, x, condition, distinct)
            # one column for the same call (SUM(x) at two levels, AVG's count beside
            # COUNT(x)): GROUPING SETS computes every column for every level anyway
            key = (call.sql(dialect=self.dialect.sqlglot), None if self.dialect.grouping_sets else depth)
            alias = self.shared.get(key)
            if alias is None:
                alias = self.shared[key] = f"_a{index}_{role}"
                items.append((alias, depth, call))
            pushed.items[role] = alias

        if a.func == "count":
            item("count", "COUNT", arg)
        elif a.func == "count_distinct":
            assert arg is not None
            item("value", "COUNT", self.text_form(arg, arg_type), distinct=True)
        elif a.func in ("min", "max"):
            assert arg is not None
            item("value", a.func.upper(), self.text_form(arg, arg_type))
        else:  # sum, avg: the sum and the count of values it adds
            if arg_type == "float" and self.dialect.float_sum_cast is not None:
                assert arg is not None
                item("sum", "SUM", exp.cast(arg.copy(), self.dialect.float_sum_cast))
            else:
                item("sum", self.dialect.float_sum if arg_type == "float" else "SUM", arg)
            item("count", "COUNT", arg)
            if arg_type == "float":  # bounds the database's rounding error (execute._float_total)
                assert arg is not None
                item("abs", "SUM", exp.Abs(this=arg.copy()))
        return pushed

    def argument(self, a: Aggregate, shown: str) -> tuple[exp.Expression | None, str, int | None]:
        """An aggregate's argument in SQL, the kind of value it sums, and the scale of
        SQLite's scaled decimals (``sqlite_decimals``) where it is summed as integers."""
        arg_type = a.arg.type if a.arg is not None else ""
        if arg_type == "decimal" and self.scales and a.func in ("sum", "avg", "count"):
            from reportdsl.pushdown.sqlite_decimals import scaled

            assert a.arg is not None
            arg, scale = scaled(self, a.arg, shown)
            return arg, "int", scale  # summed as integers, read back as decimals of ``scale`` places
        return (self.value(a.arg, shown) if a.arg is not None else None), arg_type, None

    def first_last(self, a: Aggregate, index: int, items: list, shown: str) -> PushedAggregate:
        """FIRST/LAST where print order is source order — the innermost level (or the
        report without groups), no ``sort by`` — and the source has an order the SQL can
        name (``source_order``: Parquet's file and row numbers): the value at the least
        (greatest) position among the rows whose value is not null, ties impossible."""
        func = self.dialect.first_last
        if func is None or self.source_order is None:
            raise self.refuse(f"{shown} has no exact SQL form (no source order to take it by)")
        if self.plan.sort or a.running or self.depth_of.get(a.scope) != len(self.plan.groups):
            raise self.refuse(f"{shown} is taken in print order, which is not the source order there")
        if func != "ARG_MIN":
            raise self.refuse(f"{shown} has no exact SQL form")
        assert a.arg is not None
        arg = self.value(a.arg, shown)
        present: exp.Expression = exp.Not(this=exp.Is(this=arg.copy(), expression=exp.Null()))
        if a.filter is not None:
            self.condition(a.filter, f"the filter of {shown}")
            present = exp.And(this=exp.column(_MARK.format(len(self.conditions) - 1)), expression=present)
        call = exp.Anonymous(this="ARG_MIN" if a.func == "first" else "ARG_MAX",
                             expressions=[arg, _parsed(self.source_order, self.dialect, {})])
        alias = f"_a{index}_value"
        items.append((alias, len(self.plan.groups), exp.Filter(this=call, expression=exp.Where(this=present))))
        return PushedAggregate(a.id, a.func, a.arg.type, len(self.plan.groups), {"value": alias})

    def _call(self, func: str, x: exp.Expression | None, condition: exp.Expression | None,
              distinct: bool) -> exp.Expression:
        if condition is not None and not self.dialect.filter_clause:
            x = exp.Case(ifs=[exp.If(this=condition, true=x if x is not None else exp.Literal.number(1))])
            condition = None
        arg: exp.Expression = x if x is not None else exp.Star()
        if distinct:
            arg = exp.Distinct(expressions=[arg])
        call = exp.Anonymous(this=func, expressions=[arg]) if func == "FSUM" else _AGG[func](this=arg)
        return exp.Filter(this=call, expression=exp.Where(this=condition)) if condition is not None else call

    def guards(self) -> list[str]:
        must_reach = _MUST_REACH.get(self.dialect.name, {})
        quote = quote_for(self.dialect)
        out = []
        for column, type_ in sorted(self.read.items()):
            if type_ not in must_reach:
                raise self.refuse(f"column '{column}' may hold values SQL cannot check")
            if (check := must_reach[type_]) is not None:
                out.append(check.format(c=quote(column)))
        return out + self.more_guards


_AGG: dict[str, type[exp.Expression]] = {"SUM": exp.Sum, "COUNT": exp.Count, "MIN": exp.Min, "MAX": exp.Max}


def _parsed(template: str, dialect: Dialect, slots: dict[str, exp.Expression]) -> exp.Expression:
    import sqlglot

    tree = sqlglot.parse_one(template, read=dialect.sqlglot)
    return tree.transform(lambda n: slots[n.name].copy() if isinstance(n, exp.Column) and n.name in slots else n)


def _param_names(sql: str) -> list[str]:
    from reportdsl.sources.sql.text import query_parameters

    return [name for name, _ in query_parameters(sql)]


def analyse(plan: Plan, dialect: Dialect, text: str | None = None,
            scales: dict[str, int] | None = None, source_order: str | None = None) -> PushSpec | NotPushed:
    """The pushed form of ``plan``'s aggregates on ``dialect``, or why it streams;
    ``text``, the report's, names calls as written; ``scales``, SQLite's declared DECIMAL
    scales (their sums are pushed as scaled integers); ``source_order``, SQL over the
    source's columns that orders its rows as the source delivers them (unique)."""
    a = _Analysis(plan, dialect, text, source_order)
    a.scales = dict(scales or {})
    try:
        _whole_report(plan, a)
        keys = []
        for g in plan.groups:
            a.span = (g.key.span[0], g.key.span[1])
            keys.append(a.text_form(a.value(g.key, f"the key of group '{g.name}'"), g.key_type))
        where = None
        if plan.where is not None:
            a.span = (plan.where.span[0], plan.where.span[1])
            where = a.condition(plan.where, "the report's 'where'")
        items: list[tuple[str, int, exp.Expression]] = []
        aggregates = [a.aggregate(agg, i, items) for i, agg in enumerate(plan.aggregates)]
        a.span = None
        guards = a.guards()
    except _Refused as refused:
        return NotPushed(str(refused), refused.span)
    return PushSpec(dialect, keys, [g.key_type for g in plan.groups], items, aggregates, where,
                    a.binds, list(dict.fromkeys(a.params)), guards, a.conditions, sorted(a.read))


def _whole_report(plan: Plan, a: _Analysis) -> None:
    """What makes a report stream whatever its expressions."""
    if plan.detail is not None:
        raise _Refused("cannot push down: the report prints detail rows")
    if plan.max_groups is not None:
        raise _Refused("cannot push down: max_groups counts groups as they print")
    for g in plan.groups:
        if g.order_by is not None or g.limit is not None:
            raise _Refused(f"cannot push down: group '{g.name}' is ordered by a total or limited")
