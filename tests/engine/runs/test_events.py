"""The event stream: order, deferred header values, running values, tee, JSON shape."""

from __future__ import annotations

import json
from decimal import Decimal

from reportdsl.engine import run
from reportdsl.engine.stream.events import Deferred
from reportdsl.engine.stream.result import ResultSink
from reportdsl.engine.stream.sinks import RecordingSink, TeeSink

ROWS = [
    {"r": "East", "c": "x", "v": Decimal("1.50"), "id": 1},
    {"r": "East", "c": "y", "v": Decimal("2.00"), "id": 2},
    {"r": "East", "c": "x", "v": Decimal("3.25"), "id": 3},
    {"r": "West", "c": "z", "v": None, "id": 4},
    {"r": "West", "c": "z", "v": Decimal("-1"), "id": 5},
]

REPORT = """report ev {
  title "T"
  sort by id
  page_header { text "{title}: {SUM(v)} in all" }
  group r {
    header { text "{r}: {COUNT()} rows, {SUM(v)}" }
    footer { text "{SUM(v)} of {SUM(v) over report}" }
  }
  group c {
    header { text "{c} {SUM(v) over r}" }
    footer { text "{c}: {SUM(v) / SUM(v) over report}" }
  }
  detail { column id "Id" = id
           column run "Run" = SUM(v)
           column rrun "R" = SUM(v) over r
           column n "N" = row_number }
  summary { text "{SUM(v)}" }
}"""


def _values(plan, band):
    return list(dict.fromkeys(band.values))


def test_event_order_and_deferred_values(compile_report):
    report = compile_report(REPORT)
    plan = report.plan
    sink = RecordingSink()
    run(plan, sink, source=ROWS)
    kinds = [e[0] for e in sink.events]
    assert kinds[0] == "report_start" and kinds[-1] == "report_end"
    # resolved values, keyed by slot
    resolved = {e[1]: e[2] for e in sink.events if e[0] == "resolve"}
    slots = []

    def value(v):
        if isinstance(v, Deferred):
            slots.append(v.slot)
            return resolved[v.slot]
        return v

    start = sink.events[0]
    assert [value(start[2][v]) for v in _values(plan, plan.page_header)] == ["T", Decimal("5.75")]
    starts = [e for e in sink.events if e[0] == "group_start"]
    east = starts[0]
    assert east[1:3] == (0, "East")
    assert [value(east[3][v]) for v in _values(plan, plan.groups[0].header)] == ["East", 3, Decimal("6.75")]
    cx = starts[1]
    assert [value(cx[3][v]) for v in _values(plan, plan.groups[1].header)] == ["x", Decimal("6.75")]
    details = [e[1] for e in sink.events if e[0] == "detail"]
    assert details == [
        (1, Decimal("1.50"), Decimal("1.50"), 1), (3, Decimal("4.75"), Decimal("4.75"), 2),
        (2, Decimal("2.00"), Decimal("6.75"), 1),
        (4, None, None, 1), (5, Decimal("-1"), Decimal("-1"), 2),
    ]
    ends = [e for e in sink.events if e[0] == "group_end"]
    assert [(e[1], e[2], e[3]) for e in ends] == [(1, "x", 2), (1, "y", 1), (0, "East", 3), (1, "z", 2), (0, "West", 2)]
    footer_x = [value(ends[0][4][v]) for v in _values(plan, plan.groups[1].footer)]
    assert footer_x == ["x", Decimal("4.75") / Decimal("5.75")]
    # every deferred value was resolved before report_end, each slot once
    assert sorted(slots) == sorted(set(slots)) and set(slots) <= set(resolved)
    last_resolve = max(i for i, e in enumerate(sink.events) if e[0] == "resolve")
    assert last_resolve < len(sink.events) - 1


def test_a_header_value_resolves_when_its_group_ends(compile_report):
    report = compile_report(REPORT)
    sink = RecordingSink()
    run(report.plan, sink, source=ROWS)
    events = sink.events
    east_start = next(i for i, e in enumerate(events) if e[0] == "group_start" and e[2] == "East")
    slot = next(v.slot for v in events[east_start][3].values() if isinstance(v, Deferred))
    resolved_at = next(i for i, e in enumerate(events) if e[0] == "resolve" and e[1] == slot)
    east_end = next(i for i, e in enumerate(events) if e[0] == "group_end" and e[2] == "East")
    west_start = next(i for i, e in enumerate(events) if e[0] == "group_start" and e[2] == "West")
    assert east_start < resolved_at < east_end < west_start


def test_result_json_shape_and_tee(compile_report):
    report = compile_report(REPORT)
    result_sink, recorder = ResultSink(report.plan), RecordingSink()
    stats = run(report.plan, TeeSink(result_sink, recorder), source=ROWS, params={})
    result = result_sink.result
    data = json.loads(result.to_json())
    assert data["report"] == "ev" and data["title"] == "T" and data["parameters"] == {}
    assert data["row_count"] == 5 and data["skipped_rows"] == 0 and "errors" not in data
    assert data["totals"] == {"SUM(v)": 5.75}
    east = data["groups"][0]
    assert east["group"] == "r" and east["key"] == "East" and east["row_count"] == 3
    assert east["totals"] == {"COUNT()": 3, "SUM(v)": 6.75, "SUM(v)overreport": 5.75}
    assert [g["key"] for g in east["groups"]] == ["x", "y"]
    assert "groups" not in east["groups"][0]  # the innermost level has none
    assert east["groups"][0]["totals"] == {"SUM(v)overr": 6.75, "SUM(v)": 4.75, "SUM(v)overreport": 5.75}
    # exact decimals in the JSON text
    assert '"SUM(v)": 6.75' in result.to_json() and result.totals["SUM(v)"] == Decimal("5.75")
    assert result.stats["rows_read"] == 5 == stats.rows_read
    assert any(e[0] == "detail" for e in recorder.events)


def test_report_without_groups_or_detail(compile_report, run_result):
    report = compile_report('report r {\n  summary { text "{COUNT()} {AVG(v)} {FIRST(v)} {LAST(v)}" }\n}')
    assert run_result(report, source=ROWS).totals == {
        "COUNT()": 5, "AVG(v)": Decimal("5.75") / 4, "FIRST(v)": Decimal("1.50"), "LAST(v)": Decimal("-1")}


def test_statistics_and_progress(compile_report):
    report = compile_report('report r {\n  group g { footer { text "{COUNT()}" } }\n}')
    seen = []
    stats = run(report.plan, RecordingSink(), source=({"g": i % 3} for i in range(10_000)),
                progress=lambda phase, rows, seconds: seen.append((phase, rows)))
    assert stats.rows_read == 10_000 and stats.row_count == 10_000 and stats.ordered_by == "engine"
    assert stats.rows_per_second > 0 and {"open", "read", "sort+aggregate"} <= set(stats.phases)
    assert seen and seen[0][0] == "read" and seen[0][1] > 0


def test_no_rows_and_no_no_data_band_still_give_the_summary_its_values(compile_report):
    # the renderer prints the summary of nothing then; it used to find no values for it
    report = compile_report('report t {\n  summary { text "{SUM(x)} {COUNT()}" }\n}')
    sink = RecordingSink()
    run(report.plan, sink, source=[{"x": 1}][:0])
    end = sink.events[-1][1]
    assert end.no_data
    assert [end.values[v] for v in report.plan.summary.values] == [None, 0]
