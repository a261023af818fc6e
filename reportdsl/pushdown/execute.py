"""Running a pushed report's SQL and shaping its rows into the tree of groups.

In: the plan, the run's source (the report's own, a URL override, a SQLAlchemy Engine
or Connection), the parameter values. Out: ``Target`` (where the query runs and in
which dialect) via ``target_of``; ``fetch_tree`` gives the ``Node`` tree: the report,
its groups in print order (key order of LANGUAGE.md §5/§15, sorted here with the
engine's own ``rank_key``, so no collation decides it), each with its row count and
its aggregates' final values as the engine computes them — or ``NotPushed`` when the
database refused the statement (an integer sum past HUGEINT or 64 bits) or a column
holds a value the engine would fail on: the report then streams and says so itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from reportdsl.engine import conversions as conv
from reportdsl.engine.aggregates.values import average
from reportdsl.engine.sorting import Desc, rank_key
from reportdsl.plan.models import Plan
from reportdsl.pushdown.analysis import NotPushed, PushedAggregate, PushSpec
from reportdsl.pushdown.builder import PushQuery
from reportdsl.sources.locations import TABLE_KINDS, Location, override_location, resolve


@dataclass
class Target:
    dialect: str  # SQLAlchemy's dialect name
    table: str | None
    query: str | None
    location: Location | None = None  # a URL (the report's or --source's)
    connectable: Any = None  # the caller's Engine or Connection


@dataclass
class Node:
    key: Any
    row_count: int = 0
    aggs: dict[str, Any] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)


def target_of(plan: Plan, source: object) -> Target | NotPushed:
    """Where the report's rows live, if in a SQL database this module can query."""
    spec = plan.source
    own = (spec.table, spec.query) if spec is not None and spec.kind in TABLE_KINDS else None
    if source is None:
        if spec is None or spec.kind not in TABLE_KINDS or own is None:
            return NotPushed("cannot push down: the source is not a SQL database")
        loc = resolve(spec, plan.base_dir)
    elif isinstance(source, (str, PurePath)):
        loc = override_location(str(source), os.getcwd())
        if loc.kind not in TABLE_KINDS or own is None:
            return NotPushed("cannot push down: the source is not a SQL database")
    elif (type(source).__module__ or "").startswith("sqlalchemy") and own is not None and hasattr(source, "dialect"):
        return Target(source.dialect.name, own[0], own[1], connectable=source)
    else:
        return NotPushed("cannot push down: the source is not a SQL database")
    if loc.kind == "spark":
        return Target("spark", own[0], own[1], location=loc)
    if loc.sqlite_path is not None or loc.sqlite_memory:
        return Target("sqlite", own[0], own[1], location=loc)
    scheme = loc.target.split(":", 1)[0].split("+", 1)[0]
    return Target({"postgres": "postgresql", "mysql": "mariadb"}.get(scheme, scheme), own[0], own[1], location=loc)


def fetch_tree(plan: Plan, target: Target, spec: PushSpec, query: PushQuery,
               params: dict[str, Any]) -> Node | NotPushed:
    from reportdsl.sources.sql.text import query_parameters
    from reportdsl.sources.sql.where import fits_int64

    binds = dict(query.binds)
    for name in [*spec.params, *[n for n, _ in query_parameters(target.query or "")]]:
        if name not in params:  # the query names an undeclared parameter: streaming says so
            return NotPushed(f"cannot push down: the query uses :{name}, which the report does not declare")
        binds[name] = params.get(name)
    if not all(fits_int64(v) for v in binds.values()):
        return NotPushed("cannot push down: a parameter's integer is wider than 64 bits")
    try:
        rows = _run(target, query, binds)
    except _Refused as refused:
        return NotPushed(str(refused))
    if rows is None:
        return NotPushed("cannot push down: a column holds a value the engine reads as an error")
    try:
        return _tree(plan, spec, rows)
    except _Refused as refused:
        return NotPushed(str(refused))


class _Refused(Exception):
    pass


def _run(target: Target, query: PushQuery, binds: dict[str, Any]) -> list[tuple] | None:
    """The statement's rows, or None when the guard found a row the engine fails on."""
    from reportdsl.sources.sql.stream import bind_value

    values = {k: bind_value(v, target.dialect) for k, v in binds.items()}
    loc = target.location
    if loc is not None and loc.kind == "spark":
        from reportdsl.sources.spark import pushed_statements

        with pushed_statements(loc) as (execute, errors):
            return _statements(execute, query, values, errors)
    if loc is not None and loc.sqlite_path is not None:
        import sqlite3

        if not os.path.exists(loc.sqlite_path):
            raise _Refused("cannot push down: no such file")  # streaming says it in full
        con = sqlite3.connect(f"file:{loc.sqlite_path}?mode=ro", uri=True)
        try:
            return _statements(con.execute, query, values, sqlite3.Error)
        finally:
            con.close()
    import sqlalchemy as sa

    from reportdsl.sources.sql.schema import make_engine
    from reportdsl.sources.sql.text import for_sqlalchemy_text

    def run_on(conn: sa.engine.Connection) -> list[tuple] | None:
        def execute(sql: str, args: dict) -> Any:
            named = {k: v for k, v in args.items() if f":{k}" in sql}
            return conn.execute(sa.text(for_sqlalchemy_text(sql)), named)
        return _statements(execute, query, values, sa.exc.DBAPIError)

    if isinstance(target.connectable, sa.engine.Connection):
        return run_on(target.connectable)
    engine = target.connectable if target.connectable is not None else make_engine(loc)  # type: ignore[arg-type]
    try:
        with engine.connect() as conn:
            return run_on(conn)
    except sa.exc.OperationalError as exc:
        raise _Refused(f"cannot push down: {str(exc.orig).splitlines()[0]}") from None
    finally:
        if target.connectable is None:
            engine.dispose()


