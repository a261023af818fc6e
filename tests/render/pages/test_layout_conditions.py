"""LANGUAGE.md §14 in real documents: `when`, conditional and computed styles, detail
row and column styles, `columns` tables, spanning cells, rules on rows, grids.

Each test builds a report over Python rows through the public API and reads the
Typst body or the PDF (text, positions and drawing operators) that comes out.
"""

from __future__ import annotations

import io
import subprocess
import sys
from decimal import Decimal

import pypdf
import pytest
from pypdf.generic import ContentStream

import reportdsl
from reportdsl.errors import ReportDataError

from ..support import pdf_pages

ROWS = [
    {"region": "East", "product": "Widget", "amount": Decimal("1200.00"), "quantity": 3},
    {"region": "East", "product": "Gadget", "amount": Decimal("-15.50"), "quantity": -1},
    {"region": "West", "product": "Gizmo", "amount": Decimal("80.00"), "quantity": 2},
]
SOURCE = 'source csv "rows.csv" { region: string, product: string, amount: decimal, quantity: int }'


@pytest.fixture(scope="module", autouse=True)
def _data_folder(tmp_path_factory):
    """The CSV the reports name (the rows themselves come from Python)."""
    global _FOLDER
    _FOLDER = tmp_path_factory.mktemp("layout")
    (_FOLDER / "rows.csv").write_text("region,product,amount,quantity\n", encoding="utf-8")


_FOLDER = None


def _report(body: str) -> reportdsl.Report:
    text = f"report t {{\n  {SOURCE}\n{body}\n}}"
    return reportdsl.compile(text, filename=str(_FOLDER / "t.report"), base_dir=str(_FOLDER))


def _pdf(body: str, rows=ROWS) -> bytes:
    pdf = _report(body).render("pdf", source=rows)
    assert isinstance(pdf, bytes)
    return pdf


def _typ(body: str, rows=ROWS) -> str:
    typ = _report(body).render("typ", source=rows)
    assert isinstance(typ, bytes)
    return typ.decode()


def _words(pdf: bytes, page: int = 0) -> list[tuple[str, float, float]]:
    """(text, x, y) of each text run on a page, in PDF points (y grows upwards)."""
    out: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            out.append((text.strip(), round(x, 1), round(y, 1)))

    pypdf.PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return out


def _at(words, text):
    found = [(x, y) for t, x, y in words if t.startswith(text)]
    assert found, f"{text!r} not on the page: {words}"
    return found[0]


def _rules(pdf: bytes) -> int:
    """The filled paths on the first page: Typst draws a rule as a thin filled shape."""
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    operations = ContentStream(page.get_contents(), page.pdf).operations
    return sum(1 for _, op in operations if op == b"f")


# ---- when ------------------------------------------------------------------------------


def test_when_leaves_elements_out_where_false_or_null():
    pdf = _pdf("""
  group region {
    footer {
      text "Many in {region}" when COUNT() > 1
      text "Has returns in {region}" when MIN(quantity) < 0
      text "Null hides {region}" when SUM(if(false, 1, null)) > 0
    }
  }
  detail { column product = product }
""")
    text = pdf_pages(pdf)[0]
    assert "Many in East" in text and "Many in West" not in text
    assert "Has returns in East" in text and "Has returns in West" not in text
    assert "Null hides" not in text


def test_when_in_a_header_waits_for_the_group_total():
    typ = _typ("""
  group region { header { text "Busy {region}" when COUNT() > 1 } }
  detail { column product = product }
""")
    assert 'if v1 != "" { rd-text(("Busy ", v0).join()) }' in typ
    body = typ.split("// ---- body")[1]
    assert '#rd-band-group-header-0("East", rd-d("0"))' in body  # the condition is deferred
    assert '"0": "1"' in typ and '"1": ""' in typ  # East has 2 rows, West 1


def test_a_style_when_and_an_element_when():
    """§16: `bold when a when b` is bold where a, shown only where b."""
    typ = _typ("""
  summary { text "x" bold when COUNT() > 100 when COUNT() > 0 }
""")
    assert 'if v1 != "" { rd-text("x", weight: if v0 != "" { "bold" } else { "regular" }) }' in typ
    pdf = _pdf('summary { text "Shown" bold when COUNT() > 100 when COUNT() > 0 }')
    assert "Shown" in pdf_pages(pdf)[0]


# ---- styles in detail -------------------------------------------------------------------


