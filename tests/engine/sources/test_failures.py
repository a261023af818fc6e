"""Sources that fail: retries with backoff, a failure mid-stream, Ctrl-C."""

from __future__ import annotations

import sqlite3

import pytest

from reportdsl.engine import run
from reportdsl.engine.stream.sinks import NullSink
from reportdsl.errors import ReportDataError
from reportdsl.sources.sql import retries

from ..tricky_data import rename_column


@pytest.fixture
def db(tmp_path):
    con = sqlite3.connect(tmp_path / "t.db")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, g TEXT, x INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [(i, "abc"[i % 3], i) for i in range(1, 20001)])
    con.commit()
    con.close()
    return tmp_path / "t.db"


@pytest.fixture
def sleeps(monkeypatch):
    waited = []
    monkeypatch.setattr(retries, "_sleep", waited.append)
    return waited


REPORT = 'report r {\n  source sql "sqlite:///t.db" table t\n  group g { footer { text "{SUM(x)}" } }\n}'


def test_unreachable_server_is_retried_with_backoff(db, compile_report, sleeps):
    report = compile_report(REPORT)
    with pytest.raises(ReportDataError) as err:
        run(report.plan, NullSink(), source="postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    msg = str(err.value)
    assert "cannot connect to source 'postgresql+psycopg://nobody:***@127.0.0.1:1/none' after 4 attempts" in msg
    assert "secret" not in msg
    assert sleeps == [0.25, 0.5, 1.0]


def test_a_wrong_query_is_not_retried(db, compile_report, sleeps):
    report = compile_report(REPORT)
    rename_column(db, "t", "x", "y")
    with pytest.raises(ReportDataError, match="cannot run the query of source 'sqlite:///t.db': no such column: x"):
        run(report.plan, NullSink())
    assert sleeps == []


def test_transient_failure_then_success(sleeps):
    class OperationalError(Exception):
        pass

    calls = []

    def action():
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("database is locked")
        return "ok"

    assert retries.with_retries(action, "db", connecting=False) == "ok"
    assert sleeps == [0.25, 0.5]


def test_failure_mid_stream_says_how_many_rows_were_read(db, compile_report):
    import sqlalchemy as sa

    def boom(i):
        if i == 10_000:
            raise ValueError("disk on fire")
        return i

    engine = sa.create_engine(f"sqlite:///{db}")
    sa.event.listen(engine, "connect", lambda con, _: con.create_function("boom", 1, boom))
    report = compile_report('report r {\n  source sql "sqlite:///t.db" query "SELECT id, x, g FROM t"\n'
                            '  summary { text "{SUM(x)}" }\n}')
    # the checker cannot see boom(): put it in after compiling
    source = report.plan.source.model_copy(update={"query": "SELECT id, boom(x) AS x, g FROM t"})
    plan = report.plan.model_copy(update={"source": source})
    try:
        with pytest.raises(ReportDataError, match=r"reading source 'the given database connection' failed after "
                                                  r"9984 rows: user-defined function raised exception"):
            run(plan, NullSink(), source=engine)
        assert engine.pool.checkedout() == 0
    finally:
        engine.dispose()


class _Interrupt(NullSink):
    def __init__(self, after: int):
        self.left = after

    def detail(self, row):
        self.left -= 1
        if self.left == 0:
            raise KeyboardInterrupt


def test_ctrl_c_stops_cleanly_and_closes_the_connection(db, compile_report):
    import sqlalchemy as sa

    report = compile_report(REPORT.replace("}\n}", "}\n  detail { column x \"X\" = x }\n}"))
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with pytest.raises(KeyboardInterrupt):
            run(report.plan, _Interrupt(100), source=engine)
        assert engine.pool.checkedout() == 0
    finally:
        engine.dispose()


def test_ctrl_c_during_an_engine_sort_removes_spill_files(compile_report, monkeypatch):
    import tempfile

    made = []
    real = tempfile.TemporaryFile

    def tracking(*a, **kw):
        f = real(*a, **kw)
        made.append(f)
        return f

    monkeypatch.setattr(tempfile, "TemporaryFile", tracking)

    def rows():
        for i in range(50_000):
            if i == 40_000:
                raise KeyboardInterrupt
            yield {"g": i % 7, "x": i}

    report = compile_report('report r {\n  group g { footer { text "{SUM(x)}" } }\n}')
    with pytest.raises(KeyboardInterrupt):
        run(report.plan, NullSink(), source=rows(), memory_budget=100_000)
    assert made and all(f.closed for f in made)
