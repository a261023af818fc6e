"""The JSON result keeps a group small (issue 20: 1M groups took 2.2 GB), and gives the
same result whether it is read as dictionaries or written as JSON."""

from __future__ import annotations

import json
import tracemalloc

import reportdsl
from reportdsl.engine.stream.result import ResultSink, dumps

REPORT = """report g {
  group region { footer { text "{SUM(amount)} {SUM(amount) / SUM(amount) over report}" } }
  group id { footer { text "{SUM(amount)} {COUNT()}" } }
}"""


def _rows(n: int):
    return [{"region": f"R{i % 7}", "id": i, "amount": i * 3} for i in range(n)]


def test_a_group_costs_a_few_hundred_bytes():
    """The events of 20,000 groups fed to the sink by hand: what it holds after them."""
    plan = reportdsl.compile(REPORT, filename="g.report").plan
    inner = plan.groups[1]
    sink = ResultSink(plan)
    sink.report_start({}, {})
    sink.group_start(0, "R0", {})
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(20_000):
        sink.group_start(1, i, {})
        sink.group_end(1, i, 1, {value: i for value in inner.totals.values()})
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    # 200 bytes as nodes; as dictionaries a group took 408
    assert held / 20_000 < 300, f"{held / 20_000:.0f} bytes a group"


def test_json_text_and_dictionaries_agree():
    report = reportdsl.compile(REPORT, filename="g.report")
    result = report.run(source=_rows(50))
    text = result.to_json()
    assert json.loads(text) == json.loads(dumps(result.to_dict()))
    first = result.groups[0]
    assert list(first) == ["group", "key", "row_count", "totals", "groups"]
    assert first["totals"]["SUM(amount)overreport"] == sum(r["amount"] for r in _rows(50))  # resolved at the end
    assert result.to_json() == text  # reading the dictionaries changes nothing
