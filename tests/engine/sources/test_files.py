"""CSV and JSON Lines sources: inference, declared types, nulls, conversion errors."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from reportdsl.errors import ReportDataError
from reportdsl.plan.models import SourceSpec
from reportdsl.sources import describe

CSV = """id,day,when,region,qty,price,flag,code,note
1,2024-01-31,2024-01-31T08:00:00,North,3,1.50,true,007,
2,2024-02-01,2024-02-01 09:30:00,South,,2.25,false,010,x
3,2024-02-01,2024-02-01T10:00:00,,5,1e1,TRUE,011,y
4,2024-03-15,2024-03-15T11:00:00,North,-2,0,false,012,
"""


def _spec(kind, location, **kw):
    return SourceSpec(kind=kind, location=location, span=(0, 0), **kw)


def test_csv_inference_over_the_first_rows(tmp_path):
    (tmp_path / "s.csv").write_text(CSV, encoding="utf-8")
    cols = {c.name: c.type for c in describe(_spec("csv", "s.csv"), str(tmp_path), {})}
    assert cols == {"id": "int", "day": "date", "when": "datetime", "region": "string", "qty": "int",
                    "price": "decimal", "flag": "bool", "code": "string", "note": "string"}
    declared = describe(_spec("csv", "s.csv", types={"qty": "float", "code": "int"}), str(tmp_path), {})
    assert {c.name: c.type for c in declared}["qty"] == "float"
    with pytest.raises(ReportDataError, match="'nope' has a declared type but 's.csv' has no such column"):
        describe(_spec("csv", "s.csv", types={"nope": "int"}), str(tmp_path), {})


def test_csv_run_types_and_empty_is_null(tmp_path, compile_report, run_result):
    (tmp_path / "s.csv").write_text(CSV, encoding="utf-8")
    footer = "{SUM(qty)} {COUNT(qty)} {SUM(price)} {MIN(day)} {MAX(when)} {COUNT(flag)} {SUM(code)}"
    report = compile_report(f"""
report r {{
  source csv "s.csv" {{ code: int }}
  group region {{ footer {{ text "{footer}" }} }}
  summary {{ text "{{COUNT()}} {{COUNT(region)}} {{COUNT(note)}}" }}
}}""")
    result = run_result(report).to_dict()
    groups = {g["key"]: g["totals"] for g in result["groups"]}
    assert list(groups) == ["North", "South", None]  # null key last
    assert groups["North"]["SUM(qty)"] == 1 and groups["North"]["SUM(price)"] == Decimal("1.50")
    assert groups["South"]["SUM(qty)"] is None and groups["South"]["COUNT(qty)"] == 0
    assert groups[None]["SUM(price)"] == Decimal("1e1")
    assert groups["North"]["MIN(day)"] == "2024-01-31"
    assert groups["South"]["MAX(when)"] == "2024-02-01T09:30:00"
    assert groups["North"]["SUM(code)"] == 19  # declared int: "007" is 7
    assert result["totals"] == {"COUNT()": 4, "COUNT(region)": 3, "COUNT(note)": 2}


def test_csv_value_that_does_not_convert_names_row_and_column(tmp_path, compile_report, run_result):
    lines = ["id,qty"] + [f"{i},{i}" for i in range(1, 150)] + ["150,many"]
    (tmp_path / "s.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = compile_report('report r {\n  source csv "s.csv"\n  summary { text "{SUM(qty)}" }\n}')
    with pytest.raises(ReportDataError) as err:
        run_result(report)
    msg = str(err.value)
    assert "row 150" in msg and "column 'qty' holds 'many', which is not an integer" in msg
    assert err.value.line == 2  # the source statement


def test_csv_short_row_and_missing_column(tmp_path, compile_report, run_result):
    (tmp_path / "s.csv").write_text("a,b\n1,2\n3\n", encoding="utf-8")
    report = compile_report('report r {\n  source csv "s.csv"\n  summary { text "{SUM(b)}" }\n}')
    with pytest.raises(ReportDataError, match="row 2: the row has 1 fields"):
        run_result(report)
    report = compile_report('report r {\n  source csv "s.csv"\n  summary { text "{SUM(b)}" }\n}')
    (tmp_path / "other.csv").write_text("a,c\n1,2\n", encoding="utf-8")
    with pytest.raises(ReportDataError, match="has no column 'b'"):
        run_result(report, source=str(tmp_path / "other.csv"))


def test_jsonl_source(tmp_path, compile_report, run_result):
    records = [
        {"id": 1, "region": "N", "amount": 1.10, "day": "2024-01-02", "tags": ["x"]},
        {"id": 2, "region": "S", "amount": 2, "day": "2024-01-03"},
        {"id": 3, "region": "N", "amount": None, "day": None},
    ]
    (tmp_path / "o.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n\n", encoding="utf-8")
    cols = {c.name: c.type for c in describe(_spec("jsonl", "o.jsonl"), str(tmp_path), {})}
    assert cols == {"id": "int", "region": "string", "amount": "decimal", "day": "date", "tags": "any"}
    report = compile_report("""
