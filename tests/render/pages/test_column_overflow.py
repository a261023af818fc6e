"""Text never prints over a neighbouring column (LANGUAGE.md §14): words with no break
opportunity of their own (long numbers, codes, URLs) break inside their column.

Checked on the page itself: the pages are rendered to PNG and the gap between two
columns must stay blank on every table line; and on the text: every character of a
long code is printed, in order.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

import reportdsl
from reportdsl.render.document.overflow import (
    BUILTIN_FACE,
    UNKNOWN_FACE,
    OverflowTest,
    column_widths_pt,
    overflow_tests,
)

from ..support import pdf_pages

PPI = 144
CODES = [
    "12345678901234567890123",
    "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWW",
    "https://example.com/a/very/long/path/without/spaces/at/all",
    "short words that wrap nicely inside",
    "1234",
]
REPORT = """report overflow {
  page a5 margin 1cm
  detail {
    column code "Code" = code width 2cm
    column name "Name" = name width 3cm
    column amount "Amount" = amount
  }
}"""


def _rows():
    return [{"code": code, "name": "NextColumnStartsHere", "amount": 10 ** 30 + i} for i, code in enumerate(CODES)]


def _page(report) -> Image.Image:
    pages = report.render("png", source=_rows(), ppi=PPI)
    return Image.open(io.BytesIO(pages[0])).convert("L")


def _dark(pixel: int) -> bool:
    return pixel < 160


@pytest.mark.parametrize("gap_after", [0, 1])
def test_the_gap_between_columns_stays_blank(gap_after):
    report = reportdsl.compile(REPORT, filename="overflow.report")
    image = _page(report)
    widths = column_widths_pt(report.plan, list(report.plan.detail.columns))
    scale = PPI / 72
    left = 1 / 2.54 * 72  # the margin
    x0 = left + sum(w + 6 for w in widths[: gap_after + 1]) - 6  # the gap after this column's box
    strip = range(int((x0 + 1.5) * scale), int((x0 + 4.5) * scale))
    width, height = image.size
    pixels = image.load()
    marked = []
    for y in range(height):
        row_dark = sum(_dark(pixels[x, y]) for x in range(width))
        if row_dark > width * 0.3:
            continue  # a rule across the table
        if any(_dark(pixels[x, y]) for x in strip):
            marked.append(y)
    assert not marked, f"text in the gap after column {gap_after} at y={marked[:5]}…"


def test_every_character_of_a_long_word_is_printed():
    report = reportdsl.compile(REPORT, filename="overflow.report")
    pdf = report.render("pdf", source=_rows())
    text = re.sub(r"[\s\u200b]", "", pdf_pages(pdf)[0])
    for code in CODES:
        assert re.sub(r"\s", "", code) in text


def test_only_cells_that_may_overflow_are_measured():
    report = reportdsl.compile(REPORT, filename="overflow.report")
    typ = report.render("typ", source=_rows())
    assert isinstance(typ, bytes)
    rows = [line for line in typ.decode().splitlines() if line.startswith("#rd-row(")]
    assert rows[0].startswith('#rd-row(rd-breakable("12345678901234567890123"), rd-breakable(')
    assert rows[-1].startswith('#rd-row("1234", rd-breakable(')  # a short code is written as it is
    assert '"1000000000000000000000000000004")' in rows[-1]  # the wide amount column needs no measure


def test_the_estimate_errs_wide():
    test = OverflowTest(50.0, BUILTIN_FACE)
    assert not test("1234") and not test("iii") and not test("2024-01-31")
    assert test("WWWWWW") and test("12345678901")
    wide = OverflowTest(50.0, UNKNOWN_FACE)
    assert wide("2024-01-31") and not wide("1234")
    nowrap = REPORT.replace("column code", 'column code "Code" = code width 2cm nowrap\n    column c2')
    plan = reportdsl.compile(nowrap, filename="o.report").plan
    assert overflow_tests(plan, list(plan.detail.columns))[0] is None  # nowrap cuts instead


def test_an_absurd_column_width_costs_nothing():
    """Found by the fuzzer (seed 1802): `width 9999…9.4cm` made the row writer's int test
    raise 10 to a 60-digit power. The safe length is capped."""
    wide = REPORT.replace("column code \"Code\" = code width 2cm",
                          "column code \"Code\" = code width " + "9" * 60 + "1.4cm")
    report = reportdsl.compile(wide, filename="overflow.report")
    test = overflow_tests(report.plan, list(report.plan.detail.columns), BUILTIN_FACE)[0]
    assert test is not None and test.safe_length == 1_000
    typ = report.render("typ", source=_rows())
    assert isinstance(typ, bytes) and b'#rd-row("12345678901234567890123"' in typ
