"""Issue 13: what a SQL source gives agrees with the same report over Python rows —
where the engine lets the database order the rows (``sources/sql/order.py``) and
where the query orders them itself (``sources/sql/statement.select_statement``).

Every test runs on each SQL source: a SQLite file (through ``sqlite3`` and through
SQLAlchemy), DuckDB, PostgreSQL and MariaDB (those two skip without their servers,
see ``conftest``), and compares the events with the same report over a list of dicts
holding the same rows in the same order:
- a constant group or sort key (``sort by 1``, ``group g = -1``, a parameter) is a
  constant, never a column position (§15);
- integer keys have no overflow (``n + m`` near 2^63, ``-n``, ``abs(n)``);
- a query's own ``ORDER BY`` is the source order: ``FIRST``/``LAST`` and ties in
  ``sort by`` follow it, also when the report has groups (§15 "Source order");
- text by code point whatever the column's collation (NOCASE, ICU, utf8mb4_general_ci,
  latin1, an enum), nulls last in both directions.
"""

from __future__ import annotations

import random
import sqlite3
import uuid
from collections.abc import Callable

import pytest

from reportdsl.engine import run
from reportdsl.engine.stream.sinks import RecordingSink
from reportdsl.sources import opening
from reportdsl.sources.sql.text import has_own_order

from ..conftest import MARIADB_URL, PG_URL
from ..expectations import exact

KINDS = ("sqlite", "sqlite-sqlalchemy", "duckdb", "postgresql", "mariadb")
# generic column type -> the type each database declares
TYPES = {
    "text": {"sqlite": "TEXT", "duckdb": "VARCHAR", "postgresql": "TEXT", "mariadb": "VARCHAR(40)"},
    "int": {"sqlite": "INTEGER", "duckdb": "BIGINT", "postgresql": "BIGINT", "mariadb": "BIGINT"},
    "bool": {"sqlite": "BOOLEAN", "duckdb": "BOOLEAN", "postgresql": "BOOLEAN", "mariadb": "BOOLEAN"},
}


class SqlTable:
    """Makes tables in one kind of database: ``make(columns, rows)`` -> (URL, table
    name as a report names it, the name as SQL text names it)."""

    def __init__(self, kind: str, request, tmp_path, monkeypatch):
        self.kind = kind.split("-")[0]
        self.tmp_path = tmp_path
        if kind == "sqlite-sqlalchemy":
            monkeypatch.setattr(opening, "SQLITE_DIRECT", False)
        self.server = None
        if self.kind == "postgresql":
            self.server = request.getfixturevalue("pg_schema")
        elif self.kind == "mariadb":
            self.server = request.getfixturevalue("mariadb_prefix")
        elif self.kind == "duckdb":
            pytest.importorskip("duckdb_engine")

    def make(self, columns: dict[str, str], rows: list[tuple],
             types: dict[str, str] | None = None) -> tuple[str, str, str]:
        """``columns``: name -> generic type; ``types``: name -> this database's type,
        where it should differ."""
        declared = {c: (types or {}).get(c) or TYPES[t][self.kind] for c, t in columns.items()}
        ddl = ", ".join(f"{c} {t}" for c, t in declared.items())
        marks = ", ".join("?" for _ in columns)
        name = "t" + uuid.uuid4().hex[:8]
        if self.kind == "sqlite":
            path = self.tmp_path / f"{name}.db"
            con = sqlite3.connect(path)
            con.execute(f"CREATE TABLE {name} ({ddl})")
            con.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
            con.commit()
            con.close()
            return f"sqlite:///{path}", name, name
        if self.kind == "duckdb":
            import duckdb

            path = self.tmp_path / f"{name}.duckdb"
            con = duckdb.connect(str(path))
            con.execute(f"CREATE TABLE {name} ({ddl})")
            if rows:
                con.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
            con.close()
            return f"duckdb:///{path}", name, name
        import sqlalchemy as sa

        engine, space = self.server
        if self.kind == "postgresql":
            table = sql_name = f"{space}.{name}"  # lower case: no quotes needed
            url = PG_URL
        else:
            table = sql_name = space + name
            url = MARIADB_URL
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE TABLE {sql_name} ({ddl})"))
            if rows:
                conn.execute(sa.text(f"INSERT INTO {sql_name} VALUES ({', '.join(':' + c for c in columns)})"),
                             [dict(zip(columns, r, strict=True)) for r in rows])
        return url, table, sql_name


