"""Parquet sources are pushed down through an in-memory DuckDB (``read_parquet``): the
same JSON result pushed and streamed, over the pushdown table written as Parquet by
DuckDB (null and padded text keys, 20-digit decimals, integers whose sums pass 64
bits, NaN and infinite floats), with a glob, a ``where`` and a parameter."""

from __future__ import annotations

import json

import pytest
import sqlglot

import reportdsl
from reportdsl.pushdown.attempt import explain

from . import data
from .test_golden_files import CASES, check_golden
from .test_golden_files import rows as golden_rows
from .test_pushed_vs_streamed import DECIMALS, SUMMARY_ONLY, TWO_LEVELS, same

duckdb = pytest.importorskip("duckdb")


def parquet_files(folder, rows, parts: int = 2) -> str:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id INTEGER, g1 VARCHAR, g2 INTEGER, q BIGINT, p DECIMAL(30,10), f DOUBLE, d DATE)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    for part in range(parts):
        con.execute(f"COPY (SELECT * FROM t WHERE id % {parts} = {part}) "
                    f"TO '{folder}/part{part}.parquet' (FORMAT parquet)")
    con.close()
    return f'parquet "{folder}/part*.parquet"'


@pytest.mark.parametrize("report", [TWO_LEVELS, DECIMALS, SUMMARY_ONLY])
def test_parquet_pushed_equals_streamed(tmp_path, report):
    source = parquet_files(tmp_path, data.rows(special_floats=True))
    text = report.format(source=source, where="where q >= 0 or g2 < 2")
    compiled = reportdsl.compile(text, filename=str(tmp_path / "p.report"), base_dir=str(tmp_path))
    streamed = compiled.run(pushdown="off")
    pushed = compiled.run(pushdown="force")
    assert pushed.stats["pushdown"] == "pushed"
    assert same(json.loads(pushed.to_json()), json.loads(streamed.to_json()))
    assert "read_parquet(" in explain(compiled.plan, None, compiled.source.text)


def test_parquet_given_by_source_override(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    parquet_files(folder, data.rows(big=False), parts=1)
    text = SUMMARY_ONLY.format(source='parquet "nowhere/*.parquet"')
    compiled = reportdsl.compile(text, filename=str(tmp_path / "p.report"), base_dir=str(tmp_path),
                                 source=str(folder / "part0.parquet"))
    pushed = compiled.run(pushdown="force", source=str(folder / "part0.parquet"))
    streamed = compiled.run(pushdown="off", source=str(folder / "part0.parquet"))
    assert pushed.stats["pushdown"] == "pushed"
    assert same(json.loads(pushed.to_json()), json.loads(streamed.to_json()))


FIRST_LAST = """
report first_last {{
  source {source}
  group g1 {{
    footer {{
      text "{{FIRST(q)}} {{LAST(q)}} {{FIRST(g2)}} {{LAST(p where q > 1)}}"
      text "{{FIRST(f)}} {{LAST(d)}} {{COUNT()}}"
    }}
  }}
}}
"""


def test_parquet_first_and_last_by_source_order(tmp_path):
    # rows in a shuffled order across two files (the source order is the files' order,
    # then each file's rows), null values skipped, ties in value everywhere
    rows = data.rows(special_floats=True)
    data_rows = rows[150:] + rows[:150]  # kept in this order: DuckDB preserves insertion order
    source = parquet_files(tmp_path, data_rows)
    for text, pushed in ((FIRST_LAST, True),
                         (FIRST_LAST.replace("{{COUNT()}}", "{{FIRST(q) over report}}"), False),
                         (SUMMARY_ONLY.replace("{{COUNT()}} {{SUM(q)}}", "{{FIRST(q)}} {{LAST(g1)}}"), True)):
        compiled = reportdsl.compile(text.format(source=source), filename=str(tmp_path / "p.report"),
                                     base_dir=str(tmp_path))
        streamed = compiled.run(pushdown="off")
        got = compiled.run(pushdown="auto")
        assert same(json.loads(got.to_json()), json.loads(streamed.to_json()))
        assert (got.stats["pushdown"] == "pushed") == pushed, got.stats["pushdown"]
        if not pushed:
            assert "print order" in got.stats["pushdown"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_parquet_golden_sql(tmp_path, name):
    """tests/pushdown/golden/parquet/<case>.sql: what ``plan --sql`` prints over Parquet
    files (their folder written as ``DIR``), parsed back by sqlglot as DuckDB's SQL; the
    report runs pushed and streamed with the same result."""
    source = parquet_files(tmp_path, golden_rows())
    text = CASES[name].format(source=source)
    compiled = reportdsl.compile(text, filename=str(tmp_path / "p.report"), base_dir=str(tmp_path))
    sent = explain(compiled.plan, None, compiled.source.text).replace(str(tmp_path), "DIR")
    check_golden("parquet", name, sent)
    assert len([s for s in sqlglot.parse(sent, read="duckdb") if s is not None]) == sent.count(";\n")
    streamed = compiled.run(pushdown="off")
    pushed = compiled.run(pushdown="auto")
    assert same(json.loads(pushed.to_json()), json.loads(streamed.to_json()))
    assert (pushed.stats["pushdown"] == "pushed") == (not sent.startswith("-- streams")), pushed.stats["pushdown"]
