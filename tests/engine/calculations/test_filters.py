"""Filtered aggregates (``AGG(e where COND)``, LANGUAGE.md §10) in the engine.

Where they stand: a group's header (known at the group's end) and footer, the summary,
``over`` a wider scope, and running values in ``detail``; the running ones are checked
against DuckDB's window functions with ``FILTER (WHERE …)`` over the rows in the order
the engine printed them, for random tables, over dicts (the engine sorts) and a SQLite
table (the database sorts). Plus: rows the filter drops are never computed (SQL's
FILTER), calls share an accumulator only with an equal filter, a column may still be
called ``where``.
"""

from __future__ import annotations

import math
import sqlite3
from decimal import Decimal

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportdsl.engine import run
from reportdsl.engine.stream.sinks import RecordingSink
from reportdsl.errors import ReportDataError

ROWS = [  # region, product, qty, price, late
    ("East", "Widget", 3, Decimal("9.99"), True),
    ("East", "Gadget", 1, Decimal("24.50"), False),
    ("East", "Widget", None, Decimal("9.99"), None),
    ("West", "Widget", 10, Decimal("9.99"), True),
    ("West", "Gizmo", -2, Decimal("5.00"), True),
]
KEYS = ("region", "product", "qty", "price", "late")
BANDS = """report r {
  source csv "t.csv" { qty: int, price: decimal, late: bool }
  field amount = qty * price
  group region {
    header { text "{COUNT(where late)} late, {SUM(amount where product == \\"Widget\\")}" }
    footer {
      text "{SUM(qty where late)} {AVG(price where qty > 0)} {COUNT(qty where late)}"
      text "{MAX(product where late)} {SUM(amount where late) over report}"
    }
  }
  detail {
    column late_so_far = COUNT(where late)
    column widgets     = SUM(qty where product == "Widget") over report
    column median      = MEDIAN(price where late)
  }
  summary {
    text "{COUNT(where late)} {COUNT(where not late)} {SUM(qty where late)}"
    text "{FIRST(product where qty > 5)} {LAST(product where late)}"
  }
}
"""


@pytest.fixture
def bands_report(tmp_path, compile_report):
    lines = ["region,product,qty,price,late"] + [
        ",".join("" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for v in row) for row in ROWS]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return compile_report(BANDS)


def test_filtered_aggregates_in_every_band(bands_report):
    result = bands_report.run().to_dict()
    east, west = result["groups"]
    assert east["totals"] == {
        "COUNT(wherelate)": 1, 'SUM(amountwhereproduct=="Widget")': Decimal("29.97"),
        "SUM(qtywherelate)": 3, "AVG(pricewhereqty>0)": Decimal("17.245"), "COUNT(qtywherelate)": 1,
        "MAX(productwherelate)": "Widget", "SUM(amountwherelate)overreport": Decimal("119.87"),
    }
    assert west["totals"] == {
        "COUNT(wherelate)": 2, 'SUM(amountwhereproduct=="Widget")': Decimal("99.90"),
        "SUM(qtywherelate)": 8, "AVG(pricewhereqty>0)": Decimal("9.99"), "COUNT(qtywherelate)": 2,
        "MAX(productwherelate)": "Widget", "SUM(amountwherelate)overreport": Decimal("119.87"),
    }
    # null and false conditions count alike: 3 late, 1 not late, 1 unknown
    assert result["totals"] == {"COUNT(wherelate)": 3, "COUNT(wherenotlate)": 1, "SUM(qtywherelate)": 11,
                                "FIRST(productwhereqty>5)": "Widget", "LAST(productwherelate)": "Gizmo"}


def test_filtered_running_values_and_deferred_headers(bands_report):
    sink = RecordingSink()
    run(bands_report.plan, sink, source_text=bands_report.source)
    details = [e[1] for e in sink.events if e[0] == "detail"]
    assert details == [
        (1, 3, Decimal("9.99")), (1, 3, Decimal("9.99")), (1, 3, Decimal("9.99")),
        (1, 13, Decimal("9.99")), (2, 13, Decimal("7.495")),
    ]
    # the header's values wait for the group's end, then resolve to the group's totals
    resolved = [e[2] for e in sink.events if e[0] == "resolve"]
    assert resolved[:2] == [1, Decimal("29.97")] and resolved[2:4] == [2, Decimal("99.90")]


