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
from typing import NamedTuple

from reportdsl.language.papers import PAPER_BY_PLAN_NAME
from reportdsl.plan.models import Plan, TableColumn

_LENGTH = re.compile(r"\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*(pt|mm|cm|in|em|fr)\s*")
_ISO_MM = {"a": (841, 1189), "iso-b": (1000, 1414)}
_US_MM = {"us-letter": (216, 279), "us-legal": (216, 356), "us-tabloid": (279, 432), "us-executive": (184, 267)}
_BOLD = 1.08  # bold is up to this much wider; every cell is estimated as if bold


def _table(groups: dict[float, str]) -> dict[str, float]:
    return {ch: width / 10 for width, chars in groups.items() for ch in chars}


# Advance widths in em of the printable ASCII characters, measured with Typst at 10pt
# (+3 %), per face. SERIF: Libertinus Serif, the built-in template's. WIDE: DejaVu
# Sans, wider than most faces: for templates whose face is not known. Other
# characters count 1.1 em (CJK is 1 em).
SERIF = _table({
    2.0: "'", 2.2: "|", 2.3: ",.", 2.5: ":;", 2.6: " ", 2.8: "il", 2.9: "j{}", 3.0: "!\\", 3.1: "I()",
    3.2: "f", 3.3: "t", 3.4: "J/", 3.5: '"-', 3.7: "[]", 3.9: "r*", 4.1: "s`", 4.4: "z", 4.5: "c?",
    4.7: "e~", 4.8: "0123456789a#$", 5.0: "FS", 5.1: "bx_", 5.2: "goqv", 5.3: "dk", 5.4: "py^",
    5.5: "uL", 5.6: "hnP", 5.7: "+<=>", 5.8: "E", 6.0: "Y", 6.1: "BR", 6.2: "T", 6.3: "Z", 6.6: "K%",
    6.7: "C", 6.8: "VX", 6.9: "U", 7.1: "G", 7.2: "AN", 7.3: "DOQ&", 7.6: "H", 7.7: "w", 8.2: "m",
    8.7: "M", 9.3: "@", 9.8: "W",
})
WIDE = _table({
    2.9: "ijl'", 3.1: "IJ", 3.3: ",. ", 3.5: "/:;\\|", 3.7: "f", 3.8: "-", 4.1: "t()[]", 4.2: "!", 4.3: "r",
    4.8: '"', 5.2: "*_`", 5.4: "s", 5.5: "z?", 5.7: "c", 5.8: "L", 6.0: "kF", 6.1: "vxy", 6.3: "PTY",
    6.4: "aeo", 6.6: "0123456789bdghnpquES${}", 6.8: "K", 7.1: "ABVXZ", 7.2: "CR", 7.6: "U", 7.8: "HN",
    8.0: "DG", 8.1: "&", 8.2: "OQ", 8.5: "w", 8.7: "#+<=>^~", 8.9: "M", 9.8: "%", 10.1: "m", 10.2: "W",
    10.4: "@",
})


# IBM Plex Sans, bold, tabular figures: the `business` template's.
PLEX = _table({
    2.5: " ", 2.8: "'", 3.0: "ij", 3.2: "l,.", 3.3: "!", 3.4: ":;", 3.5: "()[]", 3.8: "f", 3.9: "{}", 4.0: "t",
    4.2: "r-|", 4.5: "I", 4.8: "/\\", 5.1: '"', 5.2: "s?", 5.4: "cz", 5.5: "L", 5.6: "vy", 5.7: "g",
    5.8: "exJ_", 5.9: "ao", 6.0: "k", 6.1: "FT", 6.2: "0123456789hnu$*+<=>^`~", 6.3: "bdpqEZ", 6.5: "S",
    6.6: "#", 6.7: "VY", 6.8: "CP", 6.9: "B", 7.0: "RX", 7.1: "A", 7.2: "DKU", 7.4: "OQ", 7.5: "GHN&",
    8.5: "M", 8.7: "w", 9.3: "m", 9.4: "@", 10.1: "W%",
})


class Face(NamedTuple):
    """What the estimate assumes of the detail rows' text and the table."""

    widths: dict[str, float]  # em by character
    size_pt: float
    gap_pt: float = 6.0  # rd-column-gap


BUILTIN_FACE = Face(SERIF, 10.0)
UNKNOWN_FACE = Face(WIDE, 12.0, 8.0)
BUILTIN_FACES = {
    "report.typ.j2": BUILTIN_FACE,
    "business.typ.j2": Face(PLEX, 9.0, 8.0),
    "business-striped.typ.j2": Face(PLEX, 9.0, 8.0),
}
_FONT_SIZE = re.compile(r"^#let rd-font-size = (\d+(?:\.\d+)?)pt\b", re.M)


def template_face(template_name: str, builtin: bool, preamble: str) -> Face:
    """The face the estimate assumes for a document's preamble: a built-in template's
    own, else the wide one at the preamble's ``rd-font-size`` (12 pt if it sets none)."""
    if builtin and template_name in BUILTIN_FACES:
        return BUILTIN_FACES[template_name]
    size = _FONT_SIZE.search(preamble)
    return Face(WIDE, max(float(size.group(1)), 10.0) if size else UNKNOWN_FACE.size_pt, UNKNOWN_FACE.gap_pt)


def _points(length: str) -> tuple[float, str]:
    match = _LENGTH.fullmatch(length)
    if match is None:
        return 0.0, "fr"
    number, unit = float(Decimal(match.group(1))), match.group(2)
    points = {"pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0, "em": 10.0}
    return (number, unit) if unit == "fr" else (number * points[unit], unit)


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


def column_widths_pt(plan: Plan, columns: list[TableColumn], gap_pt: float = 6.0) -> list[float]:
    """The width of each column's box in points, as rd-row lays them out."""
    available = _paper_width_pt(plan) - 2 * _points(plan.page.margin)[0]
    sizes = [_points(c.width or "1fr") for c in columns]
    fixed = sum(n for n, unit in sizes if unit != "fr")
    shares = sum(n for n, unit in sizes if unit == "fr") or 1.0
    rest = max(available - fixed - gap_pt * (len(columns) - 1), 0.0)
    return [n - gap_pt if unit != "fr" else rest * n / shares for n, unit in sizes]


SAFE_LENGTH_CAP = 1_000


class OverflowTest:
    """text → may a word of it be wider than ``width_pt`` in ``face``? ``safe_length``:
    no text this long or shorter can hold such a word (the row writer's fast path)."""

    def __init__(self, width_pt: float, face: Face) -> None:
        widest = max(face.widths.values())
        self.limit_em = width_pt / (face.size_pt * _BOLD)
        self.widths = face.widths
        # capped: a cell's text is at most 100,000 characters, and the row writer's int
        # test raises 10 to this power (an absurd width must not make that a huge number)
        self.safe_length = min(max(int(self.limit_em / max(widest, 1.1)), 0), SAFE_LENGTH_CAP)

    def __call__(self, text: str) -> bool:
        if len(text) <= self.safe_length:
            return False
        get, limit, safe = self.widths.get, self.limit_em, self.safe_length
        return any(len(word) > safe and sum(get(ch, 1.1) for ch in word) > limit for word in text.split())


def overflow_tests(plan: Plan, columns: list[TableColumn], face: Face = UNKNOWN_FACE) -> list[OverflowTest | None]:
    """A test per column; None for a ``nowrap`` column (it cuts its text instead)."""
    widths = column_widths_pt(plan, columns, face.gap_pt)
    return [None if c.nowrap else OverflowTest(w, face) for c, w in zip(columns, widths, strict=True)]
