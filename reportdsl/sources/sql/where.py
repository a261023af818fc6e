"""``where`` pushed into SQL ``WHERE``, so the database leaves out what the report would.

In: the plan's ``where``, the SQL dialect's name, an identifier quoting function and
the columns the SELECT reads. Out: ``SqlWhere`` (the condition's text and the values it
binds), or ``None`` when no part of it has a faithful SQL form.

The engine still evaluates ``where`` on every row the database sends, so the SQL
condition only has to keep every row the report keeps, and every row the report
would fail on; it never decides alone.
Faithful means: whatever SQL says false or null, the engine would too.
- ``and``, ``or`` and ``not`` are three-valued in both, with null leaving a row out;
  a conjunct with no SQL form is dropped (the rest still filters) only if the engine
  computes it without error on any row (``_WhereTranslator.fail_free``: plain typed
  operators and functions), anything else with no SQL form gives up.
- Comparisons only between plain values (columns, fields that are a column,
  parameters, literals) of one kind whose SQL order is the engine's: integers
  everywhere; DECIMAL on the servers (SQLite keeps them as floats); dates on
  PostgreSQL and DuckDB, which type them (SQLite keeps text, MariaDB has zero dates);
  text on SQLite, with ``COLLATE BINARY`` (code-point order, as in Python) and unary
  ``+``, which keeps a column's affinity from turning the other side's '5' into 5; text
  on DuckDB as ``VARCHAR`` with ``COLLATE C`` (a column may declare a collation, an
  enum compares by its declaration; Parquet sources compare text here).
  No arithmetic: SQL integers overflow where Python's do not.
- A row holding a value the engine fails on must still reach it: each column the
  ``where`` reads (pushed or not) adds ``OR <such a value>`` (``_MUST_REACH``): on
  SQLite, which stores any value in any column, a storage class that is not the
  column's clean one; on PostgreSQL a NaN decimal; on PostgreSQL and DuckDB an
  infinite date, which Python's dates cannot hold. A column whose failing values SQL
  cannot spot (SQLite's dates, MariaDB's invalid dates) means no pushdown.
- An integer beyond 64 bits is left to the engine: SQLite reads such a literal as a
  float, and sqlite3 cannot bind such a parameter (``fits_int64``, checked by
  ``sql.statement.select_statement`` once the values are known).
Rows left out by the database are not read: row numbers in errors count the rows the
source delivers (docs/language-notes.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from reportdsl.language import FUNCTION_BY_NAME
from reportdsl.language.walk import chain
from reportdsl.plan.models import BinaryOp, FuncCall, Lit, Plan, Ref, UnaryOp
from reportdsl.sources.text_values import parse_date

_COMPARE = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
# The kinds of value each database compares exactly as the engine does.
_KINDS = {
    "sqlite": {"int", "string"},
    "postgresql": {"int", "decimal", "date"},
    "duckdb": {"int", "decimal", "date", "string"},
    "mysql": {"int", "decimal"},
    "mariadb": {"int", "decimal"},
    # the warehouses (pushdown/capabilities.py): integers and decimals compare exactly
    "trino": {"int", "decimal"},
    "bigquery": {"int", "decimal"},
    "snowflake": {"int", "decimal"},
    # its drivers write a bound Decimal into the SQL as a literal ClickHouse reads as a
    # Float64: decimals compared there would be compared as floats
    "clickhouse": {"int"},
    "databricks": {"int", "decimal"},
}
_NUMBERS = {"int", "decimal"}
# Per dialect and column type: SQL that is true for a value the engine fails on
# (converting it, or comparing a NaN decimal) or cannot read (an infinite date), so
# that such rows reach it whatever the condition says; None: no such value. A type
# missing here may hold such values where SQL cannot tell: ``where`` is not pushed.
_MUST_REACH: dict[str, dict[str, str | None]] = {
    "sqlite": {  # storage classes other than the clean ones
        "int": "typeof({c}) NOT IN ('integer', 'null')",
        "string": "typeof({c}) NOT IN ('text', 'null')",
        "float": "typeof({c}) NOT IN ('integer', 'real', 'null')",
        "decimal": "typeof({c}) NOT IN ('integer', 'real', 'null')",
        "bool": "typeof({c}) NOT IN ('integer', 'null') OR {c} NOT IN (0, 1)",
        "any": None,
    },
    "postgresql": {"int": None, "string": None, "float": None, "bool": None, "any": None,
                   "decimal": "{c} = 'NaN'", "date": "NOT isfinite({c})", "datetime": "NOT isfinite({c})"},
    "duckdb": {"int": None, "decimal": None, "string": None, "float": None, "bool": None, "any": None,
               "date": "NOT isfinite({c})", "datetime": "NOT isfinite({c})"},
    "mysql": {"int": None, "decimal": None, "string": None, "float": None, "any": None,
              "bool": "{c} NOT IN (0, 1)"},
}
_MUST_REACH["mariadb"] = _MUST_REACH["mysql"]
# The warehouses store no value of these kinds that the engine cannot read: no NaN
# decimal, no infinite date (their documentation; their floats' NaN is the engine's).
for _warehouse in ("trino", "bigquery", "snowflake", "clickhouse", "databricks"):
    _MUST_REACH[_warehouse] = {k: None for k in ("int", "decimal", "string", "float", "bool", "date", "any")}
_ALL_NUMBERS = {"int", "decimal", "float"}
_ORDERED_ALIKE = {"string", "date", "datetime", "bool"}  # the engine compares them with Python's operators


class _NoSQL(Exception):
    pass


@dataclass
class SqlWhere:
    condition: str  # to follow "WHERE "
    binds: dict = field(default_factory=dict)


class _WhereTranslator:
    def __init__(self, plan: Plan, dialect: str, quote: Callable[[str], str], available: set[str]):
        self.kinds = _KINDS.get(dialect, set())
        self.dialect = dialect
        self.quote = quote
        self.available = available
        self.fields = {f.name: f for f in plan.fields}
        self.columns = {c.name: c.type for c in plan.columns}
        self.binds: dict = {}
        self.bind_prefix = internal_bind_prefix(plan, "_rdsl_w")
        self.read: dict[str, str] = {}  # column -> report type, for ``guard``

    def condition(self, e) -> str:
        if isinstance(e, BinaryOp) and e.op in ("and", "or"):
            # one flat list: SQLite's parser stack overflows on ~90 nested parentheses,
            # and its expression depth stops at 1000
            terms, _ = chain(e, (e.op,), both_sides=True)
            if len(terms) > _MAX_TERMS:
                raise _NoSQL
            return "(" + f" {e.op.upper()} ".join(self.condition(t) for t in terms) + ")"
        if isinstance(e, UnaryOp) and e.op == "not" and e.operand.type == "bool":
            return f"(NOT {self.condition(e.operand)})"
        if isinstance(e, BinaryOp) and e.op in _COMPARE:
            kind = self._kind(e.left.type, e.right.type)
            left, right = self.value(e.left), self.value(e.right)
            if kind == "string" and self.dialect == "sqlite":
                # a column declared STRING has NUMERIC affinity: without "+" the other
                # side's '5' would be compared as the number 5
                left, right = f"+{left} COLLATE BINARY", f"+{right}"
            elif kind == "string" and self.dialect == "duckdb":
                left, right = (f"CAST({side} AS VARCHAR) COLLATE C" for side in (left, right))
            return f"({left} {_COMPARE[e.op]} {right})"
        raise _NoSQL

    def _kind(self, a: str, b: str) -> str:
        kind = a if a == b else ("decimal" if {a, b} <= _NUMBERS else None)
        if kind is None or kind not in self.kinds or (kind == "decimal" and not {a, b} <= self.kinds):
            raise _NoSQL
        return kind

    def value(self, e) -> str:
        if isinstance(e, Ref):
            if e.ref == "column" and e.name in self.available and self.columns.get(e.name) == e.type:
                self.read[e.name] = e.type
                return self.quote(e.name)
            if e.ref == "field" and e.name in self.fields:
                return self.value(self.fields[e.name].expr)
            if e.ref == "param":
                return f":{e.name}"
            raise _NoSQL
        if isinstance(e, Lit) and e.value is not None and not isinstance(e.value, bool):
            if e.type == "int" and isinstance(e.value, int):
                if not fits_int64(e.value):
                    raise _NoSQL  # SQLite would read it as a float
                return str(e.value)
            return self._bind(_literal(e.type, e.value))
        if isinstance(e, FuncCall) and e.func == "date" and len(e.args) == 1 and isinstance(e.args[0], Lit):
            return self._bind(_literal("date", e.args[0].value))  # date("2024-01-31"), folded
        raise _NoSQL

    def _bind(self, value) -> str:
        name = f"{self.bind_prefix}{len(self.binds)}"
        self.binds[name] = value
        return f":{name}"

    def fail_free(self, e) -> None:
        """Raise ``_NoSQL`` unless the engine computes ``e`` without a row error whatever
        the row holds (once its columns convert: ``guard``); records the columns read."""
        if isinstance(e, Lit):
            return
        if isinstance(e, Ref):
            if e.ref == "field":
                return self.fail_free(self.fields[e.name].expr)
            if e.ref == "column" and e.type != "any" and self.columns.get(e.name) == e.type:
                self.read[e.name] = e.type
                return
            if e.ref == "param" and e.type != "any":
                return
            raise _NoSQL
        if isinstance(e, UnaryOp):
            ok = e.operand.type == "bool" if e.op == "not" else e.operand.type in _ALL_NUMBERS
            operands = [e.operand]
        elif isinstance(e, BinaryOp):
            a, b = e.left.type, e.right.type
            if e.op in ("and", "or"):
                ok = a == b == "bool"
            elif e.op in _COMPARE:
                ok = (a in _ALL_NUMBERS and b in _ALL_NUMBERS) or (a == b and a in _ORDERED_ALIKE)
            else:  # date - date (int days) cannot fail; date ± int can (past year 9999)
                ok = (e.op in ("+", "-", "*", "/") and a in _ALL_NUMBERS and b in _ALL_NUMBERS) or (
                    e.op == "+" and a == b == "string") or (e.op == "-" and a == b == "date")
            operands = [e.left, e.right]
        elif isinstance(e, FuncCall):
            ok = _fail_free_call(e)
            if e.func == "date" and len(e.args) == 1 and isinstance(e.args[0], Lit):
                _literal("date", e.args[0].value)  # a constant, unless it fails on every row
                ok = True
            operands = e.args
        else:
            ok = False
        if not ok:
            raise _NoSQL
        for operand in operands:
            self.fail_free(operand)

    def guard(self) -> str:
        """`` OR ...`` for the rows holding a value the engine fails on (``_MUST_REACH``)."""
        must_reach = _MUST_REACH.get(self.dialect, {})
        checks = []
        for column, type_ in sorted(self.read.items()):
            if type_ not in must_reach:
                raise _NoSQL
            if (check := must_reach[type_]) is not None:
                checks.append(check.format(c=self.quote(column)))
        return "".join(" OR " + c for c in checks)


def _fail_free_call(e: FuncCall) -> bool:
    """Whether the function, declared fail-free, gets one argument of a type it takes."""
    decl = FUNCTION_BY_NAME.get(e.func)
    if decl is None or not decl.fail_free or len(e.args) != 1:
        return False
    allowed = decl.arg(0).types
    return allowed is None or e.args[0].type in allowed


def fits_int64(value) -> bool:
    """Whether SQL can take ``value`` as it is (sqlite3 binds no integer beyond 64 bits,
    SQLite reads a longer literal as a float); the engine compares any integer."""
    return not isinstance(value, int) or -(2 ** 63) <= value < 2 ** 63


def _literal(type_: str, value):
    """A literal's value as the engine reads it (decimals and dates are kept as text)."""
    try:
        if type_ == "string" and isinstance(value, str):
            return value
        if type_ == "decimal" and isinstance(value, (str, int)):
            return Decimal(value)
        if type_ == "date" and isinstance(value, str):
            return parse_date(value)  # as the engine parses it
    except (ValueError, ArithmeticError):
        pass  # the engine reports it per row
    raise _NoSQL


