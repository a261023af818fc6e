"""Group keys and ``sort by`` pushed into SQL ``ORDER BY``.

In: the plan's group keys and sort keys, the SQL dialect's name and an identifier
quoting function. Out: ``OrderBy`` (the clause text and the bound values it uses),
or ``None`` when some key has no faithful SQL form — the engine then sorts.

Faithful means the database orders exactly as the engine would:
- null last in both directions: ``NULLS LAST`` where the database has it (SQLite
  ≥ 3.30, PostgreSQL, DuckDB), ``(x IS NULL), x`` on MySQL/MariaDB, which have not;
- text by code point, like Python: ``COLLATE "C"`` on PostgreSQL, ``BINARY`` on
  MySQL/MariaDB (SQLite's and DuckDB's default collation already is);
- only expressions whose SQL meaning matches the engine's (columns, fields made of
  them, + - * on numbers, coalesce, abs, year/month/day).
The runner still checks the order of group keys as they arrive and stops with a
clear error if a database disagrees.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from reportdsl.language import FUNCTION_BY_NAME
from reportdsl.plan.models import BinaryOp, FuncCall, Lit, Plan, Ref, UnaryOp

_NUMERIC = {"int", "decimal", "float"}
_NULLS_LAST = {"postgresql", "duckdb"}
_MYSQL = {"mysql", "mariadb"}


class _NoSQL(Exception):
    pass


@dataclass
class OrderBy:
    clause: str  # "ORDER BY ..." or ""
    binds: dict = field(default_factory=dict)


def sqlite_has_nulls_last() -> bool:
    return sqlite3.sqlite_version_info >= (3, 30, 0)


class _Translator:
    def __init__(self, plan: Plan, dialect: str, quote: Callable[[str], str], available: set[str]):
        self.plan = plan
        self.dialect = dialect
        self.quote = quote
        self.available = available
        self.fields = {f.name: f for f in plan.fields}
        self.binds: dict = {}

    def bind(self, value) -> str:
        name = f"_rdsl_o{len(self.binds)}"
        self.binds[name] = value
        return f":{name}"

    def sql(self, e) -> str:
        if isinstance(e, Ref):
            if e.ref == "column":
                if e.name not in self.available:
                    raise _NoSQL
                return self.quote(e.name)
            if e.ref == "field":
                return f"({self.sql(self.fields[e.name].expr)})"
            if e.ref == "param":
                return f":{e.name}"
            raise _NoSQL
        if isinstance(e, Lit):
            if isinstance(e.value, bool) or e.value is None:
                raise _NoSQL
            if isinstance(e.value, int) and e.type == "int":
                return str(e.value)
            raise _NoSQL
        if isinstance(e, UnaryOp) and e.op == "-" and e.operand.type in _NUMERIC:
            return f"(-{self.sql(e.operand)})"
        if isinstance(e, BinaryOp) and e.op in ("+", "-", "*"):
            exact = e.type == "int" or (
                # SQLite keeps DECIMAL values as floats: its arithmetic on them is not exact
                self.dialect != "sqlite" and {e.left.type, e.right.type} <= {"int", "decimal"})
            if e.left.type in _NUMERIC and e.right.type in _NUMERIC and exact:
                return f"({self.sql(e.left)} {e.op} {self.sql(e.right)})"
            raise _NoSQL
        if isinstance(e, FuncCall):
            return self._call(e)
        raise _NoSQL

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
        written = [self.sql(a) for a in e.args]
        return template.format(*written, args=", ".join(written))

    def term(self, e, type_: str, desc: bool) -> list[str]:
        x = self.sql(e)
        if type_ not in ("string", "int", "decimal", "float", "date", "datetime", "bool") and self.dialect != "sqlite":
            raise _NoSQL  # unknown type: no collation clause is known to be right
        if type_ == "string":
            if self.dialect == "postgresql":
                x = f'{x} COLLATE "C"'
            elif self.dialect in _MYSQL:
                x = f"BINARY {x}"
            elif self.dialect not in ("sqlite", "duckdb"):
                raise _NoSQL
        direction = " DESC" if desc else ""
        if self.dialect in _NULLS_LAST or (self.dialect == "sqlite" and sqlite_has_nulls_last()):
            return [f"{x}{direction} NULLS LAST"]
        if self.dialect in _MYSQL or self.dialect == "sqlite":
            return [f"({x}) IS NULL", f"{x}{direction}"]
        return [f"CASE WHEN ({x}) IS NULL THEN 1 ELSE 0 END", f"{x}{direction}"]


def order_by(plan: Plan, dialect: str, quote: Callable[[str], str], available: set[str]) -> OrderBy | None:
    """The ORDER BY that delivers rows in report order, or None if it cannot be said in SQL."""
    keys = [(g.key, g.key_type, g.desc) for g in plan.groups] + [(k.expr, k.expr.type, k.desc) for k in plan.sort]
    if not keys:
        return OrderBy("")
    t = _Translator(plan, dialect, quote, available)
    try:
        terms = [part for e, type_, desc in keys for part in t.term(e, type_, desc)]
    except (_NoSQL, KeyError, IndexError):
        return None
    return OrderBy("ORDER BY " + ", ".join(terms), t.binds)
