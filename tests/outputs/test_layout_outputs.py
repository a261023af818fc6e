"""LANGUAGE.md §14 layout in the XLSX and CSV outputs: `when` on elements and detail
columns, constant and computed styles as cell formats, rules on rows, spanning cells,
grids, and `columns` summary tables. Workbooks are read back with openpyxl (values,
number formats, fonts, fills, borders, merged ranges, cell by cell), CSV with the csv
module, both against the JSON result of the same run."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from reportdsl.errors import ReportDataError
from reportdsl.outputs import write_csv
from tests.outputs.excel_text import excel_text
from tests.outputs.support import build, check_workbook, compile_text, load, read_csv, xlsx_bytes

STYLED = """report styled {
  title "Styled"
  group region {
    header {
      grid 2fr 1fr {
        block {
          text "Region {region}" bold size 13pt
          text "Busy" italic when COUNT() > 5 when COUNT() > 1
        }
        block { text "{COUNT()} lines" color if(COUNT() > 1, "#336699", null) }
      }
    }
    footer {
      row { day..product: "Total {region}", amount: SUM(amount) } border top border bottom double
      row { product: "Returns", amount: SUM(amount where qty < 0) } italic bold when MIN(qty) < -5 when COUNT() > 1
      text "Big region" background "#fff2cc" when SUM(amount) > 1000
    }
  }
  detail {
    style bold when amount > 1000
    style strike when qty == 0
    background if(qty < 0, "#fdecea", null)
    column day "Day" = day | date("yyyy-MM-dd")
    column product "Product" = product italic when qty > 5
    column qty "Qty" = qty color if(qty < 0, "#b00020", null)
    column amount "Amount" = amount | currency bold
    column flag "" = "big" when amount > 1000
  }
  summary {
    row { day..qty: "Grand total", amount: SUM(amount) } border bottom double background "#f2f2f2"
    text "{COUNT()} lines" strike when COUNT() > 100
  }
}"""

ROWS = [
    {"region": "East", "day": "2024-01-03", "product": "Widget", "qty": 3, "amount": Decimal("1200.00")},
    {"region": "East", "day": "2024-01-04", "product": "Gadget", "qty": -1, "amount": Decimal("-15.50")},
    {"region": "East", "day": "2024-01-05", "product": "Gizmo", "qty": 0, "amount": Decimal("0.00")},
    {"region": "West", "day": "2024-02-01", "product": "Thing", "qty": 7, "amount": Decimal("80.00")},
]


@pytest.fixture(scope="module")
def styled(tmp_path_factory):
    built = build(compile_text(STYLED), tmp_path_factory.mktemp("styled") / "styled.xlsx", source=ROWS)
    return built, load(built.path).worksheets[0]


def _row(ws, first_value) -> int:
    """The number of the row whose first filled cell holds this value."""
    for cells in ws.iter_rows():
        filled = [c for c in cells if c.value is not None]
        if filled and filled[0].value == first_value:
            return cells[0].row
    raise AssertionError(f"no row starts with {first_value!r}")


def _shown(value):
    return value.date().isoformat() if isinstance(value, dt.datetime) else value


def _look(cell) -> tuple:
    """(bold, italic, strike, font colour, fill colour, top rule, bottom rule) of a cell."""
    font = cell.font
    colour = font.color.rgb if font.color is not None and font.color.type == "rgb" else None
    fill = cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None
    return (bool(font.b), bool(font.i), bool(font.strike), colour, fill, cell.border.top.style,
            cell.border.bottom.style)


PLAIN = (False, False, False, None, None, None, None)


def _with(**kw) -> tuple:
    names = ("bold", "italic", "strike", "color", "fill", "top", "bottom")
    return tuple(kw.get(n, p) for n, p in zip(names, PLAIN, strict=True))


def test_values_totals_and_formats_against_the_json(styled):
    built, _ = styled
    counts = check_workbook(built)
    assert counts == {"rows": 17, "cells": 21, "totals": 4, "formats": 16}


def test_when_on_elements_and_grid_blocks_as_lines(styled):
    _, ws = styled
    shown = [(_shown(row[0].value), row[1].value) for row in ws.iter_rows()]
    assert shown == [
        ("Styled", None), ("Day", "Product"),
        ("Region East", None), ("Busy", None), ("3 lines", None),  # the grid: block after block
        ("2024-01-03", "Widget"), ("2024-01-04", "Gadget"), ("2024-01-05", "Gizmo"),
        ("Total East", None), (None, "Returns"), ("Big region", None),
        ("Region West", None), ("1 lines", None),  # one line: not busy
        ("2024-02-01", "Thing"),
        ("Total West", None),  # no returns, not big: left out
        ("Grand total", None), ("4 lines", None),
    ]


def test_detail_row_and_column_styles_cell_by_cell(styled):
    _, ws = styled
    rows = {ws.cell(r, 2).value: r for r in range(1, ws.max_row + 1)}
    widget, gadget, gizmo, thing = (rows[p] for p in ("Widget", "Gadget", "Gizmo", "Thing"))
    bold = _with(bold=True)
    assert [_look(ws.cell(widget, c)) for c in range(1, 6)] == [bold] * 5  # `style bold when amount > 1000`
    assert ws.cell(widget, 5).value == "big"
    fill = "FFFDECEA"
    assert [_look(ws.cell(gadget, c)) for c in range(1, 6)] == [
        _with(fill=fill), _with(fill=fill), _with(color="FFB00020", fill=fill), _with(bold=True, fill=fill),
        _with(fill=fill),  # the flag's `when` is false: an empty cell, the row's fill still shows
    ]
    assert ws.cell(gadget, 5).value is None
    assert [_look(ws.cell(gizmo, c)) for c in range(1, 5)] == [
        _with(strike=True), _with(strike=True), _with(strike=True), _with(bold=True, strike=True)]
    assert [_look(ws.cell(thing, c)) for c in range(1, 5)] == [PLAIN, _with(italic=True), PLAIN, bold]
    # values stay native under styles
    assert ws.cell(gadget, 3).value == -1 and ws.cell(gadget, 4).value == -15.5
    assert excel_text(ws.cell(gadget, 4).number_format, Decimal("-15.50"), "en_US") == "-$15.50"
    assert ws.cell(widget, 1).number_format == "yyyy-mm-dd"


def test_band_styles_rules_and_spans(styled):
    _, ws = styled
    header = _row(ws, "Region East")
    assert ws.cell(header, 1).font.b and ws.cell(header, 1).font.sz == 13
    assert _look(ws.cell(header + 1, 1)) == PLAIN  # "Busy": shown (3 > 1), not italic (3 <= 5)
    assert _look(ws.cell(header + 2, 1)) == _with(color="FF336699")  # "3 lines": a computed colour
    west = _row(ws, "Region West")
    assert _look(ws.cell(west + 1, 1)) == PLAIN  # "1 lines": the colour is null
    total = _row(ws, "Total East")
    ruled = _with(bold=True, top="thin", bottom="double")
    # footer rows are bold; rules run across the table's columns (B is covered by the span)
    assert [_look(ws.cell(total, c)) for c in (1, 3, 4, 5)] == [ruled] * 4
    assert ws.cell(total, 4).value == 1184.5 and ws.cell(total, 2).value is None
    returns = next(r[0].row for r in ws.iter_rows() if r[1].value == "Returns")
    # `bold when MIN(qty) < -5` replaces the footer's bold: false here
    assert _look(ws.cell(returns, 2)) == _with(italic=True) and _look(ws.cell(returns, 4)) == _with(italic=True)
    assert ws.cell(returns, 4).value == -15.5
    big = _row(ws, "Big region")
    assert [_look(ws.cell(big, c)) for c in range(1, 6)] == [_with(bold=True, fill="FFFFF2CC")] * 5
    grand = _row(ws, "Grand total")
    summary = _with(bold=True, fill="FFF2F2F2", bottom="double")
    assert [_look(ws.cell(grand, c)) for c in (1, 4, 5)] == [summary] * 3
    assert ws.cell(grand, 4).value == 1264.5
    assert _look(ws.cell(grand + 1, 1)) == _with(bold=True)  # "4 lines": not struck (4 <= 100)
    assert ws.cell(grand + 1, 1).value == "4 lines"
    merged = sorted(str(r) for r in ws.merged_cells.ranges)
    totals = [_row(ws, "Total East"), _row(ws, "Total West")]
    assert merged == sorted([f"A{totals[0]}:B{totals[0]}", f"A{totals[1]}:B{totals[1]}", f"A{grand}:C{grand}"])


def test_spanned_cells_keep_rules_and_fill_in_the_file(styled):
    """openpyxl reads a merged range's other cells without their fill: read the XML."""
    built, ws = styled
    grand = _row(ws, "Grand total")
    with zipfile.ZipFile(built.path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        styles = z.read("xl/styles.xml").decode()
    row = re.search(rf'<row r="{grand}"[^>]*>(.*?)</row>', sheet).group(1)
    indexes = dict(re.findall(r'<c r="([A-E])\d+" s="(\d+)"', row))
    assert set(indexes) == set("ABCDE") and indexes["B"] == indexes["C"] == indexes["E"]
    xfs = re.findall(r"<xf [^>]*?(?:/>|>.*?</xf>)", styles.split("<cellXfs")[1])
    blank = xfs[int(indexes["B"])]
    assert 'applyFill="1"' in blank and 'applyBorder="1"' in blank


def test_the_header_row_and_filter(styled):
    _, ws = styled
    assert [ws.cell(2, c).value for c in range(1, 6)] == ["Day", "Product", "Qty", "Amount", ""]
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref.startswith("A2:E")


def _cell_formats(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        styles = z.read("xl/styles.xml").decode()
    return int(re.search(r'<cellXfs count="(\d+)"', styles).group(1))


def test_formats_are_made_once_per_style_not_per_row():
    report = compile_text(STYLED)
    few = _cell_formats(xlsx_bytes(report, source=ROWS))
    many = _cell_formats(xlsx_bytes(report, source=ROWS * 500))
    assert few == many < 60


def test_computed_colours_from_the_data():
    report = compile_text("""report t {
  detail {
    background colour
    column n "N" = n color colour
  }
}""")
    data = [{"n": i, "colour": ["#ff0000", None, "#00FF00"][i % 3]} for i in range(9)]
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(report, source=data))).worksheets[0]
    looks = [_look(ws.cell(r, 1)) for r in range(2, 11)]
    assert looks[:3] == [_with(color="FFFF0000", fill="FFFF0000"), PLAIN, _with(color="FF00FF00", fill="FF00FF00")]
    with pytest.raises(ReportDataError, match=r"a colour must be a text \"#RRGGBB\".*'red'"):
        xlsx_bytes(report, source=[{"n": 1, "colour": "red"}])


