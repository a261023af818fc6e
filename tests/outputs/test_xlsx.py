"""XLSX output: rows, outline levels, number formats, native values, text that stays text,
deferred values, no data, sheets past the row limit, streams and atomic writes.
Workbooks are read back with openpyxl; ``check_workbook`` compares every row with the
run's events and JSON result."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest

from reportdsl.errors import ReportDataError
from reportdsl.outputs import spool, write_xlsx
from tests.outputs.support import build, check_workbook, compile_text, expected_lines, load, sheet_rows, xlsx_bytes

REPORT = """report sales {
  title "Sales test"
  locale "LOCALE"
  currency "EUR"
  field revenue = qty * price
  group region {
    header { text "Region {region}: {SUM(revenue) | currency}" bold size 13pt }
    footer {
      row { product: "Total {region}", qty: SUM(qty), revenue: SUM(revenue) }
      text "{SUM(revenue) / SUM(revenue) over report | percent(1)} of all"
    }
  }
  group customer = cust {
    header { text "{customer}" }
    footer { row { product: "Subtotal", revenue: SUM(revenue) | number(2) } }
  }
  detail {
    column day     "Day"     = day | date
    column product "Product" = product
    column qty     "Qty"     = qty | number          align right width 1.5cm
    column price   "Price"   = price | currency
    column ratio   "Ratio"   = ratio | percent(1)
    column revenue "Revenue" = revenue | currency
    column at      "At"      = at | datetime("d MMM HH:mm")
    column note    "Note"    = note | upper
    column ok      "OK"      = ok
  }
  summary {
    row { product: "Grand total", qty: SUM(qty), revenue: SUM(revenue) }
    text "{SUM(revenue) | currency}"
    text "{MAX(day)}"
  }
}"""


def rows(n: int = 24) -> list[dict]:
    out = []
    for i in range(n):
        out.append({
            "region": ["East", "West", "North"][i % 3], "cust": f"C{i % 4}", "product": f"P{i % 5}",
            "qty": i % 7 - 1, "price": Decimal(f"{i}.{i % 100:02d}"), "ratio": (i % 9) / 7,
            "day": dt.date(2024, 1 + i % 12, 1 + i % 28), "at": dt.datetime(2024, 3, 1 + i % 28, i % 24, i % 60),
            "note": f"note {i}" if i % 5 else None, "ok": bool(i % 2),
        })
    return out


@pytest.fixture(params=["en_US", "de_DE", "fr_FR"])
def sales(request):
    return compile_text(REPORT.replace("LOCALE", request.param))


def test_every_row_against_the_events_and_json(sales, tmp_path):
    built = build(sales, tmp_path / "out.xlsx", source=rows())
    counts = check_workbook(built)
    assert counts["formats"] > 24 * 5 and counts["totals"] > 10
    ws = load(built.path).worksheets[0]
    assert ws["A1"].value == "Sales test" and ws["A1"].font.b
    assert [c.value for c in ws[2]] == ["Day", "Product", "Qty", "Price", "Ratio", "Revenue", "At", "Note", "OK"]
    assert ws.freeze_panes == "A3"
    last_body = max(r.number for r in sheet_rows(ws) if r.level > 0)
    assert ws.auto_filter.ref == f"A2:I{last_body}"  # the summary below stays out of the filter


def test_outline_levels_and_bold_totals(tmp_path):
    built = build(compile_text(REPORT.replace("LOCALE", "en_US")), tmp_path / "out.xlsx", source=rows(6))
    ws = load(built.path).worksheets[0]
    got = [(r.level, r.first(), r.cells[min(r.cells)].font.b if r.cells else None) for r in sheet_rows(ws)]
    # title, headers, then East: header (1), C0 header (2), a detail row (3), C0 footer (2) …
    assert got[0] == (0, "Sales test", True)
    assert got[2][:2] == (1, got[2][1]) and got[2][1].startswith("Region East: ")
    assert got[3] == (2, "C0", False)
    assert got[4][0] == 3 and isinstance(got[4][1], dt.datetime)
    footer = next(r for r in sheet_rows(ws) if r.cells.get(1) is not None and r.cells[1].value == "Subtotal")
    assert footer.level == 2 and all(c.font.b for c in footer.cells.values())
    total = next(r for r in sheet_rows(ws) if r.cells.get(1) is not None and r.cells[1].value == "Grand total")
    assert total.level == 0 and all(c.font.b for c in total.cells.values())
    assert total.cells[5].number_format == '"€"#,##0.00'  # currency in en_US
    assert ws.sheet_format.outlineLevelRow == 3


def test_number_formats_cell_by_cell(tmp_path):
    built = build(compile_text(REPORT.replace("LOCALE", "de_DE")), tmp_path / "out.xlsx", source=rows(3))
    ws = load(built.path).worksheets[0]
    detail = next(r for r in sheet_rows(ws) if r.level == 3)
    formats = {c: cell.number_format for c, cell in detail.cells.items()}
    assert formats[0] == "dd.mm.yyyy"
    assert formats[2] == "#,##0"
    assert formats[3] == '#,##0.00"\u00a0€"'
    assert formats[4] == '#,##0.0"\u00a0"%'
    assert formats[6] == "[$-407]d mmm hh:mm"
    assert detail.cells[8].data_type == "b"


TEXTS = ["=1+1", "=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "0123", "1e5", "TRUE", " padded ",
         "<r><t>x</t></r>", "<r>&amp;</r>", "a\x01b", "_x0041_", "tab\tand\nnewline", "http://example.com",
         "ünïcödé 東京 🎉", "a & b < c > d \" '"]


def test_text_stays_text(tmp_path):
    report = compile_text("""report t {
  detail { column s "S" = s }
}""")
    data = [{"s": s} for s in TEXTS]
    built = build(report, tmp_path / "t.xlsx", source=data)
    ws = load(built.path).worksheets[0]
    got = [(c.value, c.data_type) for (c,) in ws.iter_rows(min_row=2)]
    # openpyxl leaves OOXML's escapes of characters XML cannot hold (_xHHHH_); Excel reads them
    assert [(ooxml_text(v), t) for v, t in got] == [(s, "s") for s in TEXTS]
    assert got[12][0] == "_x005F_x0041_"  # a literal "_x0041_" is escaped in turn


def ooxml_text(text: str) -> str:
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def test_numbers_and_dates_are_native_and_exact(tmp_path):
    report = compile_text("""report t {
  detail { column v "V" = v }
}""")
    values = [0.1 + 0.2, 1 / 3, 1e-300, 1.7976931348623157e308, -0.0, 2**53 + 1, 12345678901234567890,
              Decimal("0.1"), Decimal("123456789012.34"), Decimal("1E+3"), True, False,
              dt.date(1900, 1, 1), dt.date(1900, 2, 28), dt.date(1900, 3, 1), dt.date(9999, 12, 31),
              dt.datetime(2024, 5, 6, 7, 8, 9, 123000), dt.datetime(2024, 5, 6, 7, 8, tzinfo=dt.UTC),
              dt.date(1899, 12, 31), float("nan"), float("inf"), float("-inf")]
    built = build(report, tmp_path / "n.xlsx", source=[{"v": v} for v in values])
    check_workbook(built)
    ws = load(built.path).worksheets[0]
    got = [c.value for (c,) in ws.iter_rows(min_row=2)]
    assert got[:6] == [0.1 + 0.2, 1 / 3, 1e-300, 1.7976931348623157e308, 0.0, 2**53 + 1]
    assert got[7:10] == [0.1, 123456789012.34, 1000.0]
    assert got[10:12] == [True, False]
    assert got[12:16] == [dt.datetime(1900, 1, 1), dt.datetime(1900, 2, 28), dt.datetime(1900, 3, 1),
                          dt.datetime(9999, 12, 31)]
    assert abs(got[16] - dt.datetime(2024, 5, 6, 7, 8, 9, 123000)) < dt.timedelta(milliseconds=1)
    assert got[17] == dt.datetime(2024, 5, 6, 7, 8)  # the wall-clock time; Excel has no zones
    assert got[18:] == ["1899-12-31", "NaN", "Infinity", "-Infinity"]  # what Excel cannot hold


DEFERRED = """report d {
  title { text "Grand total {SUM(x) | number(2)} of {COUNT()} rows" }
  group g {
    header { text "{g}: {SUM(x) over report}" }
    footer { row { v: SUM(x) } }
  }
  detail { column v "V" = x | number(2) }
  summary { row { v: SUM(x) } }
}"""


def test_lines_wait_for_deferred_values_in_bounded_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(spool, "MEMORY_LINES", 7)  # the title waits for the last row: spill to disk
    spilled = []
    original = spool.Spool.append

    def append(self, line):
        original(self, line)
        spilled.append(self.spilled)

    monkeypatch.setattr(spool.Spool, "append", append)
    data = [{"g": f"g{i % 5}", "x": Decimal(i) / 4} for i in range(60)]
    built = build(compile_text(DEFERRED), tmp_path / "d.xlsx", source=data)
    assert any(spilled)
    check_workbook(built)
    ws = load(built.path).worksheets[0]
    assert ws["A1"].value == "Grand total 442.50 of 60 rows"


def test_no_data_band_replaces_everything(tmp_path):
    text = REPORT.replace("LOCALE", "en_US").replace("summary {", 'no_data { text "Nothing {title}" }\n  summary {')
    built = build(compile_text(text.replace("field revenue", "where qty > 100\n  field revenue")),
                  tmp_path / "none.xlsx", source=rows(5))
    ws = load(built.path).worksheets[0]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [["Nothing Sales test"]]
    assert ws.freeze_panes is None
    check_workbook(built)


def test_no_data_without_band_keeps_title_headers_and_summary(tmp_path):
    text = REPORT.replace("LOCALE", "en_US").replace("field revenue", "where qty > 100\n  field revenue")
    built = build(compile_text(text), tmp_path / "none.xlsx", source=rows(5))
    ws = load(built.path).worksheets[0]
    # The engine gives a summary without rows no values (when there is no no_data band,
    # the PDF fails on that): its totals stay empty here.
    assert [[c.value for c in row if c.value is not None] for row in ws.iter_rows()] == [
        ["Sales test"], ["Day", "Product", "Qty", "Price", "Ratio", "Revenue", "At", "Note", "OK"], ["Grand total"]]
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:I2"


def test_sheets_continue_past_the_row_limit(tmp_path):
    built = build(compile_text(REPORT.replace("LOCALE", "en_US")), tmp_path / "split.xlsx", source=rows(40),
                  max_sheet_rows=25)
    wb = load(built.path)
    assert [ws.title for ws in wb.worksheets][:3] == ["sales", "sales (2)", "sales (3)"]
    lines = len(expected_lines(built))  # 40 detail rows and their bands
    assert lines > 75
    assert len(wb.worksheets) == 1 + -(-(lines - 25) // 24)  # 25 rows, then a header row and 24 more
    for ws in wb.worksheets:
        assert ws.max_row <= 25
    for ws in wb.worksheets[1:]:
        assert [c.value for c in ws[1]][:3] == ["Day", "Product", "Qty"]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:I")
        assert ws["A1"].font.b
    check_workbook(built, wb)  # every row, in order, across the sheets


def test_stream_and_non_seekable_stream(tmp_path):
    report = compile_text(REPORT.replace("LOCALE", "en_US"))
    data = xlsx_bytes(report, source=rows(8))
    assert openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]["A1"].value == "Sales test"

    class Pipe(io.RawIOBase):
        def __init__(self):
            self.chunks = []

        def writable(self):
            return True

        def write(self, b):
            self.chunks.append(bytes(b))
            return len(b)

    pipe = Pipe()
    write_xlsx(report.plan, None, rows(8), pipe, source_text=report.source)
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(pipe.chunks)))
    assert wb.worksheets[0]["A2"].value == "Day"


def test_failed_build_leaves_the_previous_file(tmp_path):
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"previous")
    report = compile_text("""report t {
  field bad = s * 2
  detail { column v "V" = bad }
}""")
    with pytest.raises(ReportDataError):
        write_xlsx(report.plan, None, [{"s": 1}, {"s": "abc"}], out, source_text=report.source)
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_same_bytes_with_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    report = compile_text(REPORT.replace("LOCALE", "en_US"))
    first = xlsx_bytes(report, source=rows(10))
    assert xlsx_bytes(report, source=rows(10)) == first
    props = openpyxl.load_workbook(io.BytesIO(first)).properties
    assert props.created == dt.datetime(2023, 11, 14, 22, 13, 20) and props.title == "Sales test"
