"""Detail cells that may be wider than their column (LANGUAGE.md §14: text wraps inside
its column and never prints over a neighbouring one).

In: the plan's page setup and table columns. Out: ``overflow_tests(plan)``: per column,
a test text → bool, true when the text holds a word that may be wider than the
column's box by a generous estimate of its glyphs' widths. The row writer writes those
cells as ``rd-breakable(…)``, which measures them in Typst and breaks a word anywhere
only when it really is wider than the column (a word has no break opportunity of its
own: a long number, code or URL). The estimate errs wide, so a word it passes cannot
overflow, and the cells that fit are seldom measured: most rows pay nothing.
"""

from __future__ import annotations

import re
from decimal import Decimal

from reportdsl.language.papers import PAPER_BY_PLAN_NAME
from reportdsl.plan.models import Plan, TableColumn

_FONT_PT = 12.0  # a little above the built-in 10pt: templates may set a larger size
_GAP_PT = 6.0  # rd-column-gap
_POINTS = {"pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0, "em": _FONT_PT}
_LENGTH = re.compile(r"\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*(pt|mm|cm|in|em|fr)\s*")
# Em widths, generous for every face reportdsl ships or a template is likely to use.
_NARROW = frozenset("0123456789.,:;'!|-()[]/ iljtf")
_WIDE = frozenset("MWmw@%&")
_ISO_MM = {"a": (841, 1189), "iso-b": (1000, 1414)}
_US_MM = {"us-letter": (216, 279), "us-legal": (216, 356), "us-tabloid": (279, 432), "us-executive": (184, 267)}


def _em(ch: str) -> float:
    if ch in _NARROW:
        return 0.6
    if ch in _WIDE:
        return 1.05
    return 0.8 if ch.isascii() else 1.1  # CJK and other scripts: a full em and more


def _points(length: str) -> tuple[float, str]:
    match = _LENGTH.fullmatch(length)
    if match is None:
        return 0.0, "fr"
    number, unit = float(Decimal(match.group(1))), match.group(2)
    return (number, unit) if unit == "fr" else (number * _POINTS[unit], unit)


def _paper_width_pt(plan: Plan) -> float:
    name = plan.page.size
    paper = PAPER_BY_PLAN_NAME.get(name)
    width_mm: float
    height_mm: float
    if paper is not None and paper.width_mm is not None:
        width_mm, height_mm = paper.width_mm, paper.height_mm or paper.width_mm
    elif name in _US_MM:
        width_mm, height_mm = _US_MM[name]
    else:
        series = "iso-b" if name.startswith("iso-b") else "a"
        number = int(name[len(series):]) if name[len(series):].isdigit() else 4
        width_mm, height_mm = _ISO_MM[series]
        for _ in range(number):
            width_mm, height_mm = height_mm / 2, width_mm
    width_mm = max(width_mm, height_mm) if plan.page.landscape else min(width_mm, height_mm)
    return width_mm * 72 / 25.4


def column_widths_pt(plan: Plan, columns: list[TableColumn]) -> list[float]:
    """The width of each column's box in points, as rd-row lays them out."""
    available = _paper_width_pt(plan) - 2 * _points(plan.page.margin)[0]
    sizes = [_points(c.width or "1fr") for c in columns]
    fixed = sum(n for n, unit in sizes if unit != "fr")
    shares = sum(n for n, unit in sizes if unit == "fr") or 1.0
    rest = max(available - fixed - _GAP_PT * (len(columns) - 1), 0.0)
    return [n - _GAP_PT if unit != "fr" else rest * n / shares for n, unit in sizes]


class OverflowTest:
    """text → may a word of it be wider than ``width_pt``? ``safe_length``: no text
    this long or shorter can hold such a word (the row writer's fast path)."""

    def __init__(self, width_pt: float) -> None:
        self.width_pt = width_pt
        self.safe_length = max(int(width_pt / (_FONT_PT * 1.1)), 0)

    def __call__(self, text: str) -> bool:
        if len(text) <= self.safe_length:
            return False
        return any(len(word) > self.safe_length and sum(map(_em, word)) * _FONT_PT > self.width_pt
                   for word in text.split())


def overflow_tests(plan: Plan, columns: list[TableColumn]) -> list[OverflowTest | None]:
    """A test per column; None for a ``nowrap`` column (it cuts its text instead)."""
    widths = column_widths_pt(plan, columns)
    return [None if c.nowrap else OverflowTest(w) for c, w in zip(columns, widths, strict=True)]
