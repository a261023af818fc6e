"""§9 and §12 paths the differential tests do not reach: records spilled to disk and
read again, a row that fails only in the printing pass, an ``order by`` value that waits
for the report's end, ``max_groups`` with ``limit``, running values in headers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reportdsl import ReportDataError
from reportdsl.engine import run
from reportdsl.engine.stream.result import ResultSink
from reportdsl.engine.stream.sinks import RecordingSink, TeeSink

ROWS = [{"region": r, "customer": c, "amount": Decimal(a)} for r, c, a in [
    ("N", "a", "10.5"), ("S", "b", "1"), ("N", "b", "2"), ("E", "c", "7"), ("W", "a", "3"),
    ("S", "a", "4.25"), ("E", "a", "0.75"), ("N", "c", "1"), ("W", "b", "30"), ("E", "b", "2"),
]]

ORDERED = """report t {
  group region order by SUM(amount) / SUM(amount) over report desc limit 2 others "rest" {
    header { text "{region} {SUM(amount) running}" }
    footer { text "{SUM(amount)}" }
  }
  detail {
    column c "C" = customer
    column share "Share" = amount / SUM(amount) over region whole
  }
}
"""


def events(report, rows, **kw):
    result, recording = ResultSink(report.plan), RecordingSink()
    run(report.plan, TeeSink(result, recording), source=rows, source_text=report.source, **kw)
    assert result.result is not None
    return result.result.to_dict(), recording.events


def test_order_by_a_value_known_only_at_the_end_and_header_running_values(compile_report):
    result, evs = events(compile_report(ORDERED), ROWS)
    # W 33, N 13.5, then E (9.75) and S (5.25) as one group
    assert [(g["key"], g["totals"]["SUM(amount)"]) for g in result["groups"]] == [
        ("W", Decimal("33")), ("N", Decimal("13.5")), ("rest", Decimal("15.00"))]
    resolved = {e[1]: e[2] for e in evs if e[0] == "resolve"}
    headers = [(e[2], e[3]) for e in evs if e[0] == "group_start"]
    running = [resolved[v.slot] if hasattr(v, "slot") else v for _, vals in headers for v in vals.values()]
    assert Decimal("33") in running and Decimal("46.5") in running and Decimal("61.50") in running
    shares = [e[1][1] for e in evs if e[0] == "detail"]
    assert shares[:2] == [Decimal(3) / 33, Decimal(30) / 33]


def test_records_spilled_to_disk_are_read_again_with_the_same_result(compile_report):
    report = compile_report(ORDERED)
    in_memory = events(report, ROWS)
    spilled = events(report, ROWS * 300, memory_budget=1)  # every batch spills
    assert [g["key"] for g in spilled[0]["groups"]] == [g["key"] for g in in_memory[0]["groups"]]
    assert spilled[0]["groups"][0]["totals"]["SUM(amount)"] == 300 * Decimal("33")
    rows = [e[1] for e in spilled[1] if e[0] == "detail"]
    assert len(rows) == 3000 and rows[0][1] == Decimal(3) / (300 * 33)


def test_a_row_failing_only_where_a_whole_value_is_read_is_an_error_not_a_wrong_total(compile_report):
    report = compile_report("""report t {
      on_error skip
      group region { footer { text "{SUM(amount)}" } }
      detail { column x "X" = if(SUM(amount) over region whole > 5 and amount > 2, amount * customer, amount) }
    }""")
    with pytest.raises(ReportDataError, match="changed after its whole values"):
        events(report, ROWS)


def test_max_groups_counts_the_groups_as_printed(compile_report):
    report = compile_report("""report t {
      max_groups 3
      group region order by SUM(amount) desc limit 2 others "rest" { footer { text "{COUNT()}" } }
    }""")
    result, _ = events(report, ROWS)
    assert [g["row_count"] for g in result["groups"]] == [2, 3, 5]
    too_few = compile_report("""report t {
      max_groups 2
      group region order by SUM(amount) desc limit 2 others "rest" { footer { text "{COUNT()}" } }
    }""")
    with pytest.raises(ReportDataError, match="max_groups"):
        events(too_few, ROWS)


def test_limit_without_others_leaves_rows_out_of_every_total(compile_report):
    report = compile_report("""report t {
      group region limit 1 { footer { text "{SUM(amount)}" } }
      group customer order by COUNT() desc limit 1 { footer { text "{SUM(amount)}" } }
      summary { text "{SUM(amount)} {COUNT()}" }
    }""")
    result, _ = events(report, ROWS)
    # region E (first by key): customers a, b, c with one row each -> a (ties by key)
    assert result["omitted"] == {"groups": 3, "rows": 7}
    assert result["groups"][0]["omitted"] == {"groups": 2, "rows": 2}
    assert result["totals"] == {"SUM(amount)": Decimal("0.75"), "COUNT()": 1}
    assert result["row_count"] == 1


def test_the_others_label_is_the_groups_key_never_the_columns_value(compile_report):
    # in the group's own bands its name is the key (§5): the label, in Others
    report = compile_report("""report t {
      group region order by SUM(amount) desc limit 1 others "rest" {
        footer { text "{COUNT_DISTINCT(region)} {FIRST(region)}" }
      }
      summary { text "{COUNT_DISTINCT(region)}" }
    }""")
    result, _ = events(report, ROWS)
    assert [g["key"] for g in result["groups"]] == ["W", "rest"]
    assert result["groups"][1]["totals"] == {"COUNT_DISTINCT(region)": 1, "FIRST(region)": "rest"}
    assert result["totals"] == {"COUNT_DISTINCT(region)": 4}  # the column's values
    # a group named apart from the column: the column's values inside Others too
    report = compile_report("""report t {
      group r = region order by SUM(amount) desc limit 1 others "rest" {
        footer { text "{COUNT_DISTINCT(region)} {FIRST(region)}" }
      }
    }""")
    result, _ = events(report, ROWS)
    # Others' rows print in source order (no sort by): its first row is ROWS[0], region N
    assert result["groups"][1]["totals"] == {"COUNT_DISTINCT(region)": 3, "FIRST(region)": "N"}