def test_rows_the_filter_drops_are_never_computed(compile_report, run_result):
    rows = [{"kind": "n", "q": 2}, {"kind": "s", "q": "abc"}, {"kind": "n", "q": 5}]
    report = compile_report('report r {\n  summary { text "{SUM(q * 2 where kind == \\"n\\")} '
                            '{MEDIAN(q where kind == \\"n\\")}" }\n}\n')
    assert run_result(report, source=rows).totals == {'SUM(q*2wherekind=="n")': 14,
                                                      'MEDIAN(qwherekind=="n")': Decimal("3.5")}
    unfiltered = compile_report('report r {\n  summary { text "{SUM(q * 2)}" }\n}\n')
    with pytest.raises(ReportDataError, match="row 2"):
        run_result(unfiltered, source=rows)


def test_calls_share_an_accumulator_only_with_an_equal_filter(compile_report):
    report = compile_report(
        'report r {\n  summary {\n'
        '    text "{SUM(x where a)} {SUM( x  where  a )} {SUM(x where b)} {SUM(x)} {COUNT(where a)}"\n'
        '    text "{PERCENTILE(x, 0.5)} {PERCENTILE(x, 0.50)} {MEDIAN(x)} {PERCENTILE(x, 0.5 where a)}"\n'
        '  }\n}\n')
    texts = [a.text for a in report.plan.aggregates]
    assert texts == ["SUM(xwherea)", "SUM(xwhereb)", "SUM(x)", "COUNT(wherea)", "PERCENTILE(x,0.5)", "MEDIAN(x)",
                     "PERCENTILE(x,0.5wherea)"]
    assert [a.fraction for a in report.plan.aggregates] == [None] * 4 + ["0.5", None, "0.5"]
    rows = [{"x": 1, "a": True, "b": False}, {"x": 2, "a": False, "b": True}, {"x": 4, "a": True, "b": None}]
    assert report.run(source=rows).to_dict()["totals"] == {
        "SUM(xwherea)": 5, "SUM(xwhereb)": 2, "SUM(x)": 7, "COUNT(wherea)": 2, "PERCENTILE(x,0.5)": Decimal("2"),
        "PERCENTILE(x,0.50)": Decimal("2"), "MEDIAN(x)": Decimal("2"), "PERCENTILE(x,0.5wherea)": Decimal("2.5"),
    }


def test_a_column_called_where_is_still_a_column(compile_report, run_result):
    # a lone `where` first in the parentheses is the column; before a filter it is
    # written in parentheses (after `where`, the keyword cannot stand: it is the column)
    report = compile_report('report r {\n  summary { text "{SUM(where)} {COUNT(where where > 1)} '
                            '{SUM((where) where where > 1)}" }\n}\n')
    totals = run_result(report, source=[{"where": 1}, {"where": 2}, {"where": 5}]).totals
    assert totals == {"SUM(where)": 8, "COUNT(wherewhere>1)": 2, "SUM((where)wherewhere>1)": 7}


def test_a_non_bool_filter_on_an_untyped_source_is_a_row_error(compile_report, run_result):
    report = compile_report('report r {\n  summary { text "{SUM(x where flag)}" }\n}\n')
    with pytest.raises(ReportDataError, match="row 2"):
        run_result(report, source=[{"x": 1, "flag": True}, {"x": 2, "flag": "yes"}])


# ---- running values against DuckDB's windows ------------------------------------------

# (report call, DuckDB aggregate over the frame, how to compare)
RUNNING = [
    ("SUM(x where flag)", "SUM(x) FILTER (WHERE flag)", "exact"),
    ("COUNT(where flag)", "COUNT(*) FILTER (WHERE flag)", "exact"),
    ("COUNT(x where not flag) over report", "COUNT(x) FILTER (WHERE NOT flag)", "exact"),
    ("AVG(p where x > 0)", "AVG(p) FILTER (WHERE x > 0)", "close"),
    ("MIN(p where flag)", "MIN(p) FILTER (WHERE flag)", "exact"),
    ("MAX(f where x >= 0) over report", "MAX(f) FILTER (WHERE x >= 0)", "exact"),
    ("FIRST(p where flag)", "arg_min(p, pos) FILTER (WHERE flag AND p IS NOT NULL)", "exact"),
    ("LAST(x where flag) over report", "arg_max(x, pos) FILTER (WHERE flag AND x IS NOT NULL)", "exact"),
    ("COUNT_DISTINCT(x where flag)", "COUNT(DISTINCT x) FILTER (WHERE flag)", "exact"),
    ("MEDIAN(x where flag)", "quantile_cont(x, 0.5) FILTER (WHERE flag)", "close"),
    ("PERCENTILE(p, 0.9) over report", "quantile_cont(CAST(p AS DOUBLE), 0.9)", "close"),
    ("PERCENTILE(f, 0.25 where flag) over report", "quantile_cont(f, 0.25) FILTER (WHERE flag)", "exact"),
    ("STDDEV(x where not flag) over report", "stddev_samp(x) FILTER (WHERE NOT flag)", "close"),
    ("VARIANCE(p where flag)", "var_samp(p) FILTER (WHERE flag)", "close"),
    ("STDDEV(f)", "stddev_samp(f)", "close"),
]
_report_cols = "\n".join(f"    column c{i} = {call}" for i, (call, _, _) in enumerate(RUNNING))
RUNNING_REPORT = f"""report r {{
  source sql "sqlite:///t.db" table t
  sort by k
  group g {{ }}
  detail {{
    column id = id
{_report_cols}
  }}
}}
"""
SCHEMA = "CREATE TABLE t (id INTEGER, g TEXT, k INTEGER, x INTEGER, p DECIMAL(10,2), f REAL, flag BOOLEAN)"
COLUMNS = ("id", "g", "k", "x", "p", "f", "flag")