DETAIL_STYLES = """
  detail {
    style bold when amount > 1000
    background if(amount < 0, "#fdecea", null)
    column product "Product" = product strike when quantity == 2
    column amount "Amount" = amount | currency color if(amount < 0, "#b00020", null)
    column flag "" = "big" width 1cm when amount > 1000
  }
"""


def test_detail_row_and_column_styles_per_row():
    rows = [line for line in _typ(DETAIL_STYLES).splitlines() if line.startswith(("#rd-row(", "#rd-styled-row("))]
    assert rows == [
        '#rd-styled-row((weight: "bold"), "Widget", "$1,200.00", "big")',
        '#rd-styled-row((background: "#fdecea"), "Gadget", rd-cell("-$15.50", colour: "#b00020"), "")',
        '#rd-row(rd-cell("Gizmo", strike: true), "$80.00", "")',
    ]
    text = pdf_pages(_pdf(DETAIL_STYLES))[0]
    assert "Widget" in text and "$1,200.00" in text and "big" in text


def test_a_colour_from_the_data_that_is_no_colour_is_an_error():
    rows = [{**ROWS[0], "product": "red"}]
    with pytest.raises(ReportDataError, match='a colour must be a text "#RRGGBB"'):
        _pdf('detail {\n background product\n column product = product\n}', rows)


def test_a_bad_colour_through_the_cli_is_one_clean_error(tmp_path):
    (tmp_path / "rows.csv").write_text("region,product,amount,quantity\nEast,#12345x,1,1\n", encoding="utf-8")
    report = tmp_path / "t.report"
    detail = "detail {\n    color product\n    column product = product\n  }"
    report.write_text(f"report t {{\n  {SOURCE}\n  {detail}\n}}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "reportdsl", "build", str(report), "-o", str(tmp_path / "t.pdf")],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "'#12345x'" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "t.pdf").exists()


# ---- tables, spans, rules, grids -------------------------------------------------------------


COLUMNS = """
  columns {
    column region "Region" width 4cm
    column orders "Orders" width 2cm
    column amount "Amount" | currency width 3cm
  }
  group region {
    footer { row { region: region, orders: COUNT(), amount: SUM(amount) } }
  }
  summary {
    row { region..orders: "All regions together", amount: SUM(amount) } border top border bottom double
  }
"""


def test_a_columns_table_prints_group_rows_under_its_headings():
    pdf = _pdf(COLUMNS)
    text = pdf_pages(pdf)[0]
    assert "Region Orders Amount" in text
    assert "East 2 $1,184.50" in text and "West 1 $80.00" in text
    assert "Widget" not in text  # no detail rows
    words = _words(pdf)
    # amounts inherit the column's format and align right, like numbers in detail
    # columns: the narrower amount starts further right
    assert _at(words, "$80.00")[0] > _at(words, "$1,184.50")[0] + 5


def test_a_spanning_cell_is_one_line_across_its_columns():
    pdf = _pdf(COLUMNS)
    words = _words(pdf)
    x, y = _at(words, "All regions together")
    _, orders_heading_y = _at(words, "Orders")
    # one run on one line, starting in the first column; the next cell is on that line
    assert _at(words, "$1,264.50")[1] == y
    region_x, _ = _at(words, "Region")
    assert abs(x - region_x) < 1


def test_rules_on_rows_are_drawn():
    plain = _pdf(COLUMNS.replace(" border top border bottom double", ""))
    ruled = _pdf(COLUMNS)
    # the column headings' rule, then: a rule above and two below the total row
    assert _rules(ruled) == _rules(plain) + 3


def test_grid_blocks_stand_side_by_side():
    pdf = _pdf("""
  title {
    grid 1fr 1fr {
      block {
        text "Bill to" bold
        text "ACME Corp"
      }
      block { text "Invoice 2024-001" align right }
    }
  }
""")
    words = _words(pdf)
    bill_x, bill_y = _at(words, "Bill to")
    invoice_x, invoice_y = _at(words, "Invoice 2024-001")
    assert abs(invoice_y - bill_y) < 1 and invoice_x > bill_x + 200
    acme_x, acme_y = _at(words, "ACME Corp")
    assert acme_y < bill_y and acme_x == bill_x


def test_conditions_with_aggregates_are_in_the_json_totals():
    result = _report('summary { text "Returns" when COUNT(where quantity < 0) > 0 }').run(source=ROWS)
    assert result.totals["COUNT(wherequantity<0)"] == 1
