"""Structural layout checks on real PDFs of the example reports, in both built-in looks,
read back with ``pdf_layout``: no cell of a table row crosses into the next column,
and each page runs header → column headers → body → footer with the right numbers.

The column grid is the one docs/templates.md states: from the left margin, each
column a box (a fixed width less the gap between columns, or its share of what the
fixed ones leave), a gap between boxes. A table row (detail or `row`) is a line whose
text falls in several runs apart (cells); each run must sit in the box it starts in
(left aligned) or ends in (right aligned).
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from pathlib import Path

import pytest

import reportdsl

from ..pdf_layout import Line, Page, Word, read_pages

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
COLUMN_GAP = {"report": 6.0, "business": 8.0}  # rd-column-gap of each template
CELL_GAP = 4.0  # wider than a word space (about 2.5pt), narrower than any column gap
TOLERANCE = 0.5  # points

REPORTS = {
    "sales_by_region": {"since": "2024-09-01"},
    "ar_aging": {},
    "inventory_valuation": {},
    "pnl_ytd": {"from": "2026-01-01"},
}
_UNITS = {"pt": Decimal(1), "mm": Decimal(72) / Decimal("25.4"), "cm": Decimal(720) / Decimal("25.4"),
          "in": Decimal(72)}


def _points(length: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)\s*(pt|mm|cm|in)", length.strip()).groups()  # type: ignore[union-attr]
    return float(Decimal(number) * _UNITS[unit])


@functools.cache
def _built(name: str, template: str) -> tuple[reportdsl.api.Report, list[Page]]:
    report = reportdsl.compile_file(EXAMPLES / f"{name}.report")
    pdf = report.render(format="pdf", params=REPORTS[name], template=template)
    return report, read_pages(pdf)


def column_boxes(report, page: Page, gap: float) -> list[tuple[float, float, str]]:
    """(x0, x1, alignment) of each detail column's box on ``page``."""
    plan = report.plan
    margin = _points(plan.page.margin)
    columns = plan.detail.columns
    widths = [c.width or "1fr" for c in columns]
    fixed = sum(_points(w) - gap for w in widths if not w.endswith("fr"))
    shares = sum(float(w[:-2]) for w in widths if w.endswith("fr"))
    left = page.width - 2 * margin - fixed - gap * (len(columns) - 1)
    boxes, x = [], margin
    for i, (column, width) in enumerate(zip(columns, widths, strict=True)):
        x += gap if i else 0.0
        size = left * float(width[:-2]) / shares if width.endswith("fr") else _points(width) - gap
        numeric = column.type in ("int", "decimal", "float")
        boxes.append((x, x + size, column.align or ("right" if numeric else "left")))
        x += size
    return boxes


def _anchor(cell: tuple[Word, ...], boxes) -> tuple[float, float, str] | None:
    """The box a cell is aligned in: it starts at a left box's start, ends at a right
    box's end, or is centred in a centred box."""
    x0, x1 = cell[0].x0, max(w.x1 for w in cell)
    for box in boxes:
        start, end, align = box
        if (align == "left" and abs(x0 - start) <= TOLERANCE or align == "right" and abs(x1 - end) <= TOLERANCE
                or align == "center" and abs((x0 + x1) / 2 - (start + end) / 2) <= TOLERANCE):
            return box
    return None


def crossings(line: Line, boxes) -> list[str]:
    """What is wrong with a table row ``line``: a cell aligned in no column, or one
    that leaves its column's box. A line of one run (a text element) is no row."""
    cells = line.segments(CELL_GAP)
    if len(cells) < 2:
        return []
    found = []
    for cell in cells:
        text = " ".join(w.text for w in cell)
        box = _anchor(cell, boxes)
        if box is None:
            found.append(f"'{text}' ({cell[0].x0:.1f}–{cell[-1].x1:.1f}) lines up with no column")
        elif cell[0].x0 < box[0] - TOLERANCE or max(w.x1 for w in cell) > box[1] + TOLERANCE:
            found.append(f"'{text}' ({cell[0].x0:.1f}–{cell[-1].x1:.1f}) crosses out of its column "
                         f"({box[0]:.1f}–{box[1]:.1f})")
    return found


def test_the_crossing_check_sees_a_cell_cross_into_the_next_column():
    boxes = [(40.0, 100.0, "left"), (106.0, 200.0, "right")]
    fits = Line((Word("Laptop", 40.0, 70.0, 90.0, "F", 9.0), Word("$1.00", 180.0, 200.0, 90.0, "F", 9.0)))
    assert crossings(fits, boxes) == []
    wide = Line((Word("Laptopsleevewithamuchtoolongname", 40.0, 130.0, 90.0, "F", 9.0),
                 Word("$1.00", 180.0, 200.0, 90.0, "F", 9.0)))
    assert crossings(wide, boxes) == ["'Laptopsleevewithamuchtoolongname' (40.0–130.0) crosses out of its column "
                                      "(40.0–100.0)"]
    stray = Line((Word("Laptop", 40.0, 70.0, 90.0, "F", 9.0), Word("$1.00", 150.0, 170.0, 90.0, "F", 9.0)))
    assert crossings(stray, boxes) == ["'$1.00' (150.0–170.0) lines up with no column"]


@pytest.mark.parametrize("template", sorted(COLUMN_GAP))
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_no_cell_crosses_into_the_next_column(name, template):
    report, pages = _built(name, template)
    rows = 0
    problems = []
    for page in pages:
        boxes = column_boxes(report, page, COLUMN_GAP[template])
        for line in page.lines:
            found = crossings(line, boxes)
            rows += len(line.segments(CELL_GAP)) > 1
            problems += [f"page {page.number}, '{line.text}': {p}" for p in found]
    assert problems == []
    assert rows >= len(pages) * 3  # the check saw the table rows (not a vacuous pass)


@pytest.mark.parametrize("template", sorted(COLUMN_GAP))
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_each_page_runs_header_colheads_body_footer(name, template):
    report, pages = _built(name, template)
    labels = " ".join(c.label for c in report.plan.detail.columns)
    columns = len(report.plan.detail.columns)
    for page in pages:
        texts = [line.text for line in page.lines]
        # the footer is the last thing on the page, with this page's number and the count
        assert texts[-1] == f"Page {page.number} of {len(pages)}", texts[-3:]
        assert page.lines[-1].y < page.height - _points(report.plan.page.margin) + TOLERANCE
        # the column headers print once a page, above every table row (a long label
        # wraps in its column: its first line is on the headers' line)
        heads = [i for i, line in enumerate(page.lines)
                 if len(line.words) >= columns and _squeezed(labels).startswith(_squeezed(line.text))]
        assert len(heads) == 1, (page.number, texts[:6])
        boxes = column_boxes(report, page, COLUMN_GAP[template])
        first_row = next(i for i, line in enumerate(page.lines)
                         if len(line.segments(CELL_GAP)) > 1 and i != heads[0] and not crossings(line, boxes))
        assert heads[0] < first_row
        # the page header comes first on every page
        assert texts[0] == pages[0].lines[0].text


def _squeezed(text: str) -> str:
    return text.replace(" ", "")
