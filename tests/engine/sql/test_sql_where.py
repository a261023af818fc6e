"""``where`` pushed into SQL ``WHERE`` (``engine/sql_where.py``) and the where-first rule
(``engine/codegen_rows.py``).

The database may leave out only rows the engine would leave out without failing, so a
report gives the same events with the pushdown as without it (``where_clause``
monkeypatched to None), on both SQLite paths and on the servers; only ``rows_read``,
the rows the source delivers, shrinks. Columns ``where`` does not read are converted
only for rows it keeps, whichever side applies it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal

import pytest

from reportdsl.engine import run
from reportdsl.engine.stream.sinks import NullSink, RecordingSink
from reportdsl.errors import ReportDataError
from reportdsl.sources import opening
from reportdsl.sources.sql import statement as sql_statement
from reportdsl.sources.sql.where import where_clause

from ..conftest import MARIADB_URL, PG_URL
from ..expectations import exact, report_text
from ..tricky_data import COLUMNS, load, sqlite_file


def quote(name: str) -> str:
    return '"' + name + '"'


def events(report, **kw) -> tuple[tuple, int]:
    """(the exact events without ``rows_read``, ``rows_read``); a failure's message instead
    of the events."""
    sink = RecordingSink()
    try:
        stats = run(report.plan, sink, source_text=report.source, **kw)
    except ReportDataError as err:
        return ("failed", str(err)), -1
    *body, (name, end) = exact(sink.events)
    return (*body, (name, end[:3] + end[4:])), stats.rows_read


def pushed_and_not(report, monkeypatch, paths=(True, False), **kw) -> list[tuple[tuple, int, tuple, int]]:
    """For the sqlite3 and the SQLAlchemy path (``paths``: ``SQLITE_DIRECT``):
    (events, rows_read) with the pushdown, then without it."""
    out = []
    for direct in paths:
        with monkeypatch.context() as m:
            m.setattr(opening, "SQLITE_DIRECT", direct)
            pushed = events(report, **kw)
            m.setattr(sql_statement, "where_clause", lambda *a: None)
            out.append(pushed + events(report, **kw))
    return out


def make_table(path, ddl: str, rows: list[tuple]) -> None:
    con = sqlite3.connect(path)
    con.execute(ddl)
    con.executemany(f"INSERT INTO u VALUES ({', '.join('?' * len(rows[0]))})", rows)
    con.commit()
    con.close()


@pytest.fixture
def db(tmp_path):
    return sqlite_file(tmp_path / "t.db")


# ---- the SQL text ---------------------------------------------------------------------

GUARD_Q = "typeof(\"q\") NOT IN ('integer', 'null')"
CLAUSES = [  # where, {dialect: (condition, binds) or None}; dialects left out: None
    ("q <= 5", {"sqlite": (f'(("q" <= 5)) OR {GUARD_Q}', {}), "postgresql": ('("q" <= 5)', {}),
                "mariadb": ('("q" <= 5)', {}), "duckdb": ('("q" <= 5)', {})}),
    # a conjunct with no SQL form is dropped; the engine still applies it (and converts g1 first)
    ('id <= 30 and upper(g1) == "A"',
     {"sqlite": ("((\"id\" <= 30)) OR typeof(\"g1\") NOT IN ('text', 'null') "
                 "OR typeof(\"id\") NOT IN ('integer', 'null')", {}),
      "postgresql": ('("id" <= 30)', {}), "mariadb": ('("id" <= 30)', {}), "duckdb": ('("id" <= 30)', {})}),
    ('id <= 30 or upper(g1) == "A"', {}),  # an "or" is all or nothing
    ("p < 2.35 and q >= 2", {  # SQLite keeps DECIMAL as floats: only q; NaN must reach the engine
        "sqlite": ("((\"q\" >= 2)) OR typeof(\"p\") NOT IN ('integer', 'real', 'null') OR " + GUARD_Q, {}),
        "postgresql": ('(("p" < :_rdsl_w0) AND ("q" >= 2)) OR "p" = \'NaN\'', {"_rdsl_w0": Decimal("2.35")}),
        "mariadb": ('("p" < :_rdsl_w0) AND ("q" >= 2)', {"_rdsl_w0": Decimal("2.35")}),
        "duckdb": ('("p" < :_rdsl_w0) AND ("q" >= 2)', {"_rdsl_w0": Decimal("2.35")})}),
    ('g1 < "a"', {  # text order is the engine's only with SQLite's BINARY collation, DuckDB's C
        "sqlite": ("((+\"g1\" COLLATE BINARY < +:_rdsl_w0)) OR typeof(\"g1\") NOT IN ('text', 'null')",
                   {"_rdsl_w0": "a"}),
        "duckdb": ('(CAST("g1" AS VARCHAR) COLLATE C < CAST(:_rdsl_w0 AS VARCHAR) COLLATE C)', {"_rdsl_w0": "a"})}),
    ('d >= since and d < date("2024-02-01")', {  # typed dates: PostgreSQL and DuckDB
        "postgresql": ('(("d" >= :since) AND ("d" < :_rdsl_w0)) OR NOT isfinite("d")',
                       {"_rdsl_w0": dt.date(2024, 2, 1)}),
        "duckdb": ('(("d" >= :since) AND ("d" < :_rdsl_w0)) OR NOT isfinite("d")',
                   {"_rdsl_w0": dt.date(2024, 2, 1)})}),
    ("not (q > 3)", {"sqlite": (f'((NOT ("q" > 3))) OR {GUARD_Q}', {}), "postgresql": ('(NOT ("q" > 3))', {}),
                     "mariadb": ('(NOT ("q" > 3))', {}), "duckdb": ('(NOT ("q" > 3))', {})}),
    # a dropped conjunct that may fail on a row SQL would leave out: nothing is pushed
    ('q <= 5 and date(g1) > date("2024-01-01")', {}),
    # ... nor one reading a column whose failing values SQL cannot spot (SQLite's text
    # dates, MariaDB's zero dates); PostgreSQL's dates are typed
    ("q <= 5 and year(d) > 2000", {"postgresql": ('(("q" <= 5)) OR NOT isfinite("d")', {}),
                                   "duckdb": ('(("q" <= 5)) OR NOT isfinite("d")', {})}),
    # SQLite would read an integer beyond 64 bits as a float
    ("q <= 9223372036854775808", {}),
]


@pytest.mark.parametrize("where, want", CLAUSES, ids=[c[0] for c in CLAUSES])
def test_clause_text_per_dialect(db, compile_report, where, want):
    report = compile_report(f'report r {{\n  source sql "sqlite:///t.db" table t\n  param since: date = "2024-01-01"\n'
                            f'  where {where}\n  summary {{ text "{{COUNT()}}" }}\n}}')
    for dialect in ("sqlite", "postgresql", "mariadb", "duckdb"):
        got = where_clause(report.plan, dialect, quote, set(COLUMNS))
        assert (None if got is None else (got.condition, got.binds)) == want.get(dialect), dialect


# ---- the same events with and without the pushdown ------------------------------------

EQUIVALENT = [  # where, params, whether all of it is pushed
    ("q <= 5", {}, True),
    ("q != 7 and g2 >= 0", {}, True),
    ("not (g2 > 1) or q == 0", {}, True),
    ('g1 == ""', {}, True),
    ('g1 == "a "', {}, True),
    ('g1 == "A" or g1 == "Äpfel"', {}, True),
    ('g1 > "a" and g1 < "東京"', {}, True),
    ('not (g1 >= "Z")', {}, True),
    ("g1 == key", {"key": "apple"}, True),
    ("g1 == key", {"key": None}, True),
    ("q > low", {"low": 3}, True),
    ("q > low", {"low": None}, True),
    ('id <= 30 and upper(g1) == "A"', {}, False),
    ("q <= 5 and p > 1.10", {}, False),
]


@pytest.mark.parametrize("where, params, whole", EQUIVALENT, ids=[f"{w} {p}" for w, p, _ in EQUIVALENT])
def test_same_events_with_and_without_pushdown(db, compile_report, monkeypatch, where, params, whole):
    text = report_text('sql "sqlite:///t.db" table t', where=where)
    text = text.replace("report tricky {", "report tricky {\n  param key: string = \"a\"\n  param low: int = 0")
    report = compile_report(text)
    for pushed, rows_pushed, plain, rows_plain in pushed_and_not(report, monkeypatch, params=params):
        assert pushed == plain
        assert rows_plain == 400
        row_count = pushed[-1][1][2]
        # the database left out rows: all of those the engine leaves out when all is pushed
        assert rows_pushed == row_count if whole else row_count <= rows_pushed < 400


def test_a_huge_integer_parameter_is_compared_by_the_engine(db, compile_report, monkeypatch):
    # sqlite3 cannot bind it: the where is not pushed (the run used to stop with OverflowError)
    text = report_text('sql "sqlite:///t.db" table t', where="q <= low or id == low")
    report = compile_report(text.replace("report tricky {", "report tricky {\n  param low: int = 0"))
    for pushed, rows_pushed, plain, _ in pushed_and_not(report, monkeypatch, params={"low": 2 ** 70}):
        assert pushed == plain and rows_pushed == 400


# ---- rows the engine fails on still reach it ------------------------------------------

FAILING_ROWS = [  # (id, q, p, s, t): an INTEGER holding text, a DECIMAL holding text, a text that is no date
    (1, 1, 1.5, "a", "2024-01-01"), (2, "x", 2.0, "b", "2024-01-02"), (3, 9, "abc", "c", "2024-01-03"),
    (4, None, 2.5, "d", "bad"), (5, 3, 2.5, "e", "2024-01-05")]
FAILING = [  # where, the rows that fail (number, message) with on_error skip
    ("q <= 5", [(2, "column 'q' holds 'x'")]),
    # p is read by a conjunct that is not pushed: row 3 (q = 9) must still reach the engine
    ("q <= 5 and p >= 1.10", [(2, "column 'q' holds 'x'"), (3, "column 'p' holds 'abc'")]),
    # the engine evaluates date(t) when q is null: row 4 fails, so nothing is pushed
    ('q <= 5 and date(t) > date("2023-01-01")', [(2, "column 'q' holds 'x'"), (4, "'bad' is not a date")]),
]


@pytest.mark.parametrize("where, failing", FAILING, ids=[w for w, _ in FAILING])
def test_a_row_the_engine_fails_on_is_not_left_out(tmp_path, compile_report, monkeypatch, where, failing):
    make_table(tmp_path / "u.db", "CREATE TABLE u (id INTEGER PRIMARY KEY, q INTEGER, p DECIMAL(10,2), "
                                  "s VARCHAR(5), t TEXT)", FAILING_ROWS)
    for skip in ("", "on_error skip"):
        report = compile_report(f'report r {{\n  source sql "sqlite:///u.db" table u\n  {skip}\n  where {where}\n'
                                f'  group s {{ footer {{ text "{{COUNT()}} {{SUM(p)}}" }} }}\n}}')
        for pushed, _, plain, _ in pushed_and_not(report, monkeypatch):
            assert pushed == plain
            if skip:
                errors = pushed[-1][1][5]
                assert [row for row, _ in errors] == [row for row, _ in failing]
                assert all(m.startswith(want) for (_, m), (_, want) in zip(errors, failing, strict=True))
            else:
                assert f"row 2: {failing[0][1]}" in pushed[1]


def test_row_numbers_count_the_rows_the_database_delivers(tmp_path, compile_report, monkeypatch):
    make_table(tmp_path / "u.db", "CREATE TABLE u (id INTEGER PRIMARY KEY, q INTEGER)",
               [(1, 9), (2, 8), (3, "x"), (4, 1)])
    report = compile_report('report r {\n  source sql "sqlite:///u.db" table u\n  where q <= 5\n'
                            '  summary { text "{COUNT()}" }\n}')
    for pushed, _, plain, _ in pushed_and_not(report, monkeypatch):
        assert "row 1: column 'q' holds 'x'" in pushed[1]  # rows 1 and 2 never came
        assert "row 3: column 'q' holds 'x'" in plain[1]


def test_text_compared_as_text_in_a_column_with_numeric_affinity(tmp_path, compile_report, monkeypatch):
    # SQLite gives a column declared STRING NUMERIC affinity: '5' is stored as the number 5,
    # and without the unary + the '5' of the condition would be compared as a number too
    make_table(tmp_path / "u.db", "CREATE TABLE u (id INTEGER PRIMARY KEY, s STRING)",
               [(1, "+"), (2, "abc"), (3, "5"), (4, "b"), (5, "10"), (6, None)])
    for where in ('s < "5"', 's > "10"', 's == "5"'):
        report = compile_report(f'report r {{\n  source sql "sqlite:///u.db" table u\n  where {where}\n'
                                '  detail { column id = id }\n}')
        for pushed, rows_pushed, plain, _ in pushed_and_not(report, monkeypatch):
            assert pushed == plain and rows_pushed < 6
    assert [e[1] for e in pushed if e[0] == "detail"] == [(3,)]


# ---- where first: columns it does not read are converted only for rows it keeps --------

@pytest.mark.parametrize("declared", [True, False])
def test_csv_where_first(tmp_path, compile_report, run_result, declared):
    rows = [f"{i},{9 if i == 150 else 1},{'oops' if i == 150 else i}" for i in range(1, 201)]
    (tmp_path / "r.csv").write_text("id,q,n\n" + "\n".join(rows) + "\n", encoding="utf-8")
    types = " { n: int }" if declared else ""  # else inferred from the first 100 rows: int
    for where, fails in (("q <= 5", False), ("q <= 9", True)):
        report = compile_report(f'report r {{\n  source csv "r.csv"{types}\n  where {where}\n'
                                '  summary { text "{SUM(n)}" }\n}')
        assert report.plan.columns[2].type == "int"
        if fails:
            with pytest.raises(ReportDataError, match="row 150: column 'n' holds 'oops'"):
                run_result(report)
        else:
            assert run_result(report).totals == {"SUM(n)": sum(range(1, 201)) - 150}


def test_sqlite_where_first(tmp_path, compile_report, monkeypatch):
    make_table(tmp_path / "u.db", "CREATE TABLE u (id INTEGER PRIMARY KEY, q INTEGER, n INTEGER)",
               [(1, 1, 10), (2, 9, "oops"), (3, 2, 20)])
    for where, fails in (("q <= 5", False), ("q >= 1", True)):
        report = compile_report(f'report r {{\n  source sql "sqlite:///u.db" table u\n  where {where}\n'
                                '  summary { text "{SUM(n)}" }\n}')
        for pushed, _, plain, _ in pushed_and_not(report, monkeypatch):
            assert pushed == plain  # the engine alone gives what the database's filtering gives
            if fails:
                assert "column 'n' holds 'oops'" in pushed[1]
            else:
                assert set(pushed[-1][1][1].values()) == {30}  # SUM(n)


# ---- servers --------------------------------------------------------------------------

SERVER_WHERE = "q >= 2 and p < 12.30 and g2 != 3"


def _pg_url(schema: str) -> str:
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


def _server_matches(url: str, table: str, where: str, tmp_path, compile_report, run_result, monkeypatch,
                    params=None) -> None:
    """The report over the server, with and without the pushdown, gives SQLite's result."""
    if not (tmp_path / "t.db").exists():
        sqlite_file(tmp_path / "t.db")
    text = report_text('sql env("RDSL_TEST_URL") table TABLE', where=where)
    text = text.replace("report tricky {", 'report tricky {\n  param since: date = "2024-01-01"')
    results = []
    for env_url, name in ((f"sqlite:///{tmp_path / 't.db'}", "t"), (url, table)):
        monkeypatch.setenv("RDSL_TEST_URL", env_url)
        report = compile_report(text.replace("TABLE", name))
        results.append(run_result(report, params=params).to_json())
    assert run(report.plan, NullSink(), params=params).rows_read < 400  # the server filtered
    with monkeypatch.context() as m:
        m.setattr(sql_statement, "where_clause", lambda *a: None)
        results.append(run_result(report, params=params).to_json())
    assert results[0] == results[1] == results[2]
    assert '"row_count": 0' not in results[0]


