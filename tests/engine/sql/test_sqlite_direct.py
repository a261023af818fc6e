"""The stdlib sqlite3 path for plain SQLite files gives exactly what SQLAlchemy gives.

Each report runs twice over the same URL: through ``sqlite_stream.SqliteRows`` (the
default) and through ``sql_stream.SqlRows`` (``opening.SQLITE_DIRECT`` off); the
event streams must be identical value for value, Decimal exponents included, and
failures must read the same.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys

import pytest

from reportdsl.engine import run
from reportdsl.engine.stream.sinks import NullSink, RecordingSink
from reportdsl.errors import ReportDataError
from reportdsl.sources import opening
from reportdsl.sources.sql import retries
from reportdsl.sources.sql import sqlite as sqlite_stream

from ..expectations import exact, report_text
from ..tricky_data import rename_column, sqlite_file


def events(report, **kw) -> tuple:
    sink = RecordingSink()
    run(report.plan, sink, source_text=report.source, **kw)
    return exact(sink.events)


def both_paths(report, monkeypatch, **kw) -> tuple:
    direct = events(report, **kw)
    monkeypatch.setattr(opening, "SQLITE_DIRECT", False)
    through_sqlalchemy = events(report, **kw)
    monkeypatch.setattr(opening, "SQLITE_DIRECT", True)
    return direct, through_sqlalchemy


@pytest.fixture
def db(tmp_path):
    return sqlite_file(tmp_path / "t.db")


def test_every_aggregate_gives_identical_events(db, compile_report, monkeypatch):
    report = compile_report(report_text('sql "sqlite:///t.db" table t'))
    direct, through_sqlalchemy = both_paths(report, monkeypatch)
    assert direct == through_sqlalchemy
    assert any(e[0] == "group_start" and e[2] is None for e in direct)  # null keys are there


@pytest.mark.parametrize("order", ["", " desc"])
def test_null_last_and_text_order_match(db, compile_report, monkeypatch, order):
    report = compile_report(f"""
report r {{
  source sql "sqlite:///t.db" table t
  group g1{order} {{ footer {{ text "{{COUNT()}} {{SUM(p)}}" }} }}
  group g2{order} {{ footer {{ text "{{MIN(p)}} {{MAX(d)}}" }} }}
}}""")
    direct, through_sqlalchemy = both_paths(report, monkeypatch)
    assert direct == through_sqlalchemy
    keys = [e[2] for e in direct if e[0] == "group_start" and e[1] == 0]
    want = sorted((k for k in keys if k is not None), reverse=bool(order)) + [None]
    assert keys == want  # code-point order ('A' < 'a' < 'Ä' < '東'), null last both ways


def test_query_with_parameters_and_detail(db, compile_report, monkeypatch):
    query = "SELECT id, g1, q, p, d FROM t WHERE d >= :since AND q > :low -- ':x' is no parameter"
    report = compile_report("""
report r {
  source sql "sqlite:///t.db" query "QUERY"
  param since: date = "2024-01-01"
  param low: int = 0
  param scale: decimal = "1.5"
  group g1 { footer { text "{SUM(q * p)} {AVG(p)}" } }
  sort by id
  detail { column id "Id" = id
           column v "V" = p * scale
           column run "Run" = SUM(p) }
}""".replace("QUERY", query))
    for params in ({}, {"since": dt.date(2024, 2, 1), "low": 3}, {"since": "2023-12-01", "scale": "0.1"}):
        direct, through_sqlalchemy = both_paths(report, monkeypatch, params=params)
        assert direct == through_sqlalchemy
        assert any(e[0] == "detail" for e in direct)


def test_sqlalchemy_s_sql_functions_exist_on_both_paths(db, compile_report, monkeypatch):
    report = compile_report("""
report r {
  source sql "sqlite:///t.db" query "SELECT id, g1, floor(p) AS fp FROM t WHERE p IS NOT NULL AND g1 REGEXP '^[a-z]'"
  group g1 { footer { text "{SUM(fp)} {COUNT()}" } }
}""")
    direct, through_sqlalchemy = both_paths(report, monkeypatch)
    assert direct == through_sqlalchemy
    assert [e[2] for e in direct if e[0] == "group_start"] == ["a", "a ", "apple", "zz"]


def test_group_key_with_a_parameter_is_ordered_by_the_engine(db, compile_report, monkeypatch):
    # no parameter is bound in ORDER BY, and SQLite's integer sums overflow (issue 13)
    report = compile_report("""
