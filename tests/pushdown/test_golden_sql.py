"""The SQL each dialect gets for a few reports (syrupy snapshots): GROUPING SETS on
PostgreSQL and DuckDB, UNION ALL on SQLite and MariaDB, FILTER or CASE WHEN, the
code-point form of text, exact arithmetic, the guard for values the engine fails on."""

from __future__ import annotations

import pytest

import reportdsl
from reportdsl.pushdown.analysis import NotPushed, analyse
from reportdsl.pushdown.builder import build
from reportdsl.pushdown.capabilities import CAPABILITIES

from . import data
from .test_golden_files import CASES

REPORTS = {
    "two_levels": CASES["two_levels"],  # the golden files' case, also snapshotted here per dialect
    "no_groups": """
report no_groups {{
  source {source}
  summary {{ text "{{COUNT()}} {{MIN(f)}} {{MAX(f)}} {{SUM(q * 2 - q)}}" }}
}}""",
}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mariadb", "duckdb"])
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_golden_sql(tmp_path, snapshot, dialect, name):
    source = data.sqlite_table(tmp_path / "t.db", data.rows(n=5, big=False))
    report = reportdsl.compile(REPORTS[name].format(source=source), filename=str(tmp_path / "g.report"),
                               base_dir=str(tmp_path))
    spec = analyse(report.plan, CAPABILITIES[dialect], report.source.text)
    if isinstance(spec, NotPushed):
        assert spec.reason == snapshot
        return
    query = build(spec, "t", None)
    assert (query.guard, query.sql, sorted(spec.params)) == snapshot