@pytest.fixture(params=KINDS)
def sql_table(request, tmp_path, monkeypatch) -> SqlTable:
    return SqlTable(request.param, request, tmp_path, monkeypatch)


def events(report, **kw) -> tuple:
    """The events of one run, numbers tagged by type, without ``rows_read`` (a pushed
    ``where`` changes it)."""
    sink = RecordingSink()
    run(report.plan, sink, source_text=report.source, **kw)
    *body, (name, end) = exact(sink.events)
    return (*body, (name, end[:3] + end[4:]))


def report_text(source: str, body: str) -> str:
    return f"report r {{\n  {source}\n  {body}\n}}\n"


def agree(compile_report: Callable, source: str, reference_rows: list[dict], body: str, head: str = "",
          **kw) -> None:
    """The events over ``source`` and over ``reference_rows`` (dicts) must agree; ``head``:
    lines before the source (parameters)."""
    got = events(compile_report(report_text(head + source, body)), **kw)
    want = events(compile_report(report_text(head, body)), source=reference_rows, **kw)
    assert got == want


# ---- constant keys, parameters, overflow -------------------------------------------------

_BIG = 2 ** 62
# 2^62 + 1 first: SQLite's m + m is a float there, equal to 2^63's, so its order of the two
# is the table's, which the engine's exact sums contradict
KEY_ROWS = [("d", 0, _BIG + 1), ("b", 1, _BIG), ("a", 2, _BIG), ("b", 3, 5), (None, 4, 1), ("a", 5, -3),
            ("c", 6, -(2 ** 63)), ("a", 7, 2 ** 63 - 1), (None, 8, _BIG)]
KEY_COLUMNS = {"g": "text", "n": "int", "m": "int"}

# bodies whose order the database used to get wrong: a constant read as a column
# position, a parameter bound in ORDER BY, 64-bit overflow
KEY_BODIES = [
    'sort by 1\n  detail { column n = n }',
    'sort by -1, n desc\n  detail { column n = n }',
    'sort by 2, n\n  detail { column n = n }',  # ORDER BY 2 would sort by the second column read
    'group c = 7 { footer { text "{COUNT()} {MIN(n)}" } }\n  sort by n\n  detail { column n = n }',
    'group c = -1 { footer { text "{COUNT()}" } }\n  group g { footer { text "{COUNT()} {MIN(n)}" } }',
    'group c = 1 + 2 { footer { text "{COUNT()}" } }\n  group g desc { footer { text "{COUNT()}" } }',
    'group c = p { footer { text "{COUNT()}" } }\n  group g { footer { text "{COUNT()}" } }',
    'sort by p, n desc\n  detail { column n = n }',
    'sort by n * p\n  detail { column n = n }',
    'sort by g + s, n\n  detail { column n = n }',
    'group k = m + m { footer { text "{COUNT()} {MIN(n)} {MAX(n)}" } }',
    'group k = m * 4 desc { footer { text "{COUNT()} {MIN(n)}" } }',
    'group k = -m { footer { text "{COUNT()} {MIN(n)}" } }',
    'group k = abs(m) { footer { text "{COUNT()} {MIN(n)}" } }',
    'group k = m - 1 + n { footer { text "{COUNT()}" } }\n  sort by g, m + 3\n  detail { column n = n }',
]
PARAMS = 'param p: int = -1\n  param s: string = "x"\n  '


@pytest.mark.parametrize("body", KEY_BODIES)
def test_constant_and_arithmetic_keys_agree(sql_table, compile_report, body):
    url, table, _ = sql_table.make(KEY_COLUMNS, KEY_ROWS)
    reference = [dict(zip(KEY_COLUMNS, r, strict=True)) for r in KEY_ROWS]
    agree(compile_report, f'source sql "{url}" table {table}', reference, body, head=PARAMS)


