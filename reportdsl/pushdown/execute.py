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

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Context, Decimal, getcontext
from operator import itemgetter
from pathlib import PurePath
from typing import Any

from reportdsl.engine import conversions as conv
from reportdsl.engine.aggregates.values import average
from reportdsl.engine.functions.core import DIVISION_DIGITS
from reportdsl.engine.sorting import Desc, rank_key
from reportdsl.plan.models import Plan
from reportdsl.pushdown.analysis import NotPushed, PushedAggregate, PushSpec
from reportdsl.pushdown.builder import PushQuery
from reportdsl.pushdown.capabilities import Dialect, dialect_of
from reportdsl.sources.locations import TABLE_KINDS, Location, override_location, resolve


@dataclass
class Target:
    dialect: str  # SQLAlchemy's dialect name
    table: str | None
    query: str | None
    location: Location | None = None  # a URL (the report's or --source's)
    connectable: Any = None  # the caller's Engine or Connection
    source_order: str | None = None  # SQL over the source's columns: each row's place, unique


@dataclass
class Node:
    key: Any
    row_count: int = 0
    aggs: dict[str, Any] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)


def target_and_dialect(plan: Plan, source: object) -> tuple[Target, Dialect] | NotPushed:
    """Where the report's rows live and the SQL builder's declarations for that database
    (both modes start here)."""
    target = target_of(plan, source)
    if isinstance(target, NotPushed):
        return target
    dialect = dialect_of(target.dialect)
    if dialect is None:
        return NotPushed(f"cannot push down: no SQL builder for {target.dialect}")
    return target, dialect


def target_of(plan: Plan, source: object) -> Target | NotPushed:
    """Where the report's rows live, if in a SQL database this module can query, or in
    Parquet files (queried by DuckDB as ``read_parquet(PATH-OR-GLOB)``)."""
    spec = plan.source
    own = (spec.table, spec.query) if spec is not None and spec.kind in TABLE_KINDS else None
    if source is None:
        if spec is not None and spec.kind == "parquet":
            return _parquet(resolve(spec, plan.base_dir), plan)
        if spec is None or spec.kind not in TABLE_KINDS or own is None:
            return NotPushed("cannot push down: the source is not a SQL database")
        loc = resolve(spec, plan.base_dir)
    elif isinstance(source, (str, PurePath)):
        loc = override_location(str(source), os.getcwd())
        if loc.kind == "parquet":
            return _parquet(loc, plan)
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


def _parquet(loc: Location, plan: Plan) -> Target:
    """Parquet files as a DuckDB query; where the report takes FIRST/LAST, with each
    row's place in source order (§15: the files in glob order, then their rows), as
    ``parquet.py`` numbers it: file index times 2**40 (a file of fewer rows) plus row."""
    from reportdsl.sources.parquet import _FILE, _ROW, _literal, quote

    scan = f"read_parquet({_literal(loc.target)})"
    if not any(a.func in ("first", "last") for a in plan.aggregates):
        return Target("duckdb", None, f"SELECT * FROM {scan}", location=loc)
    query = f"SELECT *, file_index AS {quote(_FILE)}, file_row_number AS {quote(_ROW)} FROM {scan}"
    order = f"(CAST({quote(_FILE)} AS BIGINT) * 1099511627776 + {quote(_ROW)})"
    return Target("duckdb", None, query, location=loc, source_order=order)


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
        with paused_gc():
            rows = _run(target, query, binds)
    except _Refused as refused:
        return NotPushed(str(refused))
    if rows is None:
        return NotPushed("cannot push down: a column holds a value the engine reads as an error")
    try:
        with paused_gc():
            return _tree(plan, spec, rows)
    except _Refused as refused:
        return NotPushed(str(refused))


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off for a while (and back as it was): the statement's
    rows, the tree and the replay's band values are many young objects that all live on,
    no cycle among them, so each collection walks the growing heap for nothing. 50,008
    groups (rows cached, no DuckDB): 1.41 s -> 1.09 s to shape and replay, best of 3; the
    20M-row Parquet bench (``bench_pushdown.py --parquet``), pushed: 3.83 s -> 3.59 s, the
    machine loaded by other work."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class _Refused(Exception):
    pass


def _run(target: Target, query: PushQuery, binds: dict[str, Any]) -> list[tuple] | None:
    """The statement's rows, or None when the guard found a row the engine fails on."""
    from reportdsl.sources.sql.statement import bind_value

    values = {k: bind_value(v, target.dialect) for k, v in binds.items()}
    loc = target.location
    if loc is not None and loc.kind == "parquet":
        return _run_parquet(loc, query, values)
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


