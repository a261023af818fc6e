"""The same summary reports streamed and pushed down give the same JSON result on
SQLite, PostgreSQL, MariaDB and DuckDB — to the last digit, null and order; float
sums and averages to CONTRACT.md §8's relative 1e-12 — over data chosen to trip a
database up (``data``): null keys and values, text whose collation order or equality
is not code point's, integers whose sums pass 64 bits, 20-digit decimals, negative
zero, NaN and infinity (where the database stores them)."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest

import reportdsl

from . import data
from .conftest import DATABASES

TWO_LEVELS = """
report two_levels {{
  source {source}
  {where}
  group g1 {{
    header {{ text "{{g1}}: {{COUNT()}} rows, {{SUM(q)}}" }}
    footer {{
      text "{{COUNT(q)}} {{SUM(q)}} {{AVG(q)}} {{MIN(q)}} {{MAX(q)}}"
      text "{{COUNT_DISTINCT(g2)}} {{MIN(g1)}} {{MAX(g1)}}"
    }}
  }}
  group g2 desc {{
    footer {{
      text "{{SUM(f)}} {{AVG(f)}} {{MIN(f)}} {{MAX(f)}} {{COUNT(f)}} {{COUNT_DISTINCT(f)}} {{SUM(q) over g1}}"
      text "{{SUM(q where g2 > 0)}} {{COUNT(where q > 1)}} {{SUM(q) over report}} {{coalesce(SUM(q), 0) + 1}}"
    }}
  }}
  summary {{ text "{{COUNT()}} {{SUM(q)}} {{AVG(q)}} {{SUM(f)}} {{MIN(g1)}} {{MAX(g1)}} {{COUNT_DISTINCT(g1)}}" }}
}}
"""

DECIMALS = """
report decimals {{
  source {source}
  where q > 0 or p < 0
  group g2 {{
    footer {{
      text "{{SUM(p)}} {{AVG(p)}} {{MIN(p)}} {{MAX(p)}} {{COUNT_DISTINCT(p)}}"
      text "{{SUM(p where q > 1)}} {{SUM(p) / SUM(p) over report}}"
    }}
  }}
  summary {{ text "{{SUM(p)}} {{AVG(p)}}" }}
}}
"""

ARITHMETIC = """
report arithmetic {{
  source {source}
  field amount = q * p
  group g1 {{
    footer {{ text "{{SUM(amount)}} {{AVG(amount)}} {{MIN(q * p)}} {{SUM(q * q)}} {{MAX(-q)}} {{SUM(f * 2 + q)}}" }}
  }}
}}
"""

COLUMNS_TABLE = """
report table_only {{
  source {source}
  columns {{
    column key "Key"
    column n "Rows" | number
    column total "Total" | number(2)
  }}
  group g1 {{
    footer {{ row {{ key: "{{g1}}", n: COUNT(), total: SUM(f) }} }}
  }}
  summary {{ row {{ key: "All", n: COUNT(), total: SUM(f) }} }}
}}
"""

NOTHING_PASSES = """
report empty {{
  source {source}
  where q > 1000000
  group g1 {{ footer {{ text "{{SUM(q)}}" }} }}
  summary {{ text "{{COUNT()}} {{SUM(q)}} {{MIN(g1)}}" }}
  no_data {{ text "nothing" }}
}}
"""

SUMMARY_ONLY = """
report summary_only {{
  source {source}
  title "{{COUNT()}} rows"
  summary {{ text "{{COUNT()}} {{SUM(q)}} {{AVG(f)}} {{MIN(g1)}} {{MAX(g2)}} {{COUNT_DISTINCT(g1)}}" }}
}}
"""


def _run(text: str, folder, pushdown: str):
    report = reportdsl.compile(text, filename=str(folder / "p.report"), base_dir=str(folder))
    result = report.run(pushdown=pushdown)
    return json.loads(result.to_json()), result.stats.get("pushdown")


def same(a, b) -> bool:
    """Equal JSON, floats within a relative 1e-12 (CONTRACT.md §8); -0.0 is 0.0 there."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)
    return type(a) is type(b) and a == b


def _check(database, report: str, rows, *, where: str = "", pushed: bool | None = True, tmp_path=None):
    source = database(rows)
    text = report.format(source=source, where=where)
    streamed, how = _run(text, tmp_path, "off")
    assert how == "off"
    got, how = _run(text, tmp_path, "auto")
    assert same(got, streamed), (json.dumps(got, indent=1), json.dumps(streamed, indent=1))
    if pushed is not None:
        assert (how == "pushed") == pushed, how
    return got, how


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_two_levels(database, tmp_path):
    kind = database.kind
    rows = data.rows(special_floats=kind in ("postgresql", "duckdb"))
    # SQLite's integer SUM stops at 64 bits: the database refuses, the report streams
    # SQLite's integer SUM stops at 64 bits; MariaDB's float sums of 1e10 and 0.1 in one
    # group may be too far from the correctly rounded sum: either way the report streams
    _, how = _check(database, TWO_LEVELS, rows, pushed=kind in ("postgresql", "duckdb"), tmp_path=tmp_path)
    if kind == "sqlite":
        assert "overflow" in how
    if kind == "mariadb":
        assert "float sum" in how


