"""Scaled-integer decimals give exactly the Decimal results, exponent for exponent.

Every report runs twice over the same SQLite file: with ``scaled.ENABLED`` (DECIMAL
columns as integers of 10^-scale where ``scaled.analyse`` allows it) and without
(plain Decimal arithmetic); the event streams must be identical, including values
with more places than declared, -0.00, text in a DECIMAL column, nulls, and mixed
scales.
"""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportdsl.engine import runner
from reportdsl.engine.codegen import scaled
from reportdsl.engine.stream.sinks import RecordingSink

from ..expectations import exact

# every call here can run on scaled values: p, w and z are all scaled
SCALED = [
    "SUM(p)", "AVG(p)", "MIN(p)", "MAX(p)", "FIRST(p)", "LAST(p)", "COUNT(p)", "COUNT_DISTINCT(p)",
    "SUM(q * p)", "AVG(q * p)", "SUM(p * p)", "SUM(p - p)", "SUM(-p)", "SUM(p * w)", "AVG(w)", "MIN(w)",
    "MAX(w)", "SUM(w + w)", "SUM(r)", "AVG(r)", "COUNT_DISTINCT(q * p)", "SUM(z)", "MIN(z)", "SUM(q * z)",
    "SUM(-(p * z) + p * 3)",
]
# ...and each of these makes some column fall back to Decimal arithmetic
FALLBACK = ["MIN(q * p)", "MAX(-w)", "SUM(p + 1)", "SUM(p + w)", "SUM(z * 1.5)"]

REPORT = """
report r {{
  source sql "sqlite:///t.db" table t
  on_error skip
  field r = q * p
  {extra}
  group g {{ footer {{ text "{calls}" }} }}
  summary {{ text "{calls}" }}
}}
"""

# raw values as SQLite may hold them in a DECIMAL(10,2) column
P_VALUES = [None, 0, 0.0, -0.0, 1.5, 1.25, -4.5, 199.99, 0.01, 12.3, 7, -3, 1.234, 0.125, 1e-7, 123456789.12,
            "1.50", "1.500", "abc", 2.675, -0.001, 1e20]
W_VALUES = [None, 0, 1.5, 0.0001, -2.25, 3.14159, 10, -0.0, "0.00010"]  # DECIMAL(12,4)
Z_VALUES = [None, 0, 5, -7, 3.0, 2.5]  # DECIMAL(8,0)


def make_db(path, rows) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, g TEXT, q INTEGER, p DECIMAL(10,2), "
                "w NUMERIC(12, 4), z DECIMAL(8,0))")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", [(i, *r) for i, r in enumerate(rows, 1)])
    con.commit()
    con.close()


def report_with(calls: list[str], extra: str = "") -> str:
    return REPORT.format(extra=extra, calls=" ".join("{" + c + "}" for c in calls))


def compare(compile_report, calls: list[str], extra: str = "") -> tuple:
    with_scaling, without, report, _ = compare_text(compile_report, report_with(calls, extra))
    return with_scaling, without, report


def compare_text(compile_report, text: str) -> tuple:
    """(events with scaling, events without, the report, the run's stats)."""
    out, reports, stats = [], [], None
    for enabled in (True, False):
        scaled.ENABLED = enabled
        try:
            reports.append(compile_report(text))
            sink = RecordingSink()
            stats = runner.run(reports[-1].plan, sink, source_text=reports[-1].source)
            out.append(exact(sink.events))
        finally:
            scaled.ENABLED = True
    return out[0], out[1], reports[0], stats


def generated_source(report) -> str:
    return next(gen.source for plan, gen in runner._CACHE.values() if plan is report.plan)


def scaled_columns(report) -> set[str]:
    from reportdsl.engine.codegen.loop import RunnerWriter

    layout = next(key[1] for key, (plan, _) in runner._CACHE.items() if plan is report.plan)
    return set(RunnerWriter(report.plan, layout, "fused", True).scaled.columns)


row = st.tuples(st.sampled_from(["a", "b", "c", None]), st.sampled_from([None, 0, 1, -2, 3, 10**12]),
                st.sampled_from(P_VALUES), st.sampled_from(W_VALUES), st.sampled_from(Z_VALUES))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, max_size=40))
def test_scaled_and_decimal_paths_agree(tmp_path_factory, compile_report, rows):
    folder = tmp_path_factory.mktemp("scaled")
    make_db(folder / "t.db", rows)
    for calls in (SCALED, SCALED + FALLBACK):
        with_scaling, without, _ = compare(lambda text: compile_report(text, base_dir=folder), calls)
        assert with_scaling == without