def _run_parquet(loc: Location, query: PushQuery, values: dict[str, Any]) -> list[tuple] | None:
    """The statement over Parquet files in an in-memory DuckDB, bounded like a Parquet
    read (``parquet.MEMORY_LIMIT``, spilling to a private folder)."""
    import shutil
    import tempfile

    from reportdsl.errors import ReportError
    from reportdsl.sources import parquet
    from reportdsl.sources.sql.text import query_parameters, replace_parameters

    try:
        parquet._files_exist(loc)
        duckdb = parquet._duckdb(loc.shown)
    except ReportError:
        raise _Refused("cannot push down: the files cannot be read") from None  # streaming says why
    spill = tempfile.mkdtemp(prefix="reportdsl-duckdb-")
    try:
        con = duckdb.connect(":memory:", config={"memory_limit": parquet.MEMORY_LIMIT, "temp_directory": spill})
        try:
            def execute(sql: str, args: dict) -> Any:
                positional = [args[name] for name, _ in query_parameters(sql)]
                return con.execute(replace_parameters(sql, lambda name: "?"), positional).fetchall()
            return _statements(execute, query, values, duckdb.Error)
        finally:
            con.close()
    finally:
        shutil.rmtree(spill, ignore_errors=True)


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
    report = Node(None)
    nodes: dict[tuple, Node] = {(): report}
    count_at = levels + 1 if levels else 0  # after the keys and the level flag (none without levels)
    position = {alias: count_at + 1 + i for i, (alias, _, _) in enumerate(spec.items)}
    # each aggregate's finishing step made once, not looked up for each of its rows
    # (50,008 groups of 7 aggregates: best of 3, 2.9 s -> 2.4 s to shape, the machine loaded)
    # per depth, its aggregates' ids and finishers as two tuples, zipped into each node's
    # dict, and each depth's key converters as one tuple: no dict comprehension or
    # generator per row (with the Decimal changes in ``_finisher``: 50,008 groups, best
    # of 3, shaping 0.52 s -> 0.47 s, the machine loaded; ``paused_gc`` does the rest)
    quotient = getcontext().copy()
    quotient.prec = DIVISION_DIGITS  # ``average``'s context, made once
    by_depth: dict[int, tuple[list[str], list[Callable[[tuple], Any]]]] = {}
    for pa in spec.aggregates:
        ids, fins = by_depth.setdefault(pa.depth, ([], []))
        ids.append(pa.id)
        fins.append(_finisher(pa, position, spec.dialect, quotient))
    finishers = {d: (tuple(ids), tuple(fins)) for d, (ids, fins) in by_depth.items()}
    keyers = [_keyer(t, spec.dialect.text_bytes) for t in spec.key_types]
    keyers_at = [tuple(keyers[:d]) for d in range(levels + 1)]
    decoded = []
    for row in rows:
        flag = row[levels] if levels else 0
        depth = (levels - int(flag).bit_length()) if spec.dialect.grouping_sets else int(flag)
        keys = tuple([key(v) for key, v in zip(keyers_at[depth], row, strict=False)])  # the keys lead the row
        decoded.append((depth, keys, row))
    made: list[Node] = []  # nodes of levels the statement does not group by (``PushSpec.depths``)
    none: tuple[tuple, tuple] = ((), ())
    for depth, keys, row in sorted(decoded, key=itemgetter(0)):
        ids, fins = finishers.get(depth, none)
        aggs = dict(zip(ids, [finish(row) for finish in fins], strict=True))
        if not depth:
            report.row_count, report.aggs = int(row[count_at]), aggs
        else:
            node = Node(keys[-1], int(row[count_at]), aggs)
            nodes[tuple(map(_canon, keys))] = node
            _parent(nodes, keys, made).children.append(node)
    for node in reversed(made):  # innermost first: its rows are its children's
        node.row_count = sum(child.row_count for child in node.children)
    if spec.depths is not None and 0 not in spec.depths:
        report.row_count = sum(child.row_count for child in report.children)
    if not rows or report.row_count == 0:
        report.aggs = {pa.id: _empty(pa) for pa in spec.aggregates if pa.depth == 0}
    _order(report, plan, 0)
    return report


def _parent(nodes: dict[tuple, Node], keys: tuple, made: list[Node]) -> Node:
    """The node of ``keys[:-1]``, made (with its own parents) where no row gave it."""
    path = tuple(map(_canon, keys[:-1]))
    found = nodes.get(path)
    if found is None:
        found = nodes[path] = Node(keys[-2])
        _parent(nodes, keys[:-1], made).children.append(found)
        made.append(found)  # after its parents: ``made`` read backwards is innermost first
    return found


