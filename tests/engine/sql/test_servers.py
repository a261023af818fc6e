"""The same reports against PostgreSQL and MariaDB: identical results and order.

MariaDB has no NULLS LAST and compares text case-insensitively by default; the
engine must still order null keys last and keep 'a', 'A', 'a ' apart, exactly as
over SQLite. Skips (with the reason) without the servers, fails under
REPORTDSL_REQUIRE_SERVERS=1.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..conftest import MARIADB_URL, PG_URL
from ..expectations import (
    assert_groups_equal,
    assert_totals_equal,
    expected,
    report_text,
)
from ..tricky_data import load, sqlite_file


def _pg_url(schema: str) -> str:
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


def test_postgresql_matches_python(pg_schema, compile_report, run_result, monkeypatch):
    engine, schema = pg_schema
    load(engine, "t", schema)
    # PostgreSQL's own exact numeric sums
    with engine.connect() as conn:
        sql = dict(conn.execute(sa.text(
            f'SELECT COALESCE(g1, \'<null>\') || \'|\' || COALESCE(g2::text, \'<null>\'), SUM(q * p) '
            f'FROM "{schema}".t GROUP BY g1, g2')).all())
    monkeypatch.setenv("RDSL_TEST_URL", _pg_url(schema))
    report = compile_report(report_text('sql env("RDSL_TEST_URL") table t'))
    result = run_result(report).to_dict()
    totals, groups, rows = expected()
    assert result["row_count"] == len(rows)
    assert_totals_equal(result["totals"], totals, "report")
    assert_groups_equal(result["groups"], groups)
    for g in result["groups"]:
        for h in g["groups"]:
            key = f"{'<null>' if g['key'] is None else g['key']}|{'<null>' if h['key'] is None else h['key']}"
            assert h["totals"]["SUM(q*p)"] == sql[key]


def test_mariadb_matches_python(mariadb_prefix, compile_report, run_result, monkeypatch):
    engine, prefix = mariadb_prefix
    load(engine, prefix + "t")
    monkeypatch.setenv("RDSL_TEST_URL", MARIADB_URL)
    report = compile_report(report_text(f'sql env("RDSL_TEST_URL") table {prefix}t'))
    result = run_result(report).to_dict()
    totals, groups, rows = expected()
    assert result["row_count"] == len(rows)
    assert_totals_equal(result["totals"], totals, "report")
    assert_groups_equal(result["groups"], groups)


def test_same_result_on_every_database(tmp_path, pg_schema, mariadb_prefix, compile_report, run_result, monkeypatch):
    pg, schema = pg_schema
    maria, prefix = mariadb_prefix
    load(pg, "t", schema)
    load(maria, prefix + "t")
    sqlite_file(tmp_path / "t.db")
    where = "q >= 0 or p < 0"
    results = []
    for env_url, table in ((f"sqlite:///{tmp_path / 't.db'}", "t"), (_pg_url(schema), "t"),
                           (MARIADB_URL, prefix + "t")):
        monkeypatch.setenv("RDSL_TEST_URL", env_url)
        report = compile_report(report_text(f'sql env("RDSL_TEST_URL") table {table}', where=where))
        results.append(run_result(report).to_json())
    assert results[0] == results[1] == results[2]


def test_query_form_and_engine_source_on_postgresql(pg_schema, compile_report, run_result, monkeypatch):
    engine, schema = pg_schema
    load(engine, "t", schema)
    monkeypatch.setenv("RDSL_TEST_URL", _pg_url(schema))
    text = report_text('sql env("RDSL_TEST_URL") query "SELECT * FROM t WHERE q::int >= :lo"', over=False)
    text = text.replace("report tricky {", "report tricky {\n  param lo: int = 0")
    report = compile_report(text)
    totals, groups, _ = expected(where=lambda r: r["q"] is not None and r["q"] >= 3)
    result = run_result(report, params={"lo": 3}).to_dict()
    assert_groups_equal(result["groups"], groups)
    # a SQLAlchemy Engine as source: the report's query runs on it
    other = sa.create_engine(_pg_url(schema))
    try:
        again = run_result(report, params={"lo": 3}, source=other).to_dict()
        with other.connect() as conn:
            again_conn = run_result(report, params={"lo": 3}, source=conn).to_dict()
            assert not conn.closed  # the caller's connection stays open
    finally:
        other.dispose()
    assert again == result == again_conn