# ---- columns tables ------------------------------------------------------------------------


COLUMNS = """report summary_table {
  title "By region"
  columns {
    column region "Region"
    column orders "Orders"
    column amount "Amount" | currency
    column share "Share" | percent(1)
  }
  group region {
    header { row { region: "{region} (busy)", orders: COUNT() } when COUNT() > 1 }
    footer {
      row { region: region, orders: COUNT(), amount: SUM(amount), share: SUM(amount) / SUM(amount) over report }
    }
  }
  summary {
    row { region..orders: "All regions", amount: SUM(amount), share: 1 } border top
    text "not a table row"
  }
}"""


def test_a_columns_table_in_the_workbook(tmp_path):
    built = build(compile_text(COLUMNS), tmp_path / "c.xlsx", source=ROWS)
    counts = check_workbook(built)
    assert counts["totals"] == 5
    ws = load(built.path).worksheets[0]
    assert [[c.value for c in row] for row in ws.iter_rows(max_row=2)] == [
        ["By region", None, None, None], ["Region", "Orders", "Amount", "Share"]]
    assert [ws.cell(2, c).font.b for c in range(1, 5)] == [True] * 4
    assert ws.freeze_panes == "A3"
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    east, west = (g for g in built.result["groups"])
    share = float(Decimal("1184.50") / Decimal("1264.50"))
    assert body == [
        ["East (busy)", 3, None, None],
        ["East", 3, 1184.5, share],
        ["West", 1, 80.0, float(Decimal("80.00") / Decimal("1264.50"))],
        ["All regions", None, 1264.5, 1],
        ["not a table row", None, None, None],
    ]
    assert east["totals"]["SUM(amount)"] == Decimal("1184.50") and west["totals"]["COUNT()"] == 1
    assert [ws.row_dimensions[r].outlineLevel for r in range(3, 8)] == [1, 1, 1, 0, 0]
    assert ws.auto_filter.ref == "A2:D5"  # the body, as for detail rows; the summary below it
    assert ws.cell(4, 3).number_format == '"$"#,##0.00' and ws.cell(4, 4).number_format == "#,##0.0%"
    assert ws.cell(6, 3).number_format == '"$"#,##0.00' and ws.cell(6, 1).border.top.style == "thin"
    assert [ws.cell(r, 3).font.b for r in (4, 5, 6)] == [True, True, True]  # footers and summary
    assert sorted(str(r) for r in ws.merged_cells.ranges) == ["A6:B6"]