FLOATS = """
report floats {{
  source {source}
  group g1 {{ footer {{ text "{{SUM(f)}} {{AVG(f)}}" }} }}
  summary {{ text "{{SUM(f)}} {{AVG(f)}}" }}
}}
"""


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_float_sums(database, tmp_path):
    # values of one sign: the database's sum is surely within 1e-12 (pushed) ...
    rows = [(i, g1, 1, 1, None, 0.1 * (i % 7) + 1.5, None) for i, g1 in enumerate(data.G1 * 20)]
    _check(database, FLOATS, rows, pushed=True, tmp_path=tmp_path)


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_float_sums_that_cancel_stream(database, tmp_path):
    # ... but 1e16 + 1 - 1e16 + 0.5 summed in order is 0.5, the correctly rounded sum 1.5
    rows = [(i, "a", 1, 1, None, f, None) for i, f in enumerate((1e16, 1.0, -1e16, 0.5))]
    got, how = _check(database, FLOATS, rows, pushed=False, tmp_path=tmp_path)
    assert got["totals"]["SUM(f)"] == 1.5 and "float sum" in how


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_two_levels_small_integers_with_where(database, tmp_path):
    rows = data.rows(big=False)
    _check(database, TWO_LEVELS, rows, where="where q >= 0 or g2 < 2", tmp_path=tmp_path)


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_decimals(database, tmp_path):
    # SQLite keeps decimals as floats (the engine rounds each to the declared scale): streams
    _check(database, DECIMALS, data.rows(), pushed=database.kind != "sqlite", tmp_path=tmp_path)


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_arithmetic(database, tmp_path):
    # exact arithmetic where it cannot overflow silently: PostgreSQL's NUMERIC, MariaDB's
    # DECIMAL (its BIGINT overflow is an error: the report then streams)
    _check(database, ARITHMETIC, data.rows(big=False), pushed=database.kind in ("postgresql", "mariadb"),
           tmp_path=tmp_path)
    if database.kind == "mariadb":
        _, how = _check(database, ARITHMETIC, data.rows(), pushed=False, tmp_path=tmp_path)
        assert "refused" in how


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_columns_table_and_no_data(database, tmp_path):
    source = database(data.rows(big=False))
    for report in (COLUMNS_TABLE, NOTHING_PASSES, SUMMARY_ONLY):
        text = report.format(source=source)
        streamed, _ = _run(text, tmp_path, "off")
        got, how = _run(text, tmp_path, "force")
        assert how == "pushed" and same(got, streamed)


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_many_float_values(database, tmp_path):
    # 12,000 floats of one sign: a float sum in the database's order may be off by
    # n·u·Σ|x|, past 1e-12 from ~4,500 values: it streams; PostgreSQL sums them exactly as
    # NUMERIC (each within 5e-15 of its double): pushed, and the same to 1e-12
    rows = [(i, data.G1[i % 4], i % 3, 1, None, 0.1 * (i % 97) + 1e-3 * i, None) for i in range(12_000)]
    _, how = _check(database, FLOATS, rows, pushed=database.kind == "postgresql", tmp_path=tmp_path)
    if database.kind != "postgresql":
        assert "float sum" in how, how


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_keys_ties_and_digits(database, tmp_path):
    # null and empty-string keys, keys equal but for case or trailing spaces, decimals of
    # 20 digits whose sums carry, integers that tie for MIN/MAX
    g1 = ["", None, "a", "a ", "A", "ä", "b"]
    ps = [Decimal("9999999999.9999999999"), Decimal("0.0000000001"), None, Decimal("-9999999999.9999999999")]
    rows = [(i, g1[i % 7], [None, 1, 1, 2][i % 4], [3, 3, None, -3, 0][i % 5], ps[i % 4], None, None)
            for i in range(1, 141)]
    _check(database, TIES, rows, pushed=True, tmp_path=tmp_path)


TIES = """
report ties {{
  source {source}
  group g1 {{
    footer {{ text "{{COUNT()}} {{COUNT(g2)}} {{MIN(q)}} {{MAX(q)}} {{SUM(q)}} {{COUNT_DISTINCT(q)}} {{MIN(g1)}}" }}
  }}
  group g2 {{ footer {{ text "{{SUM(q)}} {{AVG(q)}} {{COUNT_DISTINCT(g1)}}" }} }}
  summary {{ text "{{COUNT()}} {{MIN(g1)}} {{MAX(g1)}} {{COUNT_DISTINCT(g1)}} {{SUM(q)}}" }}
}}
"""
