"""Group keys and ``sort by`` pushed into SQL ``ORDER BY``.

In: the plan's group keys and sort keys, the SQL dialect's name and an identifier
quoting function. Out: ``OrderBy`` (the clause text and the bound values it uses),
or ``None`` when some key has no faithful SQL form — the engine then sorts.

Faithful means the database orders exactly as the engine would:
- a key that reads no column (a literal, a parameter, ``now()``, a field made of
  them) is the same on every row: it orders nothing and is left out. It never
  reaches the clause, where a bare integer would be a column position (§15), and a
  bound parameter is refused (DuckDB) or pasted in as such an integer (MariaDB's
  driver). Parameters are never bound in ``ORDER BY``: a key that mixes one with
  columns is sorted by the engine;
- null last in both directions: ``NULLS LAST`` where the database has it (SQLite
  ≥ 3.30, PostgreSQL, DuckDB), ``(x IS NULL), x`` on MySQL/MariaDB, which have not;
- text by code point, like Python: ``COLLATE "C"`` over the value as ``text`` on
  PostgreSQL (an enum's declared order, citext's case folding and the database's
  collation all set aside), the UTF-8 bytes (``BINARY CONVERT(x USING utf8mb4)``) on
  MySQL/MariaDB (a latin1 column's bytes are cp1252's), ``COLLATE BINARY`` on
  SQLite (a column may declare NOCASE), ``COLLATE C`` over the value as ``VARCHAR``
  on DuckDB (a column may declare a collation, an enum orders by its declaration);
- only expressions whose SQL value matches the engine's (columns, fields made of
  them, coalesce of one kind, year/month/day). SQLite keeps any value in any column
  (``_Translator._sqlite_column``): text keys are read as text, bool and datetime
  columns are sorted by the engine.
  Arithmetic (``+ - *``, negation, ``abs``) only where it is exact: the engine's
  integers have no bounds (§15), and 64-bit SQL integers overflow (an error, or a
  float on SQLite) — on PostgreSQL its operands are ``NUMERIC``, elsewhere the
  engine sorts.
The runner still checks the order of group keys as they arrive and stops with a
clear error if a database disagrees.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from reportdsl.language import FUNCTION_BY_NAME
from reportdsl.plan.models import BinaryOp, FuncCall, Lit, Plan, Ref, UnaryOp

_NUMERIC = {"int", "decimal", "float"}
_EXACT = {"int", "decimal"}
_NULLS_LAST = {"postgresql", "duckdb"}
_MYSQL = {"mysql", "mariadb"}
# Dialects whose exact numbers have no bound a report could reach: the arithmetic of a
# key is computed there on operands cast to this type.
_UNBOUNDED_NUMBER = {"postgresql": "NUMERIC"}
# Functions that may overflow on an integer argument (abs of the smallest 64-bit integer).
_ARITHMETIC_FUNCTIONS = {"abs"}
_KNOWN_TYPES = {"string", "int", "decimal", "float", "date", "datetime", "bool"}


class _NoSQL(Exception):
    pass


@dataclass(frozen=True)
class OrderKey:
    """One key of an ORDER BY: its SQL expression (text already in its code-point form)
    and direction; null sorts last either way where it may occur (``nullable``)."""

    expr: str
    desc: bool = False
    nullable: bool = True


@dataclass
class OrderBy:
    clause: str  # "ORDER BY ..." or ""
    binds: dict = field(default_factory=dict)
    keys: list[OrderKey] = field(default_factory=list)  # the clause's keys, for a keyset (``resume``)


def sqlite_has_nulls_last() -> bool:
    return sqlite3.sqlite_version_info >= (3, 30, 0)


class _Translator:
    def __init__(self, plan: Plan, dialect: str, quote: Callable[[str], str], available: set[str],
                 text_columns: AbstractSet[str]):
        self.plan = plan
        self.text_columns = text_columns
        self.dialect = dialect
        self.quote = quote
        self.available = available
        self.fields = {f.name: f for f in plan.fields}
        self.binds: dict = {}

    def reads_rows(self, e) -> bool:
        """Whether ``e`` may differ from row to row (it reads a column, a row number or
        anything not known to be constant); a field is read through."""
        if isinstance(e, Lit):
            return False
        if isinstance(e, Ref):
            if e.ref == "field":
                return self.reads_rows(self.fields[e.name].expr)
            return e.ref not in ("param", "title")
        if isinstance(e, UnaryOp):
            return self.reads_rows(e.operand)
        if isinstance(e, BinaryOp):
            return self.reads_rows(e.left) or self.reads_rows(e.right)
        if isinstance(e, FuncCall) and e.func in FUNCTION_BY_NAME:
            return any(self.reads_rows(a) for a in e.args)  # the registry has no random()
        return True

    def sql(self, e) -> str:
        if isinstance(e, Ref):
            if e.ref == "column":
                if e.name not in self.available:
                    raise _NoSQL
                if self.dialect == "sqlite":
                    return self._sqlite_column(e)
                return self.quote(e.name)
            if e.ref == "field":
                return f"({self.sql(self.fields[e.name].expr)})"
            raise _NoSQL  # a parameter is never bound in ORDER BY (see the module docstring)
        if isinstance(e, Lit):
            if isinstance(e.value, bool) or e.value is None:
                raise _NoSQL
            if isinstance(e.value, int) and e.type == "int" and -(2 ** 63) < e.value < 2 ** 63:
                # inside an expression (a bare one never gets here: it reads no row)
                return str(e.value)
            raise _NoSQL
        if isinstance(e, UnaryOp) and e.op == "-" and e.operand.type in _NUMERIC:
            if e.operand.type == "float":
                return f"(-{self.sql(e.operand)})"
            return f"(-{self.exact(e.operand)})"
        if isinstance(e, BinaryOp) and e.op in ("+", "-", "*"):
            if e.left.type in _EXACT and e.right.type in _EXACT:
                return f"({self.exact(e.left)} {e.op} {self.exact(e.right)})"
            raise _NoSQL  # floats: the engine's float arithmetic and the database's may round apart
        if isinstance(e, FuncCall):
            return self._call(e)
        raise _NoSQL

    def _sqlite_column(self, e: Ref) -> str:
        """A column as SQLite orders it the engine's way. SQLite keeps any value in any
        column and sorts numbers before text: a value of another kind than the column's
        is read by the engine as the column's type (the text 'true' as a bool, the
        number 10 in a column declared STRING as the text "10"). So: text as text (its
        TEXT-affinity columns already are), no bool and no datetime (text in several
        forms, "T" or a space, offsets), which the engine sorts."""
        if e.type in ("bool", "datetime"):
            raise _NoSQL
        x = self.quote(e.name)
        if e.type == "string" and e.name not in self.text_columns:
            return f"CAST({x} AS TEXT)"
        return x

    def exact(self, e) -> str:
        """``e`` as an operand of arithmetic that cannot overflow, or ``_NoSQL``."""
        kind = _UNBOUNDED_NUMBER.get(self.dialect)
        if kind is None:
            raise _NoSQL
        return f"CAST({self.sql(e)} AS {kind})"

    def _call(self, e: FuncCall) -> str:
        """A scalar function as its declaration spells it in this dialect, where the
        arguments' types make that the engine's answer."""
        decl = FUNCTION_BY_NAME.get(e.func)
        template = decl.sql_for(self.dialect) if decl is not None else None
        if decl is None or template is None:
            raise _NoSQL
        types = [a.type for a in e.args]
        if decl.name == "coalesce" and len(set(types)) != 1:
            raise _NoSQL  # mixed kinds: the database's common type need not be the engine's
        if any(rule.types is not None and t not in rule.types for t, rule in zip(
                types, (decl.arg(i) for i in range(len(types))), strict=True)):
            raise _NoSQL
        if decl.name in _ARITHMETIC_FUNCTIONS:
            written = [self.exact(a) if a.type in _EXACT else self.sql(a) for a in e.args]
        else:
            written = [self.sql(a) for a in e.args]
        return template.format(*written, args=", ".join(written))

    def key(self, e, type_: str, desc: bool) -> list[OrderKey]:
        """The ORDER BY key of one report key; none for a key that reads no row."""
        if not self.reads_rows(e):
            return []
        x = self.sql(e)
        if type_ not in _KNOWN_TYPES and self.dialect != "sqlite":
            raise _NoSQL  # unknown type: no collation clause is known to be right
        if type_ == "string" and self.dialect != "sqlite":
            x = code_point_text(x, self.dialect)
        if self.dialect == "sqlite" and type_ not in _KNOWN_TYPES - {"string"}:
            x = f"{x} COLLATE BINARY"  # text (also in an untyped column) as Python orders it
        return [OrderKey(x, desc)]


def code_point_text(x: str, dialect: str) -> str:
    """The text ``x`` in a form the database compares by code point, like Python."""
    if dialect == "postgresql":
        return f'CAST({x} AS TEXT) COLLATE "C"'
    if dialect in _MYSQL:
        return f"BINARY CONVERT({x} USING utf8mb4)"
    if dialect == "duckdb":
        return f"CAST({x} AS VARCHAR) COLLATE C"
    raise _NoSQL


def order_terms(key: OrderKey, dialect: str) -> list[str]:
    """The ORDER BY terms of ``key``: null last in both directions."""
    x, direction = key.expr, " DESC" if key.desc else ""
    if not key.nullable:
        return [f"{x}{direction}"]
    if dialect in _NULLS_LAST or (dialect == "sqlite" and sqlite_has_nulls_last()):
        return [f"{x}{direction} NULLS LAST"]
    if dialect in _MYSQL or dialect == "sqlite":
        return [f"({x}) IS NULL", f"{x}{direction}"]
    return [f"CASE WHEN ({x}) IS NULL THEN 1 ELSE 0 END", f"{x}{direction}"]


def order_by(plan: Plan, dialect: str, quote: Callable[[str], str], available: set[str],
             text_columns: AbstractSet[str] = frozenset()) -> OrderBy | None:
    """The ORDER BY that delivers rows in report order, or None if it cannot be said in
    SQL. ``text_columns``: SQLite columns of TEXT affinity (whose values are all text)."""
    keys = [(g.key, g.key_type, g.desc) for g in plan.groups] + [(k.expr, k.expr.type, k.desc) for k in plan.sort]
    t = _Translator(plan, dialect, quote, available, text_columns)
    try:
        order = [k for e, type_, desc in keys for k in t.key(e, type_, desc)]
    except (_NoSQL, KeyError, IndexError):
        return None
    terms = [part for k in order for part in order_terms(k, dialect)]
    return OrderBy("ORDER BY " + ", ".join(terms) if terms else "", t.binds, order)
