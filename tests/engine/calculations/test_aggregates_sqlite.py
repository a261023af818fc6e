"""Every aggregate and scope over SQLite, checked against SQL and exact Python sums."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest

from ..expectations import (
    assert_groups_equal,
    assert_totals_equal,
    expected,
    report_text,
)
from ..tricky_data import sqlite_file


@pytest.fixture
def db(tmp_path):
    return sqlite_file(tmp_path / "t.db")


def test_every_aggregate_matches_python_and_sql(db, compile_report, run_result):
    report = compile_report(report_text('sql "sqlite:///t.db" table t'))
    result = run_result(report).to_dict()
    totals, groups, rows = expected()
    assert result["row_count"] == len(rows) == 400
    assert_totals_equal(result["totals"], totals, "report")
    assert_groups_equal(result["groups"], groups)

    # the same numbers from SQLite itself (its SUM of DECIMAL is a float: compare closely)
    con = sqlite3.connect(db)
    sql = con.execute(
        "SELECT g1, g2, COUNT(*), COUNT(q), SUM(q), MIN(q), MAX(q), SUM(q * p), MIN(d), MAX(d), "
        "COUNT(DISTINCT q) FROM t GROUP BY g1, g2"
    ).fetchall()
    by_key = {(g["key"], h["key"]): h["totals"] for g in result["groups"] for h in g["groups"]}
    assert len(by_key) == len(sql)
    for g1, g2, n, nq, sq, mnq, mxq, sqp, mnd, mxd, dq in sql:
        t = by_key[(g1, g2)]
        assert (t["COUNT()"], t["COUNT(q)"], t["SUM(q)"], t["MIN(q)"], t["MAX(q)"]) == (n, nq, sq, mnq, mxq)
        assert (t["MIN(d)"], t["MAX(d)"], t["COUNT_DISTINCT(q)"]) == (mnd, mxd, dq)
        assert (t["SUM(q*p)"] is None) == (sqp is None)
        if sqp is not None:
            assert abs(float(t["SUM(q*p)"]) - sqp) < 1e-6


def test_decimals_are_exact_and_over_scopes_are_final(db, compile_report, run_result):
    report = compile_report(report_text('sql "sqlite:///t.db" table t'))
    result = run_result(report).to_dict()
    total_q = result["totals"]["SUM(q)"]
    for g in result["groups"]:
        for h in g["groups"]:
            assert h["totals"]["SUM(q)overreport"] == total_q
            assert h["totals"]["SUM(q)overg1"] == g["totals"]["SUM(q)"]
            assert isinstance(h["totals"]["SUM(p)"], (Decimal, type(None)))
    assert isinstance(result["totals"]["SUM(p)"], Decimal)
    assert result["totals"]["SUM(p)"] == sum(Decimal(str(r)) for (r,) in sqlite3.connect(db).execute(
        "SELECT p FROM t WHERE p IS NOT NULL"))


def test_where_null_is_false_and_empty_groups_vanish(db, compile_report, run_result):
    report = compile_report(report_text('sql "sqlite:///t.db" table t', where="q > 2"))
    result = run_result(report).to_dict()
    totals, groups, rows = expected(where=lambda r: r["q"] is not None and r["q"] > 2)
    assert result["row_count"] == len(rows)
    assert_totals_equal(result["totals"], totals, "report")
    assert_groups_equal(result["groups"], groups)


def test_query_form_binds_parameters(db, compile_report, run_result):
    text = report_text('sql "sqlite:///t.db" query "SELECT * FROM t WHERE id <= :upto AND g1 <> \':upto\'"')
    text = text.replace("report tricky {", "report tricky {\n  param upto: int = 200")
    report = compile_report(text)
    result = run_result(report, params={"upto": "150"}).to_dict()
    totals, groups, _ = expected(where=lambda r: r["id"] <= 150 and r["g1"] != ":upto" and r["g1"] is not None)
    # g1 <> ':upto' is null for null g1 in SQL: those rows are left out by the query
    assert result["row_count"] == totals["COUNT()"]
    assert_groups_equal(result["groups"], groups)
    assert result["parameters"] == {"upto": 150}


def test_group_by_expression_desc_and_sort_pushdown(db, compile_report, run_result):
    from reportdsl.engine import run
    from reportdsl.engine.stream.sinks import RecordingSink

    report = compile_report("""
report r {
  source sql "sqlite:///t.db" table t
  sort by q desc, id
  group yr = year(d) desc { footer { text "{COUNT()}" } }
  detail { column id "Id" = id
           column q "Q" = q
           column n "N" = row_number
           column run "Run" = SUM(q)
           column all "All" = COUNT() over report }
}""")
    sink = RecordingSink()
    stats = run(report.plan, sink, source_text=report.source)
    assert stats.ordered_by == "database"
    keys = [e[2] for e in sink.events if e[0] == "group_start"]
    assert keys == [2024, 2023, None]  # desc, null still last
    details = [e[1] for e in sink.events if e[0] == "detail"]
    assert [row[3] for row in details][-1] is not None
    # within a group: q desc with nulls last, then id; row numbers restart per group
    first_group = details[: [e[3] for e in sink.events if e[0] == "group_end"][0]]
    qs = [row[1] for row in first_group]
    non_null = [q for q in qs if q is not None]
    assert non_null == sorted(non_null, reverse=True) and qs[len(non_null):] == [None] * (len(qs) - len(non_null))
    assert [row[2] for row in first_group] == list(range(1, len(first_group) + 1))
    assert [row[4] for row in details] == list(range(1, len(details) + 1))
