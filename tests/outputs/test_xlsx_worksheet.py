"""ReportWorksheet's rows against plain xlsxwriter's for the same cells (the same sheet
XML, but for the intended changes), and the Spool that holds lines waiting for deferred
values."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from reportdsl.outputs.spool import Spool
from reportdsl.outputs.xlsx_cells import excel_serial, number_text, string_xml
from reportdsl.outputs.xlsx_worksheet import ReportWorksheet

STRINGS = ["plain", " lead", "trail ", "a & b < c > d", 'quote " and \'', "ctl\x01\x1f", "_x0041_", "ü東",
           "line\nbreak", "", "=1+1"]
NUMBERS = [0, 1, -3.25, 1.5, 42, 1e20, 123456.789, -7, 2**40]


def _sheet_xml(worksheet_class, write) -> str:
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    ws = wb.add_worksheet("s", worksheet_class=worksheet_class)
    formats = [wb.add_format({"bold": True, "num_format": "#,##0.00"}), wb.add_format({"italic": True})]
    for fmt in formats:
        fmt._get_xf_index()  # the same indexes in both workbooks
    write(ws, formats)
    ws.set_column(0, 0, 12)
    ws.freeze_panes(1, 0)
    wb.close()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode("utf-8")


def _rows():
    """(row, level, height, [(col, kind, value, format index or None)]) — some rows empty."""
    rows = []
    for row in range(60):
        cells = []
        if row % 7:
            cells.append((0, "n", NUMBERS[row % len(NUMBERS)], row % 2))
            cells.append((2, "s", STRINGS[row % len(STRINGS)], None if row % 3 else 1))
        if row % 5 == 0:
            cells.append((3, "b", bool(row % 2), None))
        if cells:
            rows.append((row, row % 4, 20.0 if row % 11 == 0 else None, cells))
        # (constant_memory xlsxwriter drops a row with a level but no cells; ours keeps it)
    return rows


def _public(ws, formats):
    for row, level, height, cells in _rows():
        if level or height:
            ws.set_row(row, height, None, {"level": level})
        for col, kind, value, fmt in cells:
            fmt = formats[fmt] if fmt is not None else None
            {"n": ws.write_number, "s": ws.write_string, "b": ws.write_boolean}[kind](row, col, value, fmt)


def _ours(ws, formats):
    for row, level, height, cells in _rows():
        xml = []
        for col, kind, value, fmt in cells:
            ref = xl_col_to_name(col) + str(row + 1)
            attr = f' s="{formats[fmt]._get_xf_index()}"' if fmt is not None else ""
            if kind == "n":
                xml.append(f'<c r="{ref}"{attr}><v>{number_text(value)}</v></c>')
            elif kind == "s":
                xml.append(string_xml(ref, attr, value))
            else:
                xml.append(f'<c r="{ref}"{attr} t="b"><v>{int(value)}</v></c>')
        first, last = (cells[0][0], cells[-1][0]) if cells else (0, 0)
        ws.write_row_xml(row, level, height, first, last, "".join(xml))


def test_same_xml_as_xlsxwriter():
    assert _sheet_xml(ReportWorksheet, _ours) == _sheet_xml(Worksheet, _public)


def test_floats_are_written_exactly():
    assert number_text(0.1 + 0.2) == "0.30000000000000004" and f"{0.1 + 0.2:.16G}" == "0.3"
    assert number_text(1e-300) == "1E-300" and number_text(2**70) == str(2**70)


@pytest.mark.parametrize("text", ["<r><t>x</t></r>", "<r>&</r>", "<r></r>"])
def test_text_looking_like_rich_markup_stays_text(text):
    def ours(ws, formats):
        ws.write_row_xml(0, 0, None, 0, 0, string_xml("A1", "", text))

    def public(ws, formats):
        ws.write_string(0, 0, text)

    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert f"<t>{escaped}</t>" in _sheet_xml(ReportWorksheet, ours)
    assert f"<is>{text}</is>" in _sheet_xml(Worksheet, public)  # plain xlsxwriter: raw XML


def test_rows_keep_no_settings_and_come_in_order():
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    ws = wb.add_worksheet("s", worksheet_class=ReportWorksheet)
    for row in range(5000):
        ws.write_row_xml(row, 2, None, 0, 0, f'<c r="A{row + 1}"><v>{row}</v></c>')
    assert not ws.row_info and ws.outline_row_level == 2
    with pytest.raises(ValueError, match="after rows already written"):
        ws.write_row_xml(10, 0, None, 0, 0, '<c r="A11"><v>1</v></c>')
    wb.close()
    assert len(openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[0]["A"]) == 5000


def test_excel_serials():
    import datetime as dt

    assert excel_serial(dt.date(1900, 1, 1)) == 1
    assert excel_serial(dt.date(1900, 2, 28)) == 59
    assert excel_serial(dt.date(1900, 3, 1)) == 61  # Excel's 1900-02-29 is 60
    assert excel_serial(dt.date(2024, 1, 1)) == 45292
    assert excel_serial(dt.datetime(2024, 1, 1, 12)) == 45292.5
    assert excel_serial(dt.date(1899, 12, 31)) is None


def test_spool_keeps_order_and_spills():
    spool = Spool(memory_lines=4)
    for i in range(11):
        spool.append((i, 0, (f"v{i}",)))
    assert len(spool) == 11 and spool.spilled
    assert [line[0] for line in spool.drain()] == list(range(11))
    assert not spool and not spool.spilled
    for i in range(6):
        spool.append((i, 0, ()))
    spool.clear()
    spool.append(("after", 0, ()))
    assert list(spool.drain()) == [("after", 0, ())]
    spool.close()