def test_the_tricky_values_all_at_once(tmp_path, compile_report):
    rows = [(g, q, p, w, z) for g in ("a", "b") for q, p, w, z in zip(
        [None, 0, 1, -2, 3, 7] * 4, P_VALUES, W_VALUES * 3, Z_VALUES * 4, strict=False)]
    make_db(tmp_path / "t.db", rows)
    with_scaling, without, report = compare(compile_report, SCALED)
    assert with_scaling == without
    end = with_scaling[-1][1]
    assert end[5] == 2  # 'abc' in each group: skipped and listed like any failing row
    assert scaled_columns(report) == {"p", "w", "z"}
    assert ".scaleb(-2)" in generated_source(report) and ".scaleb(-4)" in generated_source(report)
    with_scaling, without, report = compare(compile_report, SCALED + FALLBACK)
    assert with_scaling == without
    assert scaled_columns(report) == set()


def totals(report) -> dict[str, str]:
    from reportdsl.engine.stream.result import ResultSink

    sink = ResultSink(report.plan)
    runner.run(report.plan, sink, source_text=report.source)
    return {k: str(v) for k, v in sink.result.to_dict()["totals"].items()}


def test_exponents_survive(tmp_path, compile_report):
    # SQLite keeps 1.5 as 1.5, 1.234 as 1.234 (more places than declared) and -0.0 as 0
    make_db(tmp_path / "t.db", [("a", 2, 1.5, 0.0001, 3), ("a", 1, 1.234, 1.5, 2), ("a", 3, -0.0, 2, 1)])
    report = compile_report(report_with(["SUM(p)", "MIN(p)", "MAX(p)", "SUM(q * p)", "LAST(p)", "SUM(p * w)",
                                         "AVG(p)", "SUM(z)"]))
    assert totals(report) == {
        "SUM(p)": "2.734", "MIN(p)": "0.00", "MAX(p)": "1.50", "SUM(q*p)": "4.234", "LAST(p)": "0.00",
        "SUM(p*w)": "1.8511500", "AVG(p)": "0.9113333333333333333333333333", "SUM(z)": "6"}
    assert scaled_columns(report) == {"p", "w", "z"}


@pytest.mark.parametrize("use, scaled", [
    ("", {"p", "w", "z"}),
    ("where p > 0", {"w", "z"}),  # where reads the real value
    ("group k = p { }", {"w", "z"}),
    ("field e = p + 1\n  where e > 0", {"w", "z"}),
    ("sort by w\n  detail { column x \"X\" = id }", {"p", "z"}),
    ("detail { column x \"X\" = SUM(z) }", {"p", "w"}),  # a running value is read per row
])
def test_only_columns_read_by_aggregates_alone_are_scaled(tmp_path, compile_report, use, scaled):
    make_db(tmp_path / "t.db", [("a", 1, 1.5, 2.25, 3)])
    report = compile_report(report_with(["SUM(p)", "MIN(w)", "SUM(z)", "COUNT()"], use))
    runner.run(report.plan, RecordingSink(), source_text=report.source)
    assert scaled_columns(report) == scaled


def test_products_for_min_and_max_stay_decimal(tmp_path, compile_report):
    # 0.00 * -3 is -0.00 as a Decimal but 0 as an integer: MIN must see the Decimal
    make_db(tmp_path / "t.db", [("a", -3, 0.0, None, None), ("a", 2, 0.0, None, None)])
    report = compile_report(report_with(["MIN(q * p)", "MAX(q * p)", "SUM(q * p)"]))
    assert totals(report) == {"MIN(q*p)": "-0.00", "MAX(q*p)": "-0.00", "SUM(q*p)": "0.00"}


def test_engine_sort_headers_and_over_scopes_agree(tmp_path, compile_report):
    # a key SQL cannot order (the engine sorts), values in headers (deferred) and over report
    rows = [(g, q, p, w, z) for g, q, p, w, z in zip("abcab" * 6, [1, 2, None, -3, 5, 7] * 5, P_VALUES + P_VALUES[:8],
                                                        W_VALUES * 4, Z_VALUES * 5, strict=False)]
    make_db(tmp_path / "t.db", rows)
    text = """
report r {
  source sql "sqlite:///t.db" table t
  on_error skip
  group k = upper(g) {
    header { text "{SUM(p)} {MAX(w)} {SUM(q * p) over report}" }
    footer { text "{AVG(p)} {SUM(p) / SUM(p) over report} {MIN(z)}" }
  }
  summary { text "{SUM(q * p)} {FIRST(p)} {LAST(w)}" }
}"""
    with_scaling, without, report, stats = compare_text(compile_report, text)
    assert stats.ordered_by == "engine"
    assert with_scaling == without
    assert scaled_columns(report) == {"p", "w", "z"}
    assert any(e[0] == "resolve" for e in with_scaling)  # header values were deferred and resolved