def test_constant_keys_leave_the_order_to_the_database(sql_table, compile_report):
    """A constant key orders nothing: the other keys still go to the database."""
    url, table, _ = sql_table.make(KEY_COLUMNS, KEY_ROWS)
    report = compile_report(report_text(PARAMS + f'source sql "{url}" table {table}',
                                        'group c = -1 { footer { text "{COUNT()}" } }\n'
                                        '  group k = p { footer { text "{COUNT()}" } }\n  sort by 2, n'))
    assert run(report.plan, RecordingSink(), pushdown="off").ordered_by == "database"


# ---- the query's own order is the source order -------------------------------------------

def _ordered_rows(count: int = 1500) -> list[tuple]:
    rng = random.Random(13)
    return [(rng.choice(["a", "b", "c", None]), i, rng.randint(0, 4)) for i in range(count)]


ORDER_BODIES = [
    'summary { text "{FIRST(n)} {LAST(n)}" }',
    'where m > 1\n  summary { text "{FIRST(n)} {LAST(n)} {COUNT()}" }',
    'group g { footer { text "{FIRST(n)} {LAST(n)} {COUNT()}" } }',
    'group g desc { footer { text "{FIRST(n)} {LAST(n)}" } }\n  sort by m\n  detail { column n = n }',
    'sort by g\n  detail { column n = n }',
    'group k = 1 { footer { text "{FIRST(n)} {LAST(n)}" } }',
]


@pytest.mark.parametrize("body", ORDER_BODIES)
def test_the_querys_own_order_is_the_source_order(sql_table, compile_report, body):
    rows = _ordered_rows()
    url, _, name = sql_table.make({"g": "text", "n": "int", "m": "int"}, rows)
    # the table's rows in the order the query gives them (n is unique: the order is total)
    reference = [dict(zip(("g", "n", "m"), r, strict=True)) for r in sorted(rows, key=lambda r: (-r[2], -r[1]))]
    query = f"SELECT g, n, m FROM {name} -- a comment\\n ORDER BY m DESC, /* ties: */ n DESC"
    agree(compile_report, f'source sql "{url}" query "{query}"', reference, body)


def test_a_query_with_parameters_and_its_own_order(sql_table, compile_report):
    rows = _ordered_rows(300)
    url, _, name = sql_table.make({"g": "text", "n": "int", "m": "int"}, rows)
    reference = [dict(zip(("g", "n", "m"), r, strict=True))
                 for r in sorted(rows, key=lambda r: (r[2], -r[1])) if r[2] >= 1]
    query = f"SELECT * FROM {name} WHERE m >= :lo ORDER BY m, n DESC"
    body = 'group g { footer { text "{FIRST(n)} {LAST(n)} {COUNT()}" } }\n  sort by m desc\n  detail { column n = n }'
    agree(compile_report, f'source sql "{url}" query "{query}"', reference, body, head="param lo: int = 0\n  ",
          params={"lo": 1})


def test_a_query_whose_own_order_lacks_a_column_read_says_so(sql_table, compile_report):
    url, _, name = sql_table.make({"g": "text", "n": "int", "m": "int"}, _ordered_rows(10))
    report = compile_report(report_text(f'source sql "{url}" query "SELECT g, n, m FROM {name} ORDER BY n"',
                                        'summary { text "{FIRST(n)}" }'))
    # the same report over another query: that query has no column n
    plan = report.plan
    other = plan.model_copy(update={"source": plan.source.model_copy(
        update={"query": f"SELECT g AS x FROM {name} ORDER BY n"})})
    from reportdsl.errors import ReportDataError

    with pytest.raises(ReportDataError, match="has no column 'n'"):
        run(other, RecordingSink())


