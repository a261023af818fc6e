"""Golden SQL per dialect: tests/pushdown/golden/<dialect>/<case>.sql holds what
``reportdsl plan --sql`` prints for each representative report (``CASES``) on each
dialect — the statements, or ``-- streams: <why>`` — and every statement parses back
with sqlglot in its dialect (a cheap check that it is that dialect's SQL).

Trino, BigQuery, Snowflake, ClickHouse and Databricks run nowhere here: their golden
files are the whole test. SQLite, PostgreSQL, MariaDB and DuckDB run: their golden
is what the run itself sends (``explain`` over the loaded table), and the report runs
both ways, pushed and streamed, with identical results.

``REPORTDSL_UPDATE_GOLDEN=1`` rewrites the files (review the diff).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
import sqlglot

import reportdsl
from reportdsl.pushdown.analysis import NotPushed, analyse
from reportdsl.pushdown.attempt import explain
from reportdsl.pushdown.builder import build
from reportdsl.pushdown.capabilities import CAPABILITIES
from reportdsl.pushdown.execute import target_of
from reportdsl.pushdown.sqlite_decimals import declared_scales

from . import data
from .conftest import DATABASES
from .test_pushed_vs_streamed import same

GOLDEN = Path(__file__).parent / "golden"
WAREHOUSES = ("trino", "bigquery", "snowflake", "clickhouse", "databricks")

CASES = {
    # two levels, a parameter in 'where', a filtered SUM, a percent of total, text keys
    "two_levels": """
report two_levels {{
  source {source}
  param floor: int = 0
  where q >= floor or g2 < 2
  group g1 {{ footer {{ text "{{COUNT()}} {{SUM(q)}} {{AVG(q)}} {{MAX(g1)}} {{COUNT_DISTINCT(g2)}}" }} }}
  group g2 desc {{ footer {{ text "{{SUM(f where q > 1)}} {{SUM(q) / SUM(q) over report | percent}}" }} }}
  summary {{ text "{{COUNT()}}" }}
}}""",
    # 20-digit decimals: SUM/AVG/MIN/MAX/COUNT_DISTINCT, filtered, over one level
    "decimals": """
report decimals {{
  source {source}
  group g2 {{
    footer {{ text "{{SUM(p)}} {{AVG(p)}} {{MIN(p)}} {{MAX(p)}} {{COUNT_DISTINCT(p)}} {{SUM(p where q > 1)}}" }}
  }}
  summary {{ text "{{SUM(p)}} {{AVG(p)}}" }}
}}""",
    # text compared by code point: MIN/MAX/COUNT_DISTINCT of text, text keys with nulls
    "text": """
report text {{
  source {source}
  group g1 {{ footer {{ text "{{COUNT()}} {{COUNT(q)}}" }} }}
  summary {{ text "{{MIN(g1)}} {{MAX(g1)}} {{COUNT_DISTINCT(g1)}}" }}
}}""",
    # float sums (and the sum of magnitudes that bounds their error), float keys
    "floats": """
report floats {{
  source {source}
  group g2 {{ footer {{ text "{{SUM(f)}} {{AVG(f)}} {{MIN(f)}} {{MAX(f)}}" }} }}
  summary {{ text "{{SUM(f)}} {{AVG(f)}}" }}
}}""",
    # arithmetic inside aggregates: exact only where it cannot overflow silently
    "arithmetic": """
report arithmetic {{
  source {source}
  field amount = q * p
  group g2 {{ footer {{ text "{{SUM(amount)}} {{SUM(q * 2 - q)}} {{MAX(-q)}}" }} }}
}}""",
    # dates as keys and MIN/MAX: where dates are kept exactly
    "dates": """
report dates {{
  source {source}
  group d {{ footer {{ text "{{COUNT()}} {{SUM(q)}}" }} }}
  summary {{ text "{{MIN(d)}} {{MAX(d)}}" }}
}}""",
    # a columns table without detail rows
    "columns_table": """
report table_only {{
  source {source}
  columns {{
    column key "Key"
    column n "Rows" | number
    column total "Total" | number(2)
  }}
  group g1 {{ footer {{ row {{ key: "{{g1}}", n: COUNT(), total: SUM(q) }} }} }}
  summary {{ row {{ key: "All", n: COUNT(), total: SUM(q) }} }}
}}""",
    # FIRST/LAST by source order: pushed where the source has one SQL can name (Parquet)
    "first_last": """
report first_last {{
  source {source}
  group g2 {{ footer {{ text "{{FIRST(q)}} {{LAST(g1)}} {{FIRST(p where q > 1)}} {{LAST(d)}}" }} }}
}}""",
    # what streams everywhere today: MEDIAN (and FIRST/LAST on a table)
    "first_and_median": """