def _conjuncts(e) -> list:
    return chain(e, ("and",), both_sides=True)[0]


_MAX_TERMS = 500  # an or/and list longer than this stays in the engine


def internal_bind_prefix(plan: Plan, base: str) -> str:
    """A prefix for the names of values the report binds itself, which no parameter
    name (bound as ``:name`` too) starts with."""
    prefix = base
    while any(p.name.startswith(prefix) for p in plan.params):
        prefix = "_" + prefix
    return prefix


def where_clause(plan: Plan, dialect: str, quote: Callable[[str], str], available: set[str]) -> SqlWhere | None:
    """The SQL form of as much of ``plan.where`` as has one, or None."""
    if plan.where is None:
        return None
    t = _WhereTranslator(plan, dialect, quote, available)
    parts, dropped = [], []
    for conjunct in _conjuncts(plan.where):
        binds, read = dict(t.binds), dict(t.read)
        try:
            parts.append(t.condition(conjunct))
        except (_NoSQL, KeyError):
            t.binds, t.read = binds, read  # the engine still applies it
            dropped.append(conjunct)
    if not parts:
        return None
    try:
        # ... and must not fail on a row SQL leaves out, nor on the columns it reads
        for conjunct in dropped:
            if conjunct.type != "bool":
                raise _NoSQL
            t.fail_free(conjunct)
        guard = t.guard()
    except (_NoSQL, KeyError):
        return None
    condition = " AND ".join(parts)
    return SqlWhere(f"({condition}){guard}" if guard else condition, t.binds)
