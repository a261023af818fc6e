"""Engine-side ordering: null last both ways, desc, stability, mixed kinds, spilling."""

from __future__ import annotations

import random

from reportdsl.engine import run
from reportdsl.engine.sorting import ExternalSorter, rank_key
from reportdsl.engine.stream.sinks import RecordingSink


def _keys(sink, level=0):
    return [e[2] for e in sink.events if e[0] == "group_start" and e[1] == level]


def test_null_keys_last_in_both_directions(compile_report):
    rows = [{"k": k, "i": i} for i, k in enumerate([3, None, 1, 2, None, 1])]
    for desc, want in (("", [1, 2, 3, None]), (" desc", [3, 2, 1, None])):
        report = compile_report(f'report r {{\n  group k{desc} {{ }}\n  detail {{ column i "I" = i }}\n}}')
        sink = RecordingSink()
        stats = run(report.plan, sink, source=rows)
        assert stats.ordered_by == "engine"
        assert _keys(sink) == want


def test_rows_keep_source_order_within_sort_ties(compile_report):
    rows = [{"g": "a", "s": s, "i": i} for i, s in enumerate([2, 1, None, 2, 1, 2])]
    report = compile_report('report r {\n  sort by s desc\n  group g { }\n  detail { column i "I" = i }\n}')
    sink = RecordingSink()
    run(report.plan, sink, source=rows)
    assert [e[1][0] for e in sink.events if e[0] == "detail"] == [0, 3, 5, 1, 4, 2]


def test_mixed_kinds_do_not_crash(compile_report):
    rows = [{"k": k} for k in ["b", 2, None, 1.5, "a", 2]]
    report = compile_report('report r {\n  group k { footer { text "{COUNT()}" } }\n}')
    sink = RecordingSink()
    run(report.plan, sink, source=rows)
    assert _keys(sink) == [1.5, 2, "a", "b", None]


def test_external_sort_spills_and_merges(tmp_path, compile_report, run_result):
    rng = random.Random(3)
    rows = [{"g": rng.choice("abcdefghij"), "s": rng.randint(0, 50), "x": rng.randint(-5, 5), "id": i}
            for i in range(30_000)]
    report = compile_report('report r {\n  sort by s, id\n'
                            '  group g { footer { text "{SUM(x)} {FIRST(id)} {LAST(id)}" } }\n'
                            '  detail { column id "Id" = id }\n}')
    sink = RecordingSink()
    stats = run(report.plan, sink, source=rows, memory_budget=200_000)
    assert stats.spilled_rows == 30_000
    ids = [e[1][0] for e in sink.events if e[0] == "detail"]
    want = [r["id"] for r in sorted(rows, key=lambda r: (r["g"], r["s"], r["id"]))]
    assert ids == want
    small = run_result(report, source=rows, memory_budget=200_000).to_dict()
    big = run_result(report, source=rows).to_dict()
    assert small == big


def test_sorter_alone_keeps_ties_in_arrival_order():
    sorter = ExternalSorter(memory_budget=10_000)
    records = [(((False, k % 3),), i, (k,)) for i, k in enumerate(range(5000))]
    for i in range(0, 5000, 700):
        sorter.add_all(records[i:i + 700])
    out = [r for chunk in sorter.sorted_chunks() for r in chunk]
    sorter.close()
    assert out == sorted(records)
    assert rank_key(None) > rank_key("z") > rank_key(10**9)
