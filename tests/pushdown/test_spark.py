"""Pushdown on Spark: the SQL it gets (syrupy snapshots: GROUPING SETS with
``grouping_id``, FILTER, text as ``CAST(x AS STRING)``, backquoted names), what
``plan --sql`` prints, and what streams instead (FIRST/LAST, arithmetic, decimal
``where``). Results streamed and pushed are compared in ``test_pushed_vs_streamed``."""

from __future__ import annotations

import re

import pytest

import reportdsl
from reportdsl.errors import ReportDataError
from reportdsl.pushdown.analysis import NotPushed, analyse
from reportdsl.pushdown.attempt import explain
from reportdsl.pushdown.builder import build
from reportdsl.pushdown.capabilities import CAPABILITIES

from . import data
from .test_golden_sql import REPORTS


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_golden_sql_spark(tmp_path, snapshot, name):
    source = data.sqlite_table(tmp_path / "t.db", data.rows(n=5, big=False))
    report = reportdsl.compile(REPORTS[name].format(source=source), filename=str(tmp_path / "g.report"),
                               base_dir=str(tmp_path))
    spec = analyse(report.plan, CAPABILITIES["spark"], report.source.text)
    if isinstance(spec, NotPushed):
        assert spec.reason == snapshot
        return
    query = build(spec, "t", None)
    assert (query.guard, query.sql, sorted(spec.params)) == snapshot


@pytest.mark.parametrize("database", ["spark"], indirect=True)
def test_plan_sql_and_what_streams(database, tmp_path):
    source = database(data.rows(n=40, big=False))

    def report(body: str):
        return reportdsl.compile(f"report r {{\n  source {source}\n{body}\n}}", filename=str(tmp_path / "r.report"),
                                 base_dir=str(tmp_path))

    pushed = report('  where d > date("2024-01-01")\n  group g1 { footer { text "{SUM(q)} {MIN(d)}" } }')
    sql = explain(pushed.plan, None, pushed.source.text)
    assert sql.startswith("-- pushed down to spark\n")
    assert "NOT (year(`d`) BETWEEN 1 AND 9999)" in sql  # the guard: dates Python cannot hold
    assert "GROUPING_ID(CAST(`g1` AS STRING)) AS _g" in sql and "FROM `spark_pushdown_t`" in sql
    assert pushed.run(pushdown="force").stats["pushdown"] == "pushed"
    for body, why in [
        ('  group g1 { footer { text "{FIRST(q)}" } }',
         "FIRST(q) has no exact SQL form (no source order to take it by) on spark"),
        ('  group g1 { footer { text "{SUM(q * 2)}" } }', "SUM(q * 2): integer arithmetic may overflow on spark"),
        ('  where p > 0\n  summary { text "{SUM(q)}" }', "the report's 'where' has no exact SQL form on spark"),
    ]:
        streams = report(body)
        assert explain(streams.plan, None, streams.source.text) == f"-- streams: {why}\n"
        with pytest.raises(ReportDataError, match=re.escape(why)):
            streams.run(pushdown="force")
