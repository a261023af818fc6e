"""The §11 functions and date operators where a database takes part: ``quarter``,
``week`` and ``weekday`` group and sort keys go into ``ORDER BY`` on PostgreSQL,
MariaDB and DuckDB (their ISO 8601 rules are the engine's) and give the order the
engine gives; date arithmetic stays with the engine in ``where``."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from reportdsl.engine import run
from reportdsl.engine.stream.sinks import RecordingSink
from reportdsl.sources.sql.order import order_by
from reportdsl.sources.sql.where import where_clause

from ..conftest import MARIADB_URL, PG_URL

# ISO week edges: 2020 has 53 weeks, 2021-01-03 is in 2020-W53, 2019-12-30 in 2020-W01
DAYS = [dt.date(2020, 12, 31), dt.date(2021, 1, 3), dt.date(2021, 1, 4), dt.date(2019, 12, 30), dt.date(2024, 2, 29),
        dt.date(2024, 3, 31), dt.date(2024, 4, 1), dt.date(2023, 9, 30), dt.date(2023, 10, 1), None,
        dt.date(2024, 12, 30), dt.date(2025, 6, 15), dt.date(2026, 1, 1), dt.date(2027, 1, 1)]
ROWS = [{"id": n, "d": d, "x": n * 10} for n, d in enumerate(DAYS)]

REPORT = """report r {
  source sql SOURCE
  where x >= 0 and d - date("2019-01-01") > 0
  sort by weekday(d) desc, id
  group q = quarter(d) {
    footer { text "{COUNT()} {FIRST(id)} {LAST(id)}" }
  }
  group wk = week(d) {
    footer { text "{COUNT()} {FIRST(id)} {LAST(id)}" }
  }
}
"""


def _load(engine: sa.Engine, table: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE {table} (id INTEGER, d DATE, x INTEGER)"))
        conn.execute(sa.text(f"INSERT INTO {table} VALUES (:id, :d, :x)"), ROWS)


def _groups(report, **kw):
    sink = RecordingSink()
    stats = run(report.plan, sink, source_text=report.source, **kw)
    return [e for e in sink.events if e[0] in ("group_start", "group_end", "row")], stats


def _check(compile_report, source: str, dialect: str):
    report = compile_report(REPORT.replace("SOURCE", source))
    clause = order_by(report.plan, dialect, lambda n: f'"{n}"', {"id", "d", "x"})
    assert clause is not None and "QUARTER" in clause.clause.upper() and "WEEK" in clause.clause.upper()
    pushed = where_clause(report.plan, dialect, lambda n: f'"{n}"', {"id", "d", "x"})
    if dialect != "mariadb":  # whose DATE columns may hold zero dates: no pushdown there
        # the date arithmetic stays with the engine (it cannot fail, so x >= 0 still goes)
        assert pushed is not None and pushed.condition.split(" OR ")[0] == '(("x" >= 0))'
    got, stats = _groups(report)
    assert stats.ordered_by == "database"
    want, engine_stats = _groups(report, source=[dict(r) for r in ROWS])
    assert engine_stats.ordered_by == "engine"
    assert got == want and len(got) > len(ROWS)


def test_postgresql_orders_by_iso_weeks_as_the_engine(pg_schema, compile_report, monkeypatch):
    engine, schema = pg_schema
    _load(engine, f'"{schema}".t')
    monkeypatch.setenv("RDSL_TEST_URL", f"{PG_URL}?options=-csearch_path%3D{schema}")
    _check(compile_report, 'env("RDSL_TEST_URL") table t', "postgresql")


def test_mariadb_orders_by_iso_weeks_as_the_engine(mariadb_prefix, compile_report, monkeypatch):
    engine, prefix = mariadb_prefix
    _load(engine, prefix + "t")
    monkeypatch.setenv("RDSL_TEST_URL", MARIADB_URL)
    _check(compile_report, f'env("RDSL_TEST_URL") table {prefix}t', "mariadb")


def test_duckdb_orders_by_iso_weeks_as_the_engine(tmp_path, compile_report):
    pytest.importorskip("duckdb_engine")
    engine = sa.create_engine(f"duckdb:///{tmp_path / 't.duckdb'}")
    _load(engine, "t")
    engine.dispose()
    _check(compile_report, '"duckdb:///t.duckdb" table t', "duckdb")


def test_sqlite_leaves_iso_weeks_to_the_engine(tmp_path, compile_report):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 't.db'}")
    _load(engine, "t")
    engine.dispose()
    report = compile_report(REPORT.replace("SOURCE", '"sqlite:///t.db" table t'))
    got, stats = _groups(report)
    assert stats.ordered_by == "engine"  # SQLite's %W weeks are not ISO weeks
    assert got == _groups(report, source=[dict(r) for r in ROWS])[0]
