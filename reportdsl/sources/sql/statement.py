"""The SELECT a SQL source runs, and the values it binds.

In: the source (a table or a query), the parameter values, the columns the report
reads, the plan (its ``where`` and order, pushed where SQL gives the engine's answer),
the dialect's name and identifier quoting, and for a read that can go on after a lost
connection the table's unique key and the last row delivered (``resume``). Out:
``Statement`` — the text with ``:name`` parameters, the values to bind, whether the rows
come in report order, and the ``Keyset`` of a read that can resume. ``bind_value``:
a parameter value as the driver takes it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from reportdsl.errors import ReportDataError, fail
from reportdsl.sources.sql.order import OrderKey, order_by, order_terms
from reportdsl.sources.sql.resume import Keyset, keyset
from reportdsl.sources.sql.text import has_own_order, query_parameters, strip_statement_end
from reportdsl.sources.sql.where import fits_int64, internal_bind_prefix, where_clause

if TYPE_CHECKING:
    from reportdsl.plan.models import Plan


def bind_value(value: object, dialect: str) -> object:
    """Parameter values as the driver takes them (sqlite3 has no Decimal or date type)."""
    if dialect != "sqlite":
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


class Statement(NamedTuple):
    """What ``select_statement`` makes of a source."""

    sql: str  # with ``:name`` parameters
    binds: dict[str, Any]  # the values to bind, by name
    ordered: bool  # the rows come in report order
    as_written: bool  # the query itself: its rows hold its own columns (``SelectRows.read_names``)
    keyset: Keyset | None = None  # the read's order is total: it can resume after a row (``resume``)


def select_statement(shown: str, table: str | None, query: str | None, params: dict[str, Any], columns: list[str],
                     plan: Plan | None, want_order: bool, dialect: str,
                     quote: Callable[[str], str], text_columns: AbstractSet[str] = frozenset(),
                     unique: list[OrderKey] | None = None, after: Sequence[Any] | None = None) -> Statement:
    """``SELECT cols FROM table|(query) AS _src [WHERE ...] [ORDER BY ...]``, or, for a
    query with an order of its own (``has_own_order``), the query as written: that order
    is the source order (§15), which no database keeps for a subquery once the outer
    statement sorts (and MariaDB not even then), so nothing is pushed and the engine's
    stable sort keeps it. With the table's ``unique`` key an ordered read's order ends with it, the
    keys' values are selected (``Keyset``) and ``after`` a row, only the rows past it."""
    cols = ", ".join(quote(c) for c in columns) or "1"
    binds: dict[str, Any] = {}
    if table:
        source = ".".join(quote(part) for part in table.split("."))
    elif query:
        body = strip_statement_end(query)
        for name, _ in query_parameters(body):
            if name not in params:
                raise fail(ReportDataError, f"the query of source '{shown}' uses :{name}, "
                                            f"but the report declares no parameter '{name}'")
            binds[name] = params[name]
        if has_own_order(body, dialect):
            return Statement(body, binds, False, True)
        source = f"({body}\n) AS _src"  # on its own line: the query may end in a -- comment
    else:
        raise fail(ReportDataError, f"source '{shown}' names neither a table nor a query")
    conditions = []
    where = where_clause(plan, dialect, quote, set(columns)) if plan is not None else None
    if where is not None:
        named = [name for name, _ in query_parameters(where.condition)]
        if all(fits_int64(params.get(name)) for name in named):
            conditions.append(where.condition)
            _bind_clause(binds, where.binds, named, params)
    ob = order_by(plan, dialect, quote, set(columns), text_columns) if want_order and plan is not None else None
    clause = ob.clause if ob is not None else ""
    ks = None
    # Only a read the report orders anyway ends its order with the unique key: the
    # tie-breaker costs little beside that sort, while ordering a plain listing would
    # make every read of a big table sort (or walk an index) just in case it is lost.
    if unique and table and plan is not None and ob is not None:
        ks = keyset((ob.keys if ob is not None else []) + unique, columns, quote)
        cols = ", ".join([cols, *ks.extra])
        clause = "ORDER BY " + ", ".join(t for k in ks.keys for t in order_terms(k, dialect))
        if after is not None:
            condition, values = ks.after(after, internal_bind_prefix(plan, "_rdsl_r"))
            conditions.append(condition)
            binds.update(values)
    sql = f"SELECT {cols} FROM {source}"
    if conditions:
        sql += " WHERE " + " AND ".join(f"({c})" if len(conditions) > 1 else c for c in conditions)
    if clause:
        sql += " " + clause
    if ob is not None:
        _bind_clause(binds, ob.binds, [name for name, _ in query_parameters(ob.clause)], params)
    return Statement(sql, binds, ob is not None, False, ks)


def _bind_clause(binds: dict[str, Any], own: dict[str, Any], named: list[str], params: dict[str, Any]) -> None:
    """A pushed clause's values: its own literals, and the report parameters it names."""
    binds.update(own)
    for name in named:
        binds.setdefault(name, params.get(name))
