"""Issue 13: a BOOLEAN column reads as bool on every SQL source (§15), MySQL/MariaDB's
``TINYINT(1)`` included — as a table (reflection) and as a query's result (the
cursor's description) — so ``MIN``/``FIRST`` give ``False``/``True`` and the column
is a condition, as over Python rows.
"""

from __future__ import annotations

import pytest

import reportdsl

from .test_truth_sql_order import KINDS, SqlTable, agree, report_text

ROWS = [(True, 1), (False, 2), (None, 3), (True, 4), (False, 5), (None, 6), (True, 7)]
BODIES = [
    'summary { text "{MIN(b)} {MAX(b)} {FIRST(b)} {LAST(b)} {COUNT(b)}" }',
    'where b\n  summary { text "{COUNT()} {FIRST(n)}" }',
    'where not b\n  summary { text "{COUNT()}" }',
    'sort by n\n  group b { footer { text "{COUNT()} {FIRST(n)} {LAST(b)}" } }',
    'sort by b desc, n\n  detail { column b = b\n  column n = n }',
    'detail { column b = if(b, "yes", "no")\n  column n = n }',
]


@pytest.fixture(params=KINDS)
def sql_table(request, tmp_path, monkeypatch) -> SqlTable:
    return SqlTable(request.param, request, tmp_path, monkeypatch)


def _source(sql_table: SqlTable, form: str, types: dict[str, str] | None = None) -> str:
    url, table, sql_name = sql_table.make({"b": "bool", "n": "int"}, ROWS, types)
    if form == "table":
        return f'source sql "{url}" table {table}'
    return f'source sql "{url}" query "SELECT b, n FROM {sql_name}"'


@pytest.mark.parametrize("form", ["table", "query"])
@pytest.mark.parametrize("body", BODIES)
def test_a_boolean_column_reads_as_bool(sql_table, compile_report, body, form):
    reference = [{"b": b, "n": n} for b, n in ROWS]
    agree(compile_report, _source(sql_table, form), reference, body)


@pytest.mark.parametrize("form", ["table", "query"])
def test_the_schema_says_bool(sql_table, tmp_path, form):
    source = _source(sql_table, form)
    # a condition: a check error if the column read as an integer
    report = reportdsl.compile(f"report r {{\n  {source}\n  where b\n}}\n", filename=str(tmp_path / "r.report"),
                               base_dir=str(tmp_path))
    assert {c.name: c.type for c in report.plan.columns} == {"b": "bool", "n": "int"}


@pytest.mark.parametrize("form", ["table", "query"])
@pytest.mark.parametrize(("flag", "number"), [("TINYINT(1)", "TINYINT(4)"), ("BIT(1)", "BIT(8)"),
                                              ("BIT", "TINYINT UNSIGNED")])
@pytest.mark.parametrize("sql_table", ["mariadb"], indirect=True)  # TINYINT(n) and BIT(n) are MySQL/MariaDB's
def test_mariadb_flags_are_bool_and_other_small_types_are_not(sql_table, compile_report, form, flag, number):
    """TINYINT(1) and BIT(1) are bool; BIT(8) an int (the driver's bytes read as the number)."""
    rows = [(True, 1), (False, 100), (None, None), (True, 0), (False, 3)]
    url, table, sql_name = sql_table.make({"b": "bool", "n": "int"}, rows, {"b": flag, "n": number})
    source = (f'source sql "{url}" table {table}' if form == "table"
              else f'source sql "{url}" query "SELECT b, n FROM {sql_name}"')
    report = compile_report(report_text(source, ""))
    assert {c.name: c.type for c in report.plan.columns} == {"b": "bool", "n": "int"}
    agree(compile_report, source, [{"b": b, "n": n} for b, n in rows],
          'where b or n > 1\n  sort by n desc\n  group b { footer { text "{MIN(b)} {FIRST(n)} {SUM(n)} {MAX(n)}" } }')
