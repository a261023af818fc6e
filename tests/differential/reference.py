"""The referee: DuckDB SQL computing what a ``Case`` over a ``Table`` must give.

In: a ``Table`` and a ``Case``. Out: the expected JSON result (CONTRACT.md §3) as a
dict of Python values — row counts, totals per scope keyed by the call's text, groups
in print order — computed by one GROUP BY per level in DuckDB, never by reportdsl.

Print order (LANGUAGE.md §5, §15): groups by key (``desc`` reverses; nulls last either
way; text by code point), rows inside the innermost group in source order. FIRST and
LAST follow print order and skip nulls. AVG of ints and decimals is a decimal to 28
significant digits (SQL's NUMERIC division): the reference divides DuckDB's exact sum
by the count in Python, so it is exact too.

Filtered calls are DuckDB's ``FILTER (WHERE …)``. MEDIAN and PERCENTILE of floats are
DuckDB's ``quantile_cont`` as it is (NaN above every number there too). Of ints and
decimals reportdsl is exact where DuckDB answers in doubles (or rounds to the column's
scale), and STDDEV/VARIANCE in doubles (Welford's running sums) lose digits as the
data's spread shrinks against its mean and overflow past 1e154: for those the referee
computes the exact value from the very values DuckDB's filter selects (``list(x)``),
rounded once as reportdsl promises, and checks that DuckDB's ``stddev_samp``,
``var_samp`` and ``quantile_cont`` agree with it (to 1e-9) wherever doubles can.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, localcontext

import duckdb

from .cases import COLUMNS, FIELDS, Call, Case, Table
from .statistics import statistic


def connect(table: Table) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    columns = ", ".join(f"{name} {sql_type}" for name, (_, sql_type) in COLUMNS.items())
    con.execute(f"CREATE TABLE t (rid BIGINT, {columns})")
    if table.rows:
        marks = ", ".join("?" * (len(COLUMNS) + 1))
        con.executemany(f"INSERT INTO t VALUES ({marks})", [(i, *row) for i, row in enumerate(table.rows)])
    return con


def with_fields(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """``v``: the table with the report's fields, as DuckDB computes them."""
    con.create_function("py_upper", str.upper, ["VARCHAR"], "VARCHAR")
    fields = ", ".join(f"{sql} AS {name}" for name, (_, sql, _) in FIELDS.items())
    con.execute(f"CREATE VIEW v AS SELECT *, {fields} FROM t")
    return con


def _order(case: Case, below: int) -> str:
    """Print order of the rows inside one instance of level ``below - 1`` (0: the report)."""
    keys = [f"{lv.sql_key} {'DESC' if lv.desc else 'ASC'} NULLS LAST" for lv in case.levels[below:]]
    if case.sort:
        keys.append(f"{case.sort[0]} {'DESC' if case.sort[1] else 'ASC'} NULLS LAST")
    return ", ".join([*keys, "rid"])


def _select(call: Call, order: str) -> list[str]:
    x = call.arg
    where = f" FILTER (WHERE {call.filter[1]})" if call.filter else ""
    if call.func == "count":
        return [f"COUNT({x or '*'}){where}"]
    if call.func == "count_distinct":
        return [f"COUNT(DISTINCT {x}){where}"]
    if call.func in ("sum", "avg"):
        total = f"fsum({x})" if _type(x) == "float" else f"SUM({x})"
        return [total + where, f"COUNT({x}){where}"]
    if call.func in ("min", "max"):
        return [f"{call.func.upper()}({x}){where}"]
    if call.func in ("first", "last"):
        pick = "first" if call.func == "first" else "last"
        both = f" AND ({call.filter[1]})" if call.filter else ""
        return [f"{pick}({x} ORDER BY {order}) FILTER (WHERE {x} IS NOT NULL{both})"]
    p = "0.5" if call.func == "median" else call.fraction
    sql = {"stddev": f"stddev_samp({x})", "variance": f"var_samp({x})"}.get(call.func)
    if sql is None:
        sql = f"quantile_cont({x}, {p})" if _type(x) == "float" else f"quantile_cont(CAST({x} AS DOUBLE), {p})"
    return [sql + where, f"list({x}){where}"]


def _value(call: Call, got: list):
    if call.func in ("stddev", "variance", "median", "percentile"):
        return statistic(call, _type(call.arg), *got)
    if call.func == "sum":
        total, count = got
        if count == 0:
            return None
        return Decimal(total) if _type(call.arg) == "decimal" else total
    if call.func == "avg":
        total, count = got
        if count == 0:
            return None
        if _type(call.arg) == "float":
            return total / count
        with localcontext() as ctx:
            ctx.prec = 28
            return Decimal(total) / count
    return got[0]


def expected(table: Table, case: Case) -> dict:
    con = with_fields(connect(table))
    where = f"WHERE {case.where[1]}" if case.where else ""
    result: dict = {}
    scopes: dict[tuple, dict] = {}
    for depth in range(len(case.levels) + 1):
        keys = [lv.sql_key for lv in case.levels[:depth]]
        parts, selects = [], []
        for call in case.calls:
            cols = _select(call, _order(case, depth))
            parts.append((call, slice(len(selects), len(selects) + len(cols))))
            selects += cols
        group_by = f"GROUP BY {', '.join(keys)}" if keys else ""
        order_by = ", ".join(f"{lv.sql_key} {'DESC' if lv.desc else 'ASC'} NULLS LAST" for lv in case.levels[:depth])
        sql = (f"SELECT {', '.join([*keys, 'COUNT(*)', *selects])} FROM v {where} {group_by}"
               + (f" ORDER BY {order_by}" if order_by else ""))
        rows = con.execute(sql).fetchall()
        if depth == 0:
            (row,) = rows
            result = {"row_count": row[0], "totals": _totals(parts, row[1:])}
            scopes = {(): result}
            continue
        new_scopes = {}
        for row in rows:
            key_values, rest = tuple(row[:depth]), row[depth:]
            scope_key = tuple(_NAN if isinstance(k, float) and math.isnan(k) else k for k in key_values)
            node = {"group": case.levels[depth - 1].name, "key": key_values[-1], "row_count": rest[0],
                    "totals": _totals(parts, rest[1:])}
            scopes[scope_key[:-1]].setdefault("groups", []).append(node)
            new_scopes[scope_key] = node
        scopes = new_scopes
    if case.levels:
        result.setdefault("groups", [])
    return result


_FIELD_TYPES = {"fd": "float", "pick": "float", "u": "string", "r": "decimal"}


def _type(name: str) -> str:
    return COLUMNS[name][0] if name in COLUMNS else _FIELD_TYPES[name]


_NAN = object()  # NaN keys a scope like any value (NaN != NaN would lose it)


def _totals(parts: list[tuple[Call, slice]], values: tuple) -> dict:
    return {call.text: _value(call, list(values[where])) for call, where in parts}


def same(got, want) -> bool:
    """Equal as reportdsl promises: exact, but float sums to a relative 1e-12."""
    if isinstance(want, float) and isinstance(got, float):
        if math.isnan(want) or math.isnan(got):
            return math.isnan(want) and math.isnan(got)
        return got == want or math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-300)
    if isinstance(want, Decimal) and isinstance(got, Decimal):
        return got == want
    if isinstance(want, dt.date):
        return got == want.isoformat()  # the JSON result carries dates as ISO text
    return type(got) is type(want) and got == want