def _statements(execute, query: PushQuery, values: dict, errors) -> list[tuple] | None:
    try:
        if query.probe is not None:
            list(execute(query.probe, {}))
        if query.guard is not None and list(execute(query.guard, values)):
            return None
        return [tuple(r) for r in execute(query.sql, values)]
    except errors as exc:
        message = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise _Refused(f"cannot push down: the database refused the query ({message})") from None


_NAN_KEY = ("NaN",)  # NaN equals itself as a group key (§15); dicts need one object


def _canon(v: Any) -> Any:
    return _NAN_KEY if isinstance(v, float) and v != v else v


def _tree(plan: Plan, spec: PushSpec, rows: list[tuple]) -> Node:
    levels = len(spec.keys)
    by_depth: dict[int, list[PushedAggregate]] = {}
    for pa in spec.aggregates:
        by_depth.setdefault(pa.depth, []).append(pa)
    report = Node(None)
    nodes: dict[tuple, Node] = {(): report}
    count_at = levels + 1 if levels else 0  # after the keys and the level flag (none without levels)
    position = {alias: count_at + 1 + i for i, (alias, _, _) in enumerate(spec.items)}
    decoded = []
    for row in rows:
        flag = row[levels] if levels else 0
        depth = (levels - int(flag).bit_length()) if spec.dialect.grouping_sets else int(flag)
        keys = tuple(_key(row[i], spec.key_types[i], spec.dialect.text_bytes) for i in range(depth))
        decoded.append((depth, keys, row))
    for depth, keys, row in sorted(decoded, key=lambda d: d[0]):
        node = report if depth == 0 else Node(keys[-1])
        node.row_count = int(row[count_at])
        node.aggs = {pa.id: _final(pa, row, position, spec.dialect.text_bytes) for pa in by_depth.get(depth, ())}
        if depth:
            nodes[tuple(map(_canon, keys))] = node
            nodes[tuple(map(_canon, keys[:-1]))].children.append(node)
    if not rows or report.row_count == 0:
        report.aggs = {pa.id: _empty(pa) for pa in by_depth.get(0, ())}
    _order(report, plan, 0)
    return report


def _order(node: Node, plan: Plan, level: int) -> None:
    if level >= len(plan.groups):
        return
    desc = plan.groups[level].desc
    node.children.sort(key=lambda n: (n.key is None, Desc(rank_key(n.key)) if desc else rank_key(n.key)))
    for child in node.children:
        _order(child, plan, level + 1)


def _key(value: Any, type_: str, text_bytes: bool) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)) and type_ == "string" and text_bytes:
        return bytes(value).decode("utf-8")
    coerce = conv.COERCE.get(type_)
    return coerce(value) if coerce is not None and value is not None else value


def _final(pa: PushedAggregate, row: tuple, position: dict[str, int], text_bytes: bool) -> Any:
    """The engine's final value of one aggregate from the statement's items."""
    get = {role: row[position[alias]] for role, alias in pa.items.items()}
    if pa.func in ("count", "count_distinct"):
        return int(get.get("count", get.get("value")) or 0)
    if pa.func in ("min", "max"):
        return _key(get["value"], pa.arg_type, text_bytes)
    total, count = get["sum"], int(get["count"] or 0)
    if not count:
        return None
    if pa.arg_type == "float":
        total = _float_total(total, get["abs"], count)
        return total if pa.func == "sum" else total / count
    if total is None:  # an exact sum the database gave up on (a decimal overflow without ANSI mode)
        raise _Refused("cannot push down: the database could not sum these values")
    exact = int(total) if pa.arg_type == "int" else Decimal(total)
    return exact if pa.func == "sum" else average(exact, count)


_UNIT = 2.0 ** -53  # a double's unit roundoff
_TOLERANCE = 1e-12  # CONTRACT.md §8


def _float_total(total: Any, absolute: Any, count: int) -> float:
    """The database's float sum where it is surely within a relative 1e-12 of the
    correctly rounded sum (the engine's), else ``_Refused``. Summed in any order, n
    values carry an error of at most (n - 1)·u·Σ|x| (u the unit roundoff; Σ|x| itself
    from the database, doubled for its own error): values that cancel (1e16 + 1 - 1e16)
    or very many values make the bound too wide, and the report streams."""
    if total is None:
        return float("nan")  # SQLite turns a NaN sum (inf + -inf) into null; the engine's is NaN (§15)
    total = float(total)
    if total != total or abs(total) == float("inf"):
        return total  # NaN and infinities follow the same rules in SQL (§15)
    bound = 2.0 * count * _UNIT * float(absolute or 0.0)
    if bound > _TOLERANCE * (abs(total) - bound):
        raise _Refused("cannot push down: a float sum of these values could be off by more than "
                       "a relative 1e-12 if the database computed it")
    return total


def _empty(pa: PushedAggregate) -> Any:
    return 0 if pa.func in ("count", "count_distinct") else None

