"""The examples built to XLSX and CSV, read back with openpyxl and the csv module and
compared with the JSON result and the events of the same run."""

from __future__ import annotations

import pytest

from reportdsl.errors import ReportError
from tests.outputs.support import EXAMPLES, build, check_workbook, compile_text, expected_lines, load, read_csv

EXAMPLE_NAMES = ["sales_by_region", "category_csv", "orders_jsonl", "monthly_summary"]


def _example(name: str):
    path = EXAMPLES / f"{name}.report"
    return compile_text(path.read_text(encoding="utf-8"), base_dir=EXAMPLES)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_example_to_xlsx(name, tmp_path):
    built = build(_example(name), tmp_path / f"{name}.xlsx")
    wb = load(built.path)
    counts = check_workbook(built, wb)
    assert counts["rows"] > 10
    assert counts["totals"] > 0 or name == "monthly_summary"  # its totals are inside texts
    ws = wb.worksheets[0]
    if built.report.plan.detail is not None:
        assert len(built.details) == built.result["row_count"]
        header = [line[0] for line in expected_lines(built)].index("headers") + 1  # after the title lines
        assert ws.freeze_panes == f"A{header + 1}"
        assert ws.auto_filter.ref.startswith(f"A{header}:")
    else:
        assert ws.freeze_panes is None and not ws.auto_filter.ref


@pytest.mark.parametrize("name", [n for n in EXAMPLE_NAMES if n != "monthly_summary"])
def test_example_to_csv(name, tmp_path):
    built = build(_example(name), tmp_path / f"{name}.csv")
    rows = read_csv(built.path)
    plan = built.report.plan
    assert rows[0] == [c.label for c in plan.detail.columns]
    assert len(rows) - 1 == built.result["row_count"] == len(built.details)
    for line, values in zip(rows[1:], built.details, strict=True):
        assert line == [_raw(v) for v in values]


def test_example_without_detail_has_no_csv(tmp_path):
    with pytest.raises(ReportError, match="no table to write as CSV"):
        build(_example("monthly_summary"), tmp_path / "monthly.csv")
    assert not (tmp_path / "monthly.csv").exists()


def _raw(value) -> str:
    from reportdsl.outputs.delimited import raw_text

    text = raw_text(value)
    return "" if text is None else str(text)