def test_a_columns_table_as_csv(tmp_path):
    built = build(compile_text(COLUMNS), tmp_path / "c.csv", source=ROWS)
    lines = read_csv(built.path)
    east, west = built.result["groups"]
    total = built.result["totals"]["SUM(amount)"]
    assert lines == [
        ["Region", "Orders", "Amount", "Share"],
        ["East (busy)", "3", "", ""],  # a header row waits for its COUNT()
        ["East", str(east["totals"]["COUNT()"]), str(east["totals"]["SUM(amount)"]),
         str(east["totals"]["SUM(amount)"] / total)],
        ["West", "1", "80.00", str(Decimal("80.00") / total)],
        ["All regions", "", "1264.50", "1"],  # a span's value in its first column
    ]
    assert east["totals"]["SUM(amount)"] == Decimal("1184.50") and lines[2][2] == "1184.50"


def test_a_columns_table_as_csv_without_data(tmp_path):
    report = compile_text("""report t {
  title { row { a: "title row" } }
  columns {
    column a "A"
    column b "B"
  }
  group g { footer { row { a: g, b: COUNT() } } }
  summary { row { a: "total", b: COUNT() } }
  no_data { row { a..b: "nothing" } }
}""")
    lines = read_csv(build(report, tmp_path / "n.csv", source=[]).path)
    assert lines == [["A", "B"], ["nothing", ""]]
    lines = read_csv(build(report, tmp_path / "d.csv", source=[{"g": "x"}, {"g": "x"}]).path)
    assert lines == [["A", "B"], ["title row", ""], ["x", "2"], ["total", "2"]]