report r {
  source sql "sqlite:///t.db" table t
  param shift: int = 10
  group k = g2 + shift { footer { text "{COUNT()}" } }
}""")
    stats = run(report.plan, NullSink(), params={"shift": 100})
    assert stats.ordered_by == "engine"
    direct, through_sqlalchemy = both_paths(report, monkeypatch, params={"shift": 100})
    assert direct == through_sqlalchemy
    assert [e[2] for e in direct if e[0] == "group_start"] == [99, 100, 101, 102, 103, None]


def test_failure_mid_stream_reads_the_same(tmp_path, compile_report, monkeypatch):
    con = sqlite3.connect(tmp_path / "t.db")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)")
    # abs() of the smallest 64-bit integer fails with "integer overflow" at row 10000
    con.executemany("INSERT INTO t VALUES (?, ?)",
                    [(i, -(2 ** 63) if i == 10_000 else i) for i in range(1, 20_001)])
    con.commit()
    con.close()
    report = compile_report('report r {\n'
                            '  source sql "sqlite:///t.db" query "SELECT id, abs(x) AS x FROM t ORDER BY id"\n'
                            '  summary { text "{SUM(x)}" }\n}')
    messages = []
    for direct in (True, False):
        monkeypatch.setattr(opening, "SQLITE_DIRECT", direct)
        with pytest.raises(ReportDataError) as err:
            run(report.plan, NullSink())
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    assert messages[0].endswith("reading source 'sqlite:///t.db' failed after 9984 rows: integer overflow")


def test_wrong_query_and_undeclared_parameter_read_the_same(db, compile_report, monkeypatch):
    report = compile_report('report r {\n  source sql "sqlite:///t.db" query "SELECT id, q FROM t"\n'
                            '  summary { text "{SUM(q)}" }\n}')
    # the schema reads fine; running the query fails
    broken = report.plan.model_copy(update={"source": report.plan.source.model_copy(
        update={"query": "SELECT id, q FROM t WHERE abs(-9223372036854775807 - 1) > 0"})})
    undeclared = report.plan.model_copy(update={"source": report.plan.source.model_copy(
        update={"query": "SELECT id, q FROM t WHERE q > :limit"})})
    for plan, message in ((broken, "cannot run the query of source 'sqlite:///t.db': integer overflow"),
                          (undeclared, "the query of source 'sqlite:///t.db' uses :limit, but the report "
                                       "declares no parameter 'limit'")):
        for direct in (True, False):
            monkeypatch.setattr(opening, "SQLITE_DIRECT", direct)
            with pytest.raises(ReportDataError) as err:
                run(plan, NullSink())
            assert str(err.value).endswith(message)


def test_a_missing_column_is_an_error_not_a_string(db, compile_report):
    # a double-quoted name that matches no column is a string literal in SQLite;
    # the direct path quotes with backticks, which are identifiers only
    report = compile_report('report r {\n  source sql "sqlite:///t.db" table t\n  summary { text "{MAX(g1)}" }\n}')
    rename_column(db, "t", "g1", "other")
    with pytest.raises(ReportDataError, match="no such column: g1"):
        run(report.plan, NullSink())


def test_a_locked_database_is_retried(db, compile_report, monkeypatch):
    waited = []
    monkeypatch.setattr(retries, "_sleep", waited.append)
    real_connect = sqlite_stream.connect
    failures = [2]

    class Flaky:
        def __init__(self, con):
            self.con = con

        def execute(self, *args):
            if failures[0]:
                failures[0] -= 1
                raise sqlite3.OperationalError("database is locked")
            return self.con.execute(*args)

        def close(self):
            self.con.close()

    report = compile_report('report r {\n  source sql "sqlite:///t.db" table t\n  summary { text "{COUNT()}" }\n}')
    monkeypatch.setattr(sqlite_stream, "connect", lambda path: Flaky(real_connect(path)))
    sink = RecordingSink()
    run(report.plan, sink, pushdown="off")  # the streaming read's retries
    assert sink.events[-1][1].values == {"v0": 400, "v1": 400}
    assert waited == [0.25, 0.5]


def test_runs_without_importing_sqlalchemy(db, tmp_path):
    (tmp_path / "r.report").write_text(
        'report r {\n  source sql "sqlite:///t.db" table t\n  group g1 { footer { text "{SUM(q * p)}" } }\n}',
        encoding="utf-8")
    code = (
        "import sys, reportdsl\n"
        "from reportdsl.engine import run\n"
        "from reportdsl.engine.stream.result import ResultSink\n"
        f"r = reportdsl.compile_file({str(tmp_path / 'r.report')!r})\n"
        "s = ResultSink(r.plan)\n"
        "run(r.plan, s, source_text=r.source)\n"
        "assert s.result.to_dict()['row_count'] == 400\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_sqlite_sorts_with_helper_threads_on_the_direct_path(db):
    con = sqlite_stream.connect(str(db))
    try:
        assert con.execute("PRAGMA threads").fetchone()[0] == sqlite_stream._SORTER_THREADS
    finally:
        con.close()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if cores > 1:
        assert sqlite_stream._SORTER_THREADS >= 1  # the sorter may use another core