def _reference(rows: list[tuple], printed: list[int]) -> list[tuple]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id INTEGER, g VARCHAR, k INTEGER, x BIGINT, p DECIMAL(10,2), f DOUBLE, flag BOOLEAN)")
    con.execute("CREATE TABLE o (pos INTEGER, id INTEGER)")
    if rows:
        con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        con.executemany("INSERT INTO o VALUES (?, ?)", list(enumerate(printed)))
    parts = []
    for call, agg, _ in RUNNING:
        partition = "" if "over report" in call else "PARTITION BY g "
        parts.append(f"{agg} OVER ({partition}ORDER BY pos ROWS UNBOUNDED PRECEDING)")
    sql = f"SELECT id, {', '.join(parts)} FROM o JOIN t USING (id) ORDER BY pos"
    return con.execute(sql).fetchall()


def _agree(got, want, how: str) -> bool:
    if want is None or got is None:
        return got is None and want is None
    if isinstance(want, float) and math.isnan(want):
        return isinstance(got, float) and math.isnan(got)
    if how == "exact":
        return got == want
    return math.isclose(float(got), float(want), rel_tol=1e-9, abs_tol=1e-12)


_row = st.tuples(
    st.sampled_from([None, "a", "b"]),  # g
    st.sampled_from([None, 0, 1, 2]),  # k
    st.one_of(st.none(), st.integers(-5, 5)),  # x
    st.one_of(st.none(), st.integers(-40, 40).map(lambda n: Decimal(n) / 4)),  # p, exact in SQLite's floats
    st.one_of(st.none(), st.sampled_from([0.5, -1.25, 3.0, 2.5, 1e3])),  # f
    st.sampled_from([None, True, False]),  # flag
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(_row, max_size=14))
def test_filtered_running_values_agree_with_duckdb_windows(tmp_path, compile_report, data):
    rows = [(i, *r) for i, r in enumerate(data)]
    db = tmp_path / "t.db"
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    con.execute(SCHEMA)
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [r[:4] + (None if r[4] is None else str(r[4]),) + r[5:] for r in rows])
    con.commit()
    con.close()
    report = compile_report(RUNNING_REPORT)
    for source in (f"sqlite:///{db}", [dict(zip(COLUMNS, r, strict=True)) for r in rows]):
        sink = RecordingSink()
        run(report.plan, sink, source=source, source_text=report.source)
        got = [e[1] for e in sink.events if e[0] == "detail"]
        want = _reference(rows, [r[0] for r in got])
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert g[0] == w[0]
            for (call, _, how), a, b in zip(RUNNING, g[1:], w[1:], strict=True):
                assert _agree(a, b, how), f"row id {w[0]}: {call} = {a!r}, DuckDB gives {b!r}"


def test_keys_of_calls_in_text_templates_resolve_its_escapes(compile_report, run_result):
    # LANGUAGE.md §16: the call as the parser reads it, in a text and in a row's text cell
    report = compile_report('report r {\n  detail { column c = x }\n'
                            '  summary {\n    text "{MIN(upper(\\"\\"))} {SUM(x where s == \\"a b\\")}"\n'
                            '    row { c: "{COUNT(where s != \\"\\\\\\\\\\")}" }\n  }\n}\n')
    totals = run_result(report, source=[{"x": 1, "s": "a b"}, {"x": 2, "s": "\\"}]).totals
    assert totals == {'MIN(upper(""))': "", 'SUM(xwheres=="a b")': 1, 'COUNT(wheres!="\\\\")': 1}
