"""Parameters, max_groups and on_error, exactly as LANGUAGE.md §7 says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reportdsl.errors import ReportDataError

ROWS = [{"g": g, "x": x, "s": s} for g, x, s in [
    ("a", 1, "1"), ("a", 2, "2"), ("b", 3, "x"), ("c", 4, "4"), ("c", 5, "y"), ("d", 6, "6"),
]]

PARAMS = """
report p {
  param since: date
  param amount: decimal = 1.50
  param ratio: float = 0.5
  param n: int = 3
  param on: bool = true
  param label: string = "x"
  param at: datetime = datetime("2024-01-31T08:00:00")
  summary { text "{since} {amount} {ratio} {n} {on} {label} {at}" }
}
"""


def test_parameters_parse_by_declared_type(compile_report):
    from reportdsl.engine.params import resolve_params

    report = compile_report(PARAMS)
    got = resolve_params(report.plan.params, {"since": "2024-02-01", "amount": "2.50", "on": "false", "n": "7"})
    assert got == {"since": dt.date(2024, 2, 1), "amount": Decimal("2.50"), "ratio": 0.5, "n": 7, "on": False,
                   "label": "x", "at": dt.datetime(2024, 1, 31, 8)}
    typed = resolve_params(report.plan.params, {"since": dt.date(2024, 2, 1), "amount": 3, "ratio": 1})
    assert typed["amount"] == Decimal(3) and typed["ratio"] == 1.0


@pytest.mark.parametrize("given, message", [
    ({}, "missing required parameter 'since'"),
    ({"since": "2024-02-30"}, "parameter 'since' expects a date \\(YYYY-MM-DD\\), got '2024-02-30'"),
    ({"since": "2024-02-01", "n": "3.5"}, "parameter 'n' expects an integer, got '3.5'"),
    ({"since": "2024-02-01", "on": "maybe"}, "parameter 'on' expects true or false"),
    ({"since": "2024-02-01", "amount": "1,5"}, "parameter 'amount' expects a number"),
    ({"since": "2024-02-01", "nope": "1"}, "unknown parameter 'nope'"),
])
def test_parameter_errors_name_the_parameter(compile_report, given, message):
    from reportdsl.engine import run
    from reportdsl.engine.stream.sinks import NullSink

    report = compile_report(PARAMS)
    with pytest.raises(ReportDataError, match=message):
        run(report.plan, NullSink(), params=given, source=[], source_text=report.source)


def _groups(result):
    return [(g["key"], g["row_count"]) for g in result["groups"]]


def test_max_groups_fails_naming_level_and_limit(compile_report, run_result):
    report = compile_report('report r {\n  max_groups 3\n  group g { footer { text "{SUM(x)}" } }\n}')
    with pytest.raises(ReportDataError) as err:
        run_result(report, source=ROWS)
    assert "group level 'g' has more than 3 groups (max_groups 3)" in str(err.value)
    assert run_result(report, source=ROWS[:5]).to_dict()["row_count"] == 5  # exactly 3 is fine


def test_max_groups_counts_over_the_whole_report(compile_report, run_result):
    rows = [{"o": o, "g": g, "x": 1} for o in ("p", "q") for g in ("a", "b")]
    report = compile_report('report r {\n  max_groups 3\n  group o { }\n  group g { footer { text "{COUNT()}" } }\n}')
    with pytest.raises(ReportDataError, match="group level 'g' has more than 3 groups"):
        run_result(report, source=rows)


def test_max_groups_with_skip_leaves_out_and_reports(compile_report, run_result):
    report = compile_report('report r {\n  max_groups 2\n  on_error skip\n  group g { footer { text "{SUM(x)}" } }\n'
                            '  summary { text "{SUM(x)}" }\n}')
    result = run_result(report, source=ROWS).to_dict()
    assert _groups(result) == [("a", 2), ("b", 1)]
    assert result["skipped_rows"] == 3 and result["row_count"] == 3
    assert result["totals"] == {"SUM(x)": 6}
    assert [e["row"] for e in result["errors"]] == [4, 5, 6]
    assert "max_groups 2" in result["errors"][0]["message"]


def test_on_error_fail_names_row_and_position(compile_report, run_result):
    report = compile_report('report r {\n  field n = s * 2\n  summary { text "{SUM(n)}" }\n}')
    with pytest.raises(ReportDataError) as err:
        run_result(report, source=ROWS)
    assert err.value.line == 2 and err.value.column == 13
    assert "row 1: cannot multiply text and a number ('1', 2)" in str(err.value)


def test_on_error_skip_counts_and_lists(compile_report, run_result):
    report = compile_report("""report r {
  on_error skip
  field n = s + 1
  where n > 0
  group g { footer { text "{SUM(n)}" } }
  summary { text "{SUM(n)} {COUNT()}" }
}""")
    rows = ROWS + [{"g": "e", "x": 0, "s": None}]
    result = run_result(report, source=[dict(r, s=int(r["s"]) if r["s"].isdigit() else r["s"]) if r["s"] else r
                                         for r in rows]).to_dict()
    assert result["skipped_rows"] == 2
    assert result["totals"] == {"SUM(n)": 17, "COUNT()": 4}
    assert [e["row"] for e in result["errors"]] == [3, 5]
    assert "(report line 3, column 13)" in result["errors"][0]["message"]
    assert _groups(result) == [("a", 2), ("c", 1), ("d", 1)]  # 'b' lost its only row; null n fails where


def test_skipped_row_does_not_half_count(compile_report, run_result):
    # the detail value fails after the running aggregate would have counted the row
    report = compile_report("""report r {
  on_error skip
  group g { footer { text "{COUNT()} {SUM(x)}" } }
  detail { column a "A" = SUM(x)
           column b "B" = upper(s) }
}""")
    rows = [{"g": "a", "x": 1, "s": "ok"}, {"g": "a", "x": 2, "s": 5}, {"g": "a", "x": 4, "s": "ok"}]
    result = run_result(report, source=rows).to_dict()
    assert result["groups"][0]["totals"] == {"COUNT()": 2, "SUM(x)": 5}
    assert result["skipped_rows"] == 1


def test_division_by_zero_and_null_arithmetic_are_null(compile_report, run_result):
    report = compile_report("""report r {
  summary { text "{SUM(x / (x - x))} {SUM(x + null)} {COUNT(x % 0)} {MIN(-x)} {SUM(x / 4)}" }
}""")
    result = run_result(report, source=[{"x": 1}, {"x": 2}])
    assert result.totals == {"SUM(x/(x-x))": None, "SUM(x+null)": None, "COUNT(x%0)": 0, "MIN(-x)": -2,
                             "SUM(x/4)": Decimal("0.75")}


def test_no_data(compile_report, run_result):
    from reportdsl.engine import run
    from reportdsl.engine.stream.sinks import RecordingSink

    report = compile_report('report r {\n  where x > 10\n  summary { text "{SUM(x)}" }\n'
                            '  no_data { text "nothing: {COUNT()} {SUM(x)}" }\n}')
    sink = RecordingSink()
    run(report.plan, sink, source=ROWS)
    end = sink.events[-1][1]
    assert end.no_data and end.row_count == 0 and end.rows_read == 6
    assert [end.values[v] for v in report.plan.no_data.values] == [0, None]
    assert report.plan.summary.values[0] not in end.values  # no_data replaces the summary
