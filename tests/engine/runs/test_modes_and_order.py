"""§9 and §12 paths the differential tests do not reach: records spilled to disk and
read again, a row that fails only in the printing pass, an ``order by`` value that waits
for the report's end, ``max_groups`` with ``limit``, running values in headers, groups'
whole values from one read of a database (``engine/lookahead.py``)."""

from __future__ import annotations

import sqlite3
from decimal import Context, Decimal

import pytest
import sqlalchemy

from reportdsl import ReportDataError
from reportdsl.engine import pass_runs, run, top_order
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


WHOLE_IN_GROUPS = """report t {
  source sql "sqlite:///sales.db" table sales
  group region { footer { text "{SUM(amount)}" } }
  group customer { footer { text "{COUNT()}" } }
  detail {
    column c "C" = customer
    column share "Share" = amount / SUM(amount) over region whole
    column part "Part" = amount / SUM(amount) over customer whole
  }
}
"""


def _sales_db(path, copies: int):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE sales (region TEXT, customer TEXT, amount DECIMAL(10, 2))")
    con.executemany("INSERT INTO sales VALUES (?, ?, ?)",
                    [(r["region"], r["customer"], str(r["amount"])) for r in ROWS] * copies)
    con.commit()
    con.close()


def _reads(tmp_path, report, **kw):
    """(the run's statistics, its detail rows, the SELECTs it sent to the database)."""
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'sales.db'}")
    selects: list[str] = []
    # every statement SQLite runs, as its own trace gives it
    sqlalchemy.event.listen(engine, "connect", lambda dbapi, _: dbapi.set_trace_callback(
        lambda sql: selects.append(sql) if sql.startswith("SELECT") and "sales" in sql else None))
    recording = RecordingSink()
    try:
        stats = run(report.plan, recording, source=engine, source_text=report.source, **kw)
    finally:
        engine.dispose()
    return stats, [e[1] for e in recording.events if e[0] == "detail"], selects


def test_groups_whole_values_come_from_one_read_and_are_exact(compile_report, tmp_path):
    _sales_db(tmp_path / "sales.db", 20)
    stats, rows, selects = _reads(tmp_path, compile_report(WHOLE_IN_GROUPS))
    assert len(selects) == 1 and "ORDER BY" in selects[0]  # the database orders the one read
    assert stats.pushdown.startswith("streamed")
    region, customer = {}, {}
    for r in ROWS:
        region[r["region"]] = region.get(r["region"], 0) + 20 * r["amount"]
        key = (r["region"], r["customer"])
        customer[key] = customer.get(key, 0) + 20 * r["amount"]
    divide = Context(prec=28).divide
    expected = [(r["customer"], divide(r["amount"], region[r["region"]]),
                 divide(r["amount"], customer[r["region"], r["customer"]])) for r in ROWS for _ in range(20)]
    assert sorted(rows) == sorted(expected)


def test_the_rows_waiting_for_a_big_groups_values_wait_in_a_file_past_the_budget(compile_report, tmp_path):
    _sales_db(tmp_path / "sales.db", 400)  # region N: 1,200 rows, past the 1,000 rows a tiny budget keeps
    report = compile_report(WHOLE_IN_GROUPS)
    in_memory, rows, _ = _reads(tmp_path, report)
    spilled, spilled_rows, selects = _reads(tmp_path, report, memory_budget=1)
    assert in_memory.spilled_rows == 0 and spilled.spilled_rows > 0 and len(selects) == 1
    assert spilled_rows == rows and len(rows) == 4000


def test_the_reports_whole_values_hold_every_row_back_from_one_read_in_a_file_past_the_budget(compile_report,
                                                                                              tmp_path):
    _sales_db(tmp_path / "sales.db", 200)  # 2,000 rows, past the 1,000 a tiny budget keeps
    report = compile_report(WHOLE_IN_GROUPS.replace("over region whole", "over report whole"))
    assert pass_runs.how(report.plan) == "whole ahead"
    in_memory, rows, selects = _reads(tmp_path, report, pushdown="off")
    spilled, spilled_rows, _ = _reads(tmp_path, report, pushdown="off", memory_budget=1)
    assert len(selects) == 1 and in_memory.spilled_rows == 0 and spilled.spilled_rows > 0
    assert spilled_rows == rows and abs(sum(share for _, share, _ in rows) - 1) < Decimal("1e-24")