report first_and_median {{
  source {source}
  group g2 {{ footer {{ text "{{FIRST(q)}} {{LAST(q)}} {{MEDIAN(p)}}" }} }}
}}""",
}

# The rows the runnable databases hold: null keys, empty and padded text, text whose
# collation order is not code point's, 20-digit decimals, floats of one sign (their
# sums are within 1e-12 whatever the order: pushed), small integers, ties.
F = [None, 0.1, 0.25, 1.5, 3.0, 1000.0]
P = [None, Decimal("0.0000000000"), Decimal("1234567890.1234567891"), Decimal("-0.0000000001"), Decimal("12.30")]
D = [None, dt.date(2024, 1, 31), dt.date(2023, 12, 1), dt.date(2024, 2, 29)]


def rows() -> list[tuple]:
    return [(i, data.G1[i % len(data.G1)], data.G2[i % len(data.G2)], [None, 0, 1, 2, -2, 7][i % 6],
             P[i % len(P)], F[i % len(F)], D[i % len(D)]) for i in range(1, 241)]


def golden_text(dialect: str, text: str, tmp_path: Path) -> str:
    """What ``plan --sql`` prints for ``text`` on ``dialect`` over table ``t``."""
    source = data.sqlite_table(tmp_path / "schema.db", rows())
    report = reportdsl.compile(text.format(source=source), filename=str(tmp_path / "g.report"),
                               base_dir=str(tmp_path))
    # SQLite's DECIMAL(p, s) columns are summed as scaled integers there (sqlite_decimals)
    target = target_of(report.plan, None)
    scales = declared_scales(target) if dialect == "sqlite" and not isinstance(target, NotPushed) else None
    spec = analyse(report.plan, CAPABILITIES[dialect], report.source.text, scales)
    if isinstance(spec, NotPushed):
        return f"-- streams: {spec.reason.removeprefix('cannot push down: ')}\n"
    query = build(spec, "t", None)
    out = [f"-- pushed down to {dialect}"]
    if query.guard is not None:
        out += ["-- 1. a row the engine would fail on? (then the report streams)", query.guard + ";"]
        out.append("-- 2. every aggregate of every level")
    out.append(query.sql + ";")
    return "\n".join(out) + "\n"


def check_golden(dialect: str, name: str, got: str) -> None:
    path = GOLDEN / dialect / f"{name}.sql"
    if os.environ.get("REPORTDSL_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"no golden file {path} (REPORTDSL_UPDATE_GOLDEN=1 writes it)"
    assert got == path.read_text(encoding="utf-8"), f"{path} differs"


@pytest.mark.parametrize("dialect", [*DATABASES, *WAREHOUSES])
@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_sql_parses_back(tmp_path, dialect, name):
    got = golden_text(dialect, CASES[name], tmp_path)
    check_golden(dialect, name, got)
    statements = [s for s in sqlglot.parse(got, read=CAPABILITIES[dialect].sqlglot) if s is not None]
    assert len(statements) == got.count(";\n")  # each statement ends its line with ";"
    for statement in statements:
        assert statement.find(sqlglot.exp.Select) is not None


def test_every_warehouse_has_a_golden_for_every_case():
    # a case or dialect added without its files fails here, not silently
    for dialect in (*DATABASES, *WAREHOUSES):
        assert sorted(p.stem for p in (GOLDEN / dialect).glob("*.sql")) == sorted(CASES), dialect


@pytest.mark.parametrize("database", DATABASES, indirect=True)
@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_sql_is_what_runs(database, tmp_path, name):
    """The golden statements are the ones the run sends, and the pushed run gives the
    streamed run's result to the last digit, null and order."""
    source = database(rows())
    text = CASES[name].format(source=source)
    folder = tmp_path / "run"
    folder.mkdir()
    report = reportdsl.compile(text, filename=str(folder / "p.report"), base_dir=str(folder))
    sent = explain(report.plan, None, report.source.text)
    if database.kind == "mariadb":  # the table carries the test's prefix
        table = source.rsplit(" ", 1)[-1]
        sent = sent.replace(f"`{table}`", "`t`")
    check_golden(database.kind, name, sent)
    streamed = report.run(pushdown="off")
    pushed = report.run(pushdown="auto")
    assert same(json.loads(pushed.to_json()), json.loads(streamed.to_json()))
    assert (pushed.stats["pushdown"] == "pushed") == (not sent.startswith("-- streams")), pushed.stats["pushdown"]