def _order(node: Node, plan: Plan, level: int) -> None:
    if level >= len(plan.groups):
        return
    desc = plan.groups[level].desc
    node.children.sort(key=lambda n: (n.key is None, Desc(rank_key(n.key)) if desc else rank_key(n.key)))
    for child in node.children:
        _order(child, plan, level + 1)


def _keyer(type_: str, text_bytes: bool) -> Callable[[Any], Any]:
    """A key's (or MIN/MAX's) value as the engine holds it: text from its UTF-8 bytes
    where the dialect compares text as bytes, else the engine's conversion."""
    coerce = conv.COERCE.get(type_)

    def key(value: Any) -> Any:
        if value is None:
            return None
        if text_bytes and type_ == "string" and isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value).decode("utf-8")
        return coerce(value) if coerce is not None else value
    return key


def _finisher(pa: PushedAggregate, position: dict[str, int], dialect: Dialect,
              quotient: Context | None = None) -> Callable[[tuple], Any]:
    """The engine's final value of one aggregate from a row of the statement's items."""
    text_bytes, summed_exactly = dialect.text_bytes, dialect.float_sum_cast is not None
    at = {role: position[alias] for role, alias in pa.items.items()}
    if pa.func in ("count", "count_distinct"):
        n: int = at["count"] if "count" in at else at["value"]
        return lambda row: int(row[n] or 0)
    if pa.func in ("min", "max", "first", "last"):
        key, v = _keyer(pa.arg_type, text_bytes), at["value"]
        return lambda row: key(row[v])
    s_at, n_at, abs_at = at["sum"], at["count"], at.get("abs")
    kind, func, scale = pa.arg_type, pa.func, pa.scale

    def finish(row: tuple) -> Any:
        total, count = row[s_at], int(row[n_at] or 0)
        if not count:
            return None
        if kind == "float":
            total = _float_total(total, row[abs_at] if abs_at is not None else None, count, summed_exactly)
            return total if func == "sum" else total / count
        if total is None:  # an exact sum the database gave up on (a decimal overflow without ANSI mode)
            raise _Refused("cannot push down: the database could not sum these values")
        if scale is not None:  # SQLite's scaled decimals (``sqlite_decimals``)
            if not isinstance(total, int):  # an integer overflowed into a float
                raise _Refused("cannot push down: a scaled decimal sum overflowed 64 bits on sqlite")
            exact: Any = Decimal(total).scaleb(-scale)
        else:
            # a Decimal kept as it is (Decimal(d) is an equal copy): one object less per sum
            exact = int(total) if kind == "int" else total if total.__class__ is Decimal else Decimal(total)
        if func == "sum":
            return exact
        # ``average`` with its context made once: Decimal(total) / count at DIVISION_DIGITS
        return average(exact, count) if quotient is None else quotient.divide(exact, count)
    return finish


_UNIT = 2.0 ** -53  # a double's unit roundoff
_TOLERANCE = 1e-12  # CONTRACT.md §8


def _float_total(total: Any, absolute: Any, count: int, exact: bool = False) -> float:
    """The database's float sum where it is surely within a relative 1e-12 of the
    correctly rounded sum (the engine's), else ``_Refused``. Summed in any order, n
    values carry an error of at most (n - 1)·u·Σ|x| (u the unit roundoff; Σ|x| itself
    from the database, doubled for its own error): values that cancel (1e16 + 1 - 1e16)
    or very many values make the bound too wide, and the report streams. Summed
    exactly as decimals of 15 digits or more (``Dialect.float_sum_cast``, ``exact``),
    the error is at most 5e-15·Σ|x| whatever n, plus the final rounding to a float."""
    if total is None:
        return float("nan")  # SQLite turns a NaN sum (inf + -inf) into null; the engine's is NaN (§15)
    total = float(total)
    if total != total or abs(total) == float("inf"):
        return total  # NaN and infinities follow the same rules in SQL (§15)
    magnitude = 2.0 * float(absolute or 0.0)
    bound = (5e-15 * magnitude + _UNIT * abs(total)) if exact else count * _UNIT * magnitude
    if bound > _TOLERANCE * (abs(total) - bound):
        raise _Refused("cannot push down: a float sum of these values could be off by more than "
                       "a relative 1e-12 if the database computed it")
    return total


def _empty(pa: PushedAggregate) -> Any:
    return 0 if pa.func in ("count", "count_distinct") else None