def test_postgresql_decimal_int_and_date(pg_schema, tmp_path, compile_report, run_result, monkeypatch):
    engine, schema = pg_schema
    load(engine, "t", schema)
    for where, params in ((SERVER_WHERE, None), ('d >= since and d < date("2024-02-29")', {"since": "2023-12-02"})):
        _server_matches(_pg_url(schema), "t", where, tmp_path, compile_report, run_result, monkeypatch, params)


def test_mariadb_decimal_and_int(mariadb_prefix, tmp_path, compile_report, run_result, monkeypatch):
    engine, prefix = mariadb_prefix
    load(engine, prefix + "t")
    _server_matches(MARIADB_URL, prefix + "t", SERVER_WHERE, tmp_path, compile_report, run_result, monkeypatch)


def test_postgresql_nan_and_infinite_dates_still_reach_the_engine(pg_schema, compile_report, monkeypatch):
    engine, schema = pg_schema
    import sqlalchemy as sa

    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE TABLE "{schema}".u (id int, p numeric(10, 2), d date)'))
        conn.execute(sa.text(f"INSERT INTO \"{schema}\".u VALUES (1, 1.5, '2024-01-01'), (2, 'NaN', '2024-01-02'), "
                             "(3, 1.0, 'infinity')"))
    monkeypatch.setenv("RDSL_TEST_URL", _pg_url(schema))
    for where, message in (("p < 5", "row 2: cannot compute where"), ('d <= date("2024-12-31")', "date too large")):
        report = compile_report(f'report r {{\n  source sql env("RDSL_TEST_URL") table u\n  where {where}\n'
                                '  summary { text "{COUNT()}" }\n}')
        assert where_clause(report.plan, "postgresql", quote, {"p", "d"}) is not None
        [(pushed, _, plain, _)] = pushed_and_not(report, monkeypatch, paths=(False,))
        assert pushed == plain and message in pushed[1]