RANKED_IN_REGION = """report t {
  source sql "sqlite:///sales.db" table sales
  OPTION
  group region { footer { text "{SUM(amount)}" } }
  group customer order by SUM(amount) desc limit 1 others "rest" { footer { text "{SUM(amount)} {COUNT()}" } }
  detail { column a "A" = amount }
}
"""


def _ranked(compile_report, option: str):
    report = compile_report(RANKED_IN_REGION.replace("OPTION", option))
    assert pass_runs.how(report.plan) == "parents ahead"
    return report


def test_a_level_ranked_in_its_parent_prints_others_rows_in_their_sort_order(compile_report, tmp_path):
    _sales_db(tmp_path / "sales.db", 1)
    result, evs = events(_ranked(compile_report, "sort by amount desc"), None)  # records, not rows: sorted
    north = result["groups"][1]
    assert [g["key"] for g in result["groups"]] == ["E", "N", "S", "W"]
    assert [(g["key"], g["totals"]["SUM(amount)"]) for g in north["groups"]] == [
        ("a", Decimal("10.5")), ("rest", Decimal("3"))]
    starts = [i for i, e in enumerate(evs) if e[0] == "group_start" and e[1] == 0]
    north_rows = [e[1][0] for e in evs[starts[1]:starts[2]] if e[0] == "detail"]
    assert north_rows == [Decimal("10.5"), Decimal("2"), Decimal("1")]  # b's 2 before c's 1: sorted, not by key


@pytest.mark.parametrize("option", ["", "on_error skip"])
def test_a_parent_instance_past_the_budget_is_ranked_alike(compile_report, tmp_path, option):
    _sales_db(tmp_path / "sales.db", 400)  # region N: 1,200 rows, past the 1,000 a tiny budget keeps
    report = _ranked(compile_report, option)
    in_memory, spilled = events(report, None), events(report, None, memory_budget=1)
    assert spilled[0] == in_memory[0] and spilled[1][:-1] == in_memory[1][:-1]  # but the statistics
    # the database's rows are reordered in memory, one region at a time; records (a row
    # may be skipped: ``parent_order.row_keys``) are sorted aside past the budget
    written = spilled[1][-1][1].stats["spilled_rows"]
    assert in_memory[1][-1][1].stats["spilled_rows"] == 0 and (written > 0 if option else written == 0)
    assert [(g["key"], g["row_count"]) for g in in_memory[0]["groups"][1]["groups"]] == [("a", 400), ("rest", 800)]


RANKED_TOP = """report t {
  source sql "sqlite:///sales.db" table sales
  OPTION
  group region order by SUM(amount) desc limit 2 others "rest" { footer { text "{SUM(amount)} {COUNT()}" } }
CUSTOMERS
  detail { column a "A" = amount }
}
"""
CUSTOMERS = """  group customer { footer { text "{SUM(amount)} {COUNT()}" } }"""
RANKED_TOP = RANKED_TOP.replace("CUSTOMERS", CUSTOMERS)


def _ranked_top(compile_report, option: str = "", nested: bool = True):
    text = RANKED_TOP.replace("OPTION", option)
    report = compile_report(text if nested else text.replace(CUSTOMERS, ""))
    assert pass_runs.how(report.plan) == "top ahead"
    return report


def _groups(node: dict) -> list:
    return [(g["key"], g["totals"]["SUM(amount)"], g["row_count"], _groups(g)) for g in node.get("groups", [])]


