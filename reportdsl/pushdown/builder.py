"""The SQL of a pushed report: every level's aggregates in one statement.

In: a ``PushSpec`` (``analysis``) and the source (a table name or a query). Out:
``PushQuery``: the statement (``:name`` parameters), the values it binds, and the
statement that finds a row the engine would fail on (``guard``), if any.

The statement is built with sqlglot in the database's dialect:
- with ``GROUPING SETS`` (``Dialect.grouping_sets``)::

    SELECT k0, k1, GROUPING(k0, k1) AS _g, COUNT(*) AS _n, <aggregates>
    FROM <source> [WHERE …] GROUP BY GROUPING SETS ((k0, k1), (k0), ())

  ``_g``'s bits tell the level of a row apart from a group whose key is null;
- else a ``UNION ALL`` of one ``GROUP BY`` a level, innermost first, with a literal
  ``_d`` (the depth) and nulls for the keys and aggregates of other levels.
Each level's row carries only its own aggregates (``PushSpec.items``' depth) where
the statement allows; with ``PushSpec.depths`` only those levels are grouped by (the
tree's other nodes are made from their children: ``execute``). The source is the table or ``(query) AS _src``, and the
``where`` and filter conditions are SQL text from ``sources/sql/where.py``: both are
spliced in as written (sqlglot would drop SQLite's affinity-keeping unary ``+``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlglot import exp

from reportdsl.pushdown.analysis import PushSpec, quote_for

_SOURCE = "__rdsl_src__"
_WHERE = "__rdsl_where__"
_MARKER = re.compile(r"[`\"]?__rdsl_(src|where|cond\d+)__[`\"]?")


@dataclass
class PushQuery:
    sql: str
    binds: dict = field(default_factory=dict)
    guard: str | None = None  # SELECT 1 … LIMIT 1: a row the engine would fail on
    # SQLite: the columns read, quoted as identifiers only (a double-quoted name that
    # matches no column is a string there): a renamed column fails here, not silently
    probe: str | None = None


def source_sql(spec: PushSpec, table: str | None, query: str | None) -> str:
    quote = quote_for(spec.dialect)
    if table:
        return ".".join(quote(part) for part in table.split("."))
    assert query is not None
    from reportdsl.sources.sql.text import strip_statement_end

    return f"({strip_statement_end(query)}\n) AS _src"  # own line: the query may end in a -- comment


def build(spec: PushSpec, table: str | None, query: str | None) -> PushQuery:
    levels = len(spec.keys)
    tree: exp.Query
    if spec.dialect.grouping_sets or levels == 0:
        tree = _grouping_sets(spec)
    else:
        branches = [_level(spec, depth) for depth in reversed(range(levels + 1))
                    if spec.depths is None or depth in spec.depths]
        tree = branches[0]
        for branch in branches[1:]:
            tree = exp.union(tree, branch, distinct=False)
    sql = _splice(tree.sql(dialect=spec.dialect.sqlglot), spec, table, query)
    guard = None
    if spec.guards:
        # every row, not only those ``where`` keeps: conservative (a row may fail
        # in a column ``where`` reads before ``where`` decides), and always right
        condition = " OR ".join(f"({g})" for g in spec.guards)
        guard = f"SELECT 1 FROM {source_sql(spec, table, query)} WHERE {condition} LIMIT 1"
    probe = None
    if spec.dialect.name == "sqlite":
        columns = ", ".join("`" + c.replace("`", "``") + "`" for c in spec.columns) or "1"
        probe = f"SELECT {columns} FROM {source_sql(spec, table, query)} LIMIT 0"
    return PushQuery(sql, dict(spec.binds), guard, probe)


def _grouping_sets(spec: PushSpec) -> exp.Select:
    keys = [k.copy() for k in spec.keys]
    select = [k.copy().as_(f"_k{i}") for i, k in enumerate(keys)]
    if keys:
        select.append(_grouping_flag(spec, keys).as_("_g"))
    select.append(exp.Count(this=exp.Star()).as_("_n"))
    select += [x.copy().as_(alias) for alias, _, x in spec.items]
    query = exp.select(*select).from_(exp.to_table(_SOURCE))
    if spec.where is not None:
        query = query.where(exp.column(_WHERE))
    if keys:
        sets = [exp.Tuple(expressions=[k.copy() for k in keys[:d]]) for d in reversed(range(len(keys) + 1))
                if spec.depths is None or d in spec.depths]
        query = query.group_by(exp.GroupingSets(expressions=sets))
    return query


def _grouping_flag(spec: PushSpec, keys: list[exp.Expression]) -> exp.Expression:
    """``GROUPING(k0, k1)``: bit i (from the left) set when key i is rolled up; where
    ``GROUPING`` takes one key, the same bits as ``GROUPING(k0) * 2 + GROUPING(k1)``."""
    if not spec.dialect.grouping_one_arg:
        return exp.Anonymous(this="GROUPING", expressions=[k.copy() for k in keys])
    flag: exp.Expression | None = None
    for i, k in enumerate(keys):
        bit: exp.Expression = exp.Anonymous(this="GROUPING", expressions=[k.copy()])
        weight = 2 ** (len(keys) - 1 - i)
        if weight > 1:
            bit = exp.Mul(this=bit, expression=exp.Literal.number(weight))
        flag = bit if flag is None else exp.Add(this=flag, expression=bit)
    assert flag is not None
    return exp.Paren(this=flag)


def _level(spec: PushSpec, depth: int) -> exp.Select:
    """One branch of the UNION ALL: the groups of ``depth`` (0 the report)."""
    select: list[exp.Expr] = []
    for i, k in enumerate(spec.keys):
        select.append((k.copy() if i < depth else exp.Null()).as_(f"_k{i}"))
    select.append(exp.Literal.number(depth).as_("_d"))
    select.append(exp.Count(this=exp.Star()).as_("_n"))
    select += [(x.copy() if d == depth else exp.Null()).as_(alias) for alias, d, x in spec.items]
    query = exp.select(*select).from_(exp.to_table(_SOURCE))
    if spec.where is not None:
        query = query.where(exp.column(_WHERE))
    if depth:
        query = query.group_by(*[k.copy() for k in spec.keys[:depth]])
    return query


def _splice(sql: str, spec: PushSpec, table: str | None, query: str | None) -> str:
    source = source_sql(spec, table, query)
    conditions = spec.conditions

    def replace(m: re.Match) -> str:
        what = m.group(1)
        if what == "src":
            return source
        if what == "where":
            return f"({spec.where})"
        return f"({conditions[int(what[4:])]})"

    return _MARKER.sub(replace, sql)