def test_mariadb_zero_dates_keep_the_where_in_the_engine(mariadb_prefix, compile_report, monkeypatch):
    engine, prefix = mariadb_prefix
    import sqlalchemy as sa

    with engine.begin() as conn:
        conn.execute(sa.text("SET SESSION sql_mode = ''"))
        conn.execute(sa.text(f"CREATE TABLE {prefix}u (id int, q int, d date)"))
        conn.execute(sa.text(f"INSERT INTO {prefix}u VALUES (1, 1, '2024-01-01'), (2, 9, '0000-00-00')"))
    monkeypatch.setenv("RDSL_TEST_URL", MARIADB_URL)
    report = compile_report(f'report r {{\n  source sql env("RDSL_TEST_URL") table {prefix}u\n'
                            '  where q <= 5 and year(d) > 2000\n  summary { text "{COUNT()}" }\n}')
    [(pushed, _, plain, _)] = pushed_and_not(report, monkeypatch, paths=(False,))
    assert pushed == plain and "row 2: column 'd' holds '0000-00-00'" in pushed[1]


def test_duckdb_compares_text_by_code_point_whatever_the_column_collation(tmp_path, compile_report, monkeypatch):
    """A NOCASE column and an enum (ordered by its declaration) are compared as their text,
    byte for byte: the engine's answer, pushed or not."""
    duckdb = pytest.importorskip("duckdb")
    pytest.importorskip("duckdb_engine")
    with duckdb.connect(str(tmp_path / "c.duckdb")) as con:
        con.execute("CREATE TYPE mood AS ENUM ('zzz', 'abc', 'Abc')")
        con.execute("CREATE TABLE u (id INTEGER, g VARCHAR COLLATE NOCASE, e mood)")
        con.executemany("INSERT INTO u VALUES (?, ?, ?)", [(1, "abc", "zzz"), (2, "ABC", "abc"),
                                                          (3, "Äbc", "Abc"), (4, None, None), (5, "b", "abc")])
    for where, ids in (('g == "abc"', [1]), ('g < "a"', [2]), ('e < "b"', [2, 3, 5]), ('g >= "b"', [3, 5])):
        report = compile_report(f'report r {{\n  source sql "duckdb:///c.duckdb" table u\n  where {where}\n'
                                '  detail { column id = id }\n}')
        pushed, rows_pushed = events(report)
        with monkeypatch.context() as m:
            m.setattr(sql_statement, "where_clause", lambda *a: None)
            plain, _ = events(report)
        assert pushed == plain
        assert rows_pushed == len(ids) or where.startswith("e")  # the enum's type is no report type: not pushed
        assert [e[1][0] for e in pushed if e[0] == "detail"] == ids