report r {
  source jsonl "o.jsonl"
  group region { footer { text "{SUM(amount)} {MAX(day)}" } }
}""")
    result = run_result(report).to_dict()
    assert [(g["key"], g["totals"]["SUM(amount)"], g["totals"]["MAX(day)"]) for g in result["groups"]] == [
        ("N", Decimal("1.1"), "2024-01-02"), ("S", 2, "2024-01-03")]


def test_bad_json_line_is_a_clear_error(tmp_path, compile_report, run_result):
    (tmp_path / "o.jsonl").write_text('{"a": 1}\n', encoding="utf-8")
    report = compile_report('report r {\n  source jsonl "o.jsonl"\n  summary { text "{SUM(a)}" }\n}')
    (tmp_path / "o.jsonl").write_text('{"a": 1}\n\n{"a": \n', encoding="utf-8")
    with pytest.raises(ReportDataError) as err:
        run_result(report)
    # the row's number (blank lines are no rows), the file and its line, the source statement
    assert "row 2: line 3 of 'o.jsonl' is not valid JSON: Expecting value at column 7" in str(err.value)
    assert (err.value.line, err.value.column) == (2, 3)


BAD_JSONL = '{"g": "x", "a": 1}\n{"g": "x", "a": \n\n[1, 2]\n"text"\n{"g": "y", "a": 5}\n{"g": "x", "a": 2.5}\n'


@pytest.mark.parametrize("body", [
    'summary { text "{SUM(a)} {COUNT()}" }',
    'summary { text "{COUNT()}" }',  # no column is read: the bad lines still count as failing rows
    'group g { footer { text "{SUM(a)}" } }\n  summary { text "{SUM(a)} {COUNT()}" }',  # engine-side sort
])
def test_bad_json_lines_are_skipped_rows_under_on_error_skip(tmp_path, compile_report, run_result, body):
    (tmp_path / "o.jsonl").write_text(BAD_JSONL, encoding="utf-8")
    report = compile_report(f'report r {{\n  source jsonl "o.jsonl"\n  on_error skip\n  {body}\n}}')
    result = run_result(report).to_dict()
    assert result["row_count"] == 3 and result["skipped_rows"] == 3
    assert [e["row"] for e in result["errors"]] == [2, 3, 4]
    assert [e["message"] for e in result["errors"]] == [
        "line 2 of 'o.jsonl' is not valid JSON: Expecting value at column 17",
        "line 4 of 'o.jsonl' is not a JSON object",
        "line 5 of 'o.jsonl' is not a JSON object",
    ]
    assert result["totals"]["COUNT()"] == 3
    if "SUM(a)" in body:
        assert result["totals"]["SUM(a)"] == Decimal("8.5")
    if "group" in body:
        assert [(g["key"], g["totals"]["SUM(a)"]) for g in result["groups"]] == [("x", Decimal("3.5")), ("y", 5)]


def test_describe_passes_over_bad_json_lines(tmp_path):
    (tmp_path / "o.jsonl").write_text(BAD_JSONL, encoding="utf-8")
    assert [(c.name, c.type) for c in describe(_spec("jsonl", "o.jsonl"), str(tmp_path), {})] == [
        ("g", "string"), ("a", "decimal")]
    (tmp_path / "bad.jsonl").write_text("[1]\nnope\n", encoding="utf-8")
    with pytest.raises(ReportDataError, match="line 1 of 'bad.jsonl' is not a JSON object"):
        describe(_spec("jsonl", "bad.jsonl"), str(tmp_path), {})


def test_relative_paths_resolve_against_the_report_folder(tmp_path, compile_report, run_result, monkeypatch):
    sub = tmp_path / "reports"
    (sub / "data").mkdir(parents=True)
    (sub / "data" / "s.csv").write_text("x\n1\n2\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = compile_report('report r {\n  source csv "data/s.csv"\n  summary { text "{SUM(x)}" }\n}', base_dir=sub)
    assert run_result(report).totals == {"SUM(x)": 3}
    # an override path is the user's: relative to the current folder
    (tmp_path / "t.csv").write_text("x\n5\n", encoding="utf-8")
    assert run_result(report, source="t.csv").totals == {"SUM(x)": 5}


def test_dates_compare_with_date_params(tmp_path, compile_report, run_result):
    (tmp_path / "s.csv").write_text(CSV, encoding="utf-8")
    report = compile_report("""
report r {
  source csv "s.csv"
  param since: date = "2024-02-01"
  where day >= since
  summary { text "{COUNT()} {MIN(day)}" }
}""")
    assert run_result(report).totals == {"COUNT()": 3, "MIN(day)": "2024-02-01"}
    assert run_result(report, params={"since": dt.date(2024, 3, 1)}).totals == {"COUNT()": 1, "MIN(day)": "2024-03-15"}