@pytest.mark.parametrize(("query", "dialect", "ordered"), [
    ("SELECT * FROM t", "postgresql", False),
    ("SELECT * FROM t ORDER BY x", "postgresql", True),
    ("select * from t order by x desc nulls first", "sqlite", True),
    ("SELECT * FROM t -- ORDER BY x", "postgresql", False),
    ("SELECT * FROM t /* ORDER BY x */", "mysql", False),
    ("SELECT 'ORDER BY x' AS s FROM t", "duckdb", False),
    ('SELECT "order" FROM t', "sqlite", False),
    ("SELECT order_date FROM orders", "mariadb", False),
    ("SELECT * FROM (SELECT * FROM t ORDER BY x) AS s", "postgresql", False),
    ("WITH a AS (SELECT * FROM t ORDER BY x) SELECT * FROM a", "duckdb", False),
    ("SELECT row_number() OVER (ORDER BY x) AS r FROM t", "postgresql", False),
    ("SELECT string_agg(x, ',' ORDER BY x) FROM t GROUP BY y", "postgresql", False),
    ("SELECT GROUP_CONCAT(x ORDER BY x) FROM t GROUP BY y", "mariadb", False),
    ("(SELECT * FROM t ORDER BY x)", "postgresql", True),
    ("SELECT a FROM t UNION ALL SELECT a FROM u ORDER BY a", "postgresql", True),
    ("(SELECT a FROM t ORDER BY a) UNION ALL (SELECT a FROM u)", "postgresql", False),
    ("SELECT * FROM t WHERE a > :lo ORDER BY a", "duckdb", True),
    ("SELECT * FROM t WHERE a = :order", "sqlite", False),
    ("SELECT 'it\\'s' AS s FROM t ORDER BY s", "mariadb", True),
    ("SELECT 'a\\' ORDER BY' AS s FROM t", "mariadb", False),
    ("SELECT $$ ORDER BY $$ AS s FROM t", "postgresql", False),
    ("FROM t ORDER BY ALL", "duckdb", True),
    ("SELECT * FROM t ORDER BY 1 LIMIT 5", "mysql", True),
    ("SELEC * FROM t ORDER", "postgresql", True),  # unreadable: assume an order
    ("SELECT 1; SELECT 2 ORDER BY 1", "sqlite", True),
])
def test_has_own_order(query, dialect, ordered):
    assert has_own_order(query, dialect) is ordered


# ---- text by code point, nulls last ------------------------------------------------------

TEXTS = ["a", "A", "b", "a ", "é", "e\u0301", "Ω", "日本", "z", "ß", "\U0001F600", "İ", "", None, "\uff21", "a\t",
         "€", "\u00a0", "Š", "ÿ", "‚"]
LATIN1 = {"€", "‚", "Š", "ÿ", "é", "a", "A", "b", "z", "ß", "a ", "", None, "a\t", "\u00a0"}
COLLATED = {  # a column collation that orders otherwise than code points
    "sqlite": "TEXT COLLATE NOCASE",
    "duckdb": "VARCHAR COLLATE NOCASE",
    "postgresql": 'TEXT COLLATE "und-x-icu"',
    "mariadb": "VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
}
TEXT_BODIES = [
    'sort by n\n  group s { footer { text "{FIRST(n)} {LAST(n)} {COUNT()}" } }',
    'sort by n desc\n  group s desc { footer { text "{FIRST(n)} {LAST(n)}" } }',
    'sort by s, n\n  detail { column s = s\n  column n = n }',
    'sort by s desc, n desc\n  detail { column s = s\n  column n = n }',
    'group s { footer { text "{COUNT()}" } }\n  sort by t desc, n\n  detail { column n = n }',
    'summary { text "{MIN(s)} {MAX(s)}" }',
]


@pytest.mark.parametrize("collation", ["default", "collated"])
@pytest.mark.parametrize("body", TEXT_BODIES)
def test_text_by_code_point_and_nulls_last(sql_table, compile_report, body, collation):
    types = {}
    if collation == "collated":
        if sql_table.kind == "postgresql":
            _need_pg_collation(sql_table, "und-x-icu")
        types = {"s": COLLATED[sql_table.kind], "t": COLLATED[sql_table.kind]}
    _text_order_agrees(sql_table, compile_report, body, TEXTS, types)