def test_csv_waits_for_many_deferred_rows_in_order(tmp_path, monkeypatch):
    from reportdsl.outputs import spool

    monkeypatch.setattr(spool, "MEMORY_LINES", 7)  # the waiting rows go to disk
    report = compile_text("""report t {
  title { row { a: "of {COUNT()}" } }
  columns {
    column a "A"
    column b "B"
  }
  group g { footer { row { a: g, b: COUNT() } } }
}""")
    data = [{"g": i // 2} for i in range(100)]
    lines = read_csv(build(report, tmp_path / "w.csv", source=data).path)
    assert lines[:2] == [["A", "B"], ["of 100", ""]]
    assert lines[2:] == [[str(i), "2"] for i in range(50)]


def test_detail_when_empties_the_same_cells_in_csv_and_xlsx(tmp_path):
    built_csv = build(compile_text(STYLED), tmp_path / "s.csv", source=ROWS)
    lines = read_csv(built_csv.path)
    assert [line[4] for line in lines] == ["", "big", "", "", ""]
    ws = load(build(compile_text(STYLED), tmp_path / "s.xlsx", source=ROWS).path).worksheets[0]
    rows = {ws.cell(r, 2).value: r for r in range(1, ws.max_row + 1)}
    assert [ws.cell(rows[p], 5).value for p in ("Widget", "Gadget", "Gizmo", "Thing")] == ["big", None, None, None]


def test_a_report_with_neither_table_has_no_csv(tmp_path):
    report = compile_text('report t {\n  summary { text "{COUNT()}" }\n}')
    with pytest.raises(Exception, match="no `detail` band and no `columns` block"):
        write_csv(report.plan, None, [{"x": 1}], tmp_path / "x.csv", source_text=report.source)


def test_too_many_colours_from_the_data_is_an_error_not_a_broken_workbook(monkeypatch):
    from reportdsl.outputs import xlsx_cells

    monkeypatch.setattr(xlsx_cells, "MAX_CELL_FORMATS", 30)
    report = compile_text('report t {\n  detail {\n    column n "N" = n color colour\n  }\n}')
    data = [{"n": i, "colour": f"#{i:06x}"} for i in range(40)]
    with pytest.raises(ReportDataError, match="more than 30 different cell styles"):
        xlsx_bytes(report, source=data)
    assert xlsx_bytes(report, source=data[:5])  # few colours: fine


def test_spans_merge_on_the_sheet_they_are_written_on():
    report = compile_text("""report t {
  group g { footer { row { a..b: "Total {g}", c: COUNT() } border bottom } }
  detail {
    column a "A" = a
    column b "B" = b
    column c "C" = c
  }
}""")
    data = [{"g": i // 3, "a": i, "b": i, "c": i} for i in range(12)]
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(report, source=data, max_sheet_rows=7)))
    seen = []
    for ws in wb.worksheets:
        for merged in ws.merged_cells.ranges:
            row = merged.min_row
            assert (merged.min_col, merged.max_col, merged.max_row) == (1, 2, row)
            assert str(ws.cell(row, 1).value).startswith("Total") and ws.cell(row, 3).value == 3
            assert ws.cell(row, 1).border.bottom.style == "thin" and ws.cell(row, 3).border.bottom.style == "thin"
            seen.append(ws.cell(row, 1).value)
    assert len(wb.worksheets) > 1 and seen == [f"Total {g}" for g in range(4)]


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ok"


@pytest.mark.parametrize("name", ["columns_summary_table", "layout_conditions_and_styles"])
def test_the_layout_fixtures_row_by_row(name, tmp_path):
    path = FIXTURES / f"{name}.report"
    report = compile_text(path.read_text(encoding="utf-8"), base_dir=FIXTURES)
    built = build(report, tmp_path / f"{name}.xlsx")
    counts = check_workbook(built)
    assert counts["rows"] > 5 and counts["totals"] > 0
    lines = read_csv(build(report, tmp_path / f"{name}.csv").path)
    plan = report.plan
    table = plan.detail.columns if plan.detail is not None else plan.table_columns
    assert lines[0] == [c.label for c in table]
    if plan.detail is None:  # one line per group footer, then the total
        groups = built.result["groups"]
        assert [line[2] for line in lines[1:]] == [str(g["totals"]["SUM(revenue)"]) for g in groups] + [
            str(built.result["totals"]["SUM(revenue)"])]
    else:
        assert len(lines) - 1 == built.result["row_count"]