@pytest.mark.parametrize("option", ["", "sort by amount desc", "on_error skip"])
def test_a_ranked_top_level_reads_once_and_others_merges_the_nested_groups(compile_report, tmp_path, option):
    # W 33, N 13.5 keep their rank; E and S are Others, where E's and S's customers merge
    _sales_db(tmp_path / "sales.db", 1)
    stats, _, selects = _reads(tmp_path, _ranked_top(compile_report, option), pushdown="off")
    assert len(selects) == 1 and stats.ordered_by == "database"
    # the report's own source: without an option, the database's rows are kept (their keys
    # are text SQLite gives as read); else records
    result, evs = events(_ranked_top(compile_report, option), None)
    rows = [e[1] for e in evs if e[0] == "detail"]
    assert _groups(result) == [
        ("W", Decimal("33"), 2, [("a", Decimal("3"), 1, []), ("b", Decimal("30"), 1, [])]),
        ("N", Decimal("13.5"), 3, [("a", Decimal("10.5"), 1, []), ("b", Decimal("2"), 1, []),
                                   ("c", Decimal("1"), 1, [])]),
        ("rest", Decimal("15.00"), 5, [("a", Decimal("5.00"), 2, []), ("b", Decimal("3"), 2, []),
                                       ("c", Decimal("7"), 1, [])])]
    # Others' customer a: E's row before S's as the database gave them, or in sort order
    others_a = [r[0] for r in rows[5:7]]
    assert others_a == ([Decimal("4.25"), Decimal("0.75")] if option.startswith("sort") else
                        [Decimal("0.75"), Decimal("4.25")])


@pytest.mark.parametrize("option", ["", "on_error skip"])
@pytest.mark.parametrize("nested", [True, False])
def test_a_ranked_top_level_past_the_budget_waits_in_a_file_alike(compile_report, tmp_path, option, nested):
    _sales_db(tmp_path / "sales.db", 400)  # 4,000 rows, past the 1,000 a tiny budget keeps
    report = _ranked_top(compile_report, option, nested)
    in_memory, spilled = events(report, None), events(report, None, memory_budget=1)
    assert spilled[0] == in_memory[0] and spilled[1][:-1] == in_memory[1][:-1]  # but the statistics
    assert in_memory[1][-1][1].stats["spilled_rows"] == 0 and spilled[1][-1][1].stats["spilled_rows"] > 0
    assert [(g["key"], g["row_count"]) for g in in_memory[0]["groups"]] == [("W", 800), ("N", 1200), ("rest", 2000)]
    others = [e[1][0] for e in in_memory[1] if e[0] == "detail"][2000:]
    if not nested:  # Others' rows in the order read: E's, then S's
        assert others[:1200] == [Decimal("7"), Decimal("0.75"), Decimal("2")] * 400


def test_a_top_level_ordered_by_a_share_of_the_report_and_limited(compile_report, tmp_path):
    # the order by value is known only at the report's end; limit without others leaves out
    _sales_db(tmp_path / "sales.db", 1)
    report = compile_report(RANKED_TOP.replace("OPTION", "").replace(
        'SUM(amount) desc limit 2 others "rest"', "SUM(amount) / SUM(amount) over report limit 3"))
    assert pass_runs.how(report.plan) == "top ahead"
    result, _ = events(report, None)
    assert [g["key"] for g in result["groups"]] == ["S", "E", "N"]
    assert result["omitted"] == {"groups": 1, "rows": 2}


@pytest.mark.parametrize("option", ["", "on_error skip"])
@pytest.mark.parametrize("nested", [True, False])
def test_others_merging_more_runs_than_one_merge_reads_merges_in_rounds_alike(compile_report, tmp_path,
                                                                            monkeypatch, option, nested):
    _sales_db(tmp_path / "sales.db", 3)
    report = compile_report(_ranked_top(compile_report, option, nested).source.text.replace("limit 2", "limit 1"))
    at_once = events(report, None)
    monkeypatch.setattr(top_order, "_FAN_IN", 2)  # Others' 3 runs: a round of two, then two
    in_rounds = events(report, None)
    assert in_rounds[0] == at_once[0] and in_rounds[1][:-1] == at_once[1][:-1]  # but the statistics
    assert [g["key"] for g in at_once[0]["groups"]] == ["W", "rest"]


@pytest.mark.parametrize("text", [RANKED_TOP.replace("OPTION", ""),
                                  WHOLE_IN_GROUPS.replace("over region whole", "over report whole")])
def test_a_run_ahead_over_every_row_shows_its_reading_then_the_printing(compile_report, tmp_path, text):
    # an ordered top level, the report's own whole values: the run ahead reads every row first
    _sales_db(tmp_path / "sales.db", 1)
    seen: list = []
    run(compile_report(text).plan, RecordingSink(), pushdown="off",
        progress=lambda phase, rows, seconds: seen.append((phase, rows)))
    assert [phase for phase, _ in seen] == ["read", "aggregate"] and all(rows > 0 for _, rows in seen)