@pytest.mark.parametrize("sql_table", ["mariadb"], indirect=True)  # latin1 columns are MariaDB's
@pytest.mark.parametrize("body", TEXT_BODIES)
def test_latin1_text_by_code_point(sql_table, compile_report, body):
    """MariaDB's latin1 is cp1252 in fact: its bytes are not in code-point order."""
    types = {"s": "VARCHAR(40) CHARACTER SET latin1", "t": "VARCHAR(40) CHARACTER SET latin1"}
    _text_order_agrees(sql_table, compile_report, body, [t for t in TEXTS if t in LATIN1], types)


def _text_order_agrees(sql_table, compile_report, body: str, texts: list, types: dict) -> None:
    rows = [(s, texts[(i * 7) % len(texts)], i) for i, s in enumerate(texts * 2)]
    url, table, _ = sql_table.make({"s": "text", "t": "text", "n": "int"}, rows, types)
    reference = [dict(zip(("s", "t", "n"), r, strict=True)) for r in rows]
    agree(compile_report, f'source sql "{url}" table {table}', reference, body)


@pytest.mark.parametrize("sql_table", ["postgresql", "mariadb"], indirect=True)  # enums that order by declaration
def test_an_enum_orders_by_its_text(sql_table, compile_report):
    kind = sql_table.kind
    import sqlalchemy as sa

    engine, space = sql_table.server
    enum = "ENUM('z', 'b', 'a')"
    if kind == "postgresql":
        enum = f'"{space}".mood'
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE TYPE {enum} AS ENUM ('z', 'b', 'a')"))
    rows = [(v, i) for i, v in enumerate(["a", "b", None, "z", "a", "z", "b"])]
    url, table, _ = sql_table.make({"s": "text", "n": "int"}, rows, {"s": enum})
    reference = [dict(zip(("s", "n"), r, strict=True)) for r in rows]
    for body in ['sort by n\n  group s { footer { text "{FIRST(n)} {COUNT()}" } }',
                 'sort by s desc, n\n  detail { column n = n }']:
        agree(compile_report, f'source sql "{url}" table {table}', reference, body)


def _need_pg_collation(sql_table, name: str) -> None:
    import sqlalchemy as sa

    engine, _ = sql_table.server
    with engine.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_collation WHERE collname = :n"), {"n": name}).first():
            pytest.skip(f"this PostgreSQL has no collation {name}")


@pytest.mark.parametrize("sql_table", ["postgresql"], indirect=True)
def test_postgresql_orders_integer_arithmetic_exactly(sql_table, compile_report):
    """PostgreSQL computes a key's arithmetic on NUMERIC operands: it can keep the order
    (the other databases' exact numbers are bounded: the engine sorts there)."""
    url, table, _ = sql_table.make(KEY_COLUMNS, KEY_ROWS)
    report = compile_report(report_text(f'source sql "{url}" table {table}',
                                        'group k = m + m - n { footer { text "{COUNT()}" } }\n'
                                        '  sort by -abs(m) * 3'))
    assert run(report.plan, RecordingSink(), pushdown="off").ordered_by == "database"


@pytest.mark.parametrize("body", [
    'sort by b, n\n  detail { column n = n }',
    'group b desc { footer { text "{COUNT()} {MIN(n)}" } }',
    'sort by s, n\n  detail { column n = n }',
    'group s { footer { text "{COUNT()} {MIN(n)}" } }\n  sort by n desc\n  detail { column n = n }',
])
@pytest.mark.parametrize("sql_table", ["sqlite"], indirect=True)
def test_sqlite_values_of_another_kind_than_their_column(sql_table, compile_report, body):
    """SQLite keeps the text 'true' in a BOOLEAN column and stores a number in a column
    declared STRING (numeric affinity) as a number; it sorts numbers before text, while
    the engine reads them as the column's type."""
    rows = [("true", 10, 1), (0, "9", 2), ("false", "b", 3), (1, 9, 4), (" TRUE ", "10", 5), (None, "a", 6),
            (0, None, 7)]
    url, table, _ = sql_table.make({"b": "bool", "s": "text", "n": "int"}, rows, {"s": "STRING"})
    reference = [{"b": None if b is None else str(b).strip().lower() in ("1", "true"),
                  "s": None if s is None else str(s), "n": n} for b, s, n in rows]
    agree(compile_report, f'source sql "{url}" table {table}', reference, body)
