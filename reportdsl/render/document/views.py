"""What templates see: one view per band, element, column and group (docs/templates.md).

In: nothing (definitions only); ``layout.DocumentLayout`` builds them from the plan.
Out: NamedTuples whose ``TypstCode`` fields are Typst source the renderer built from
checked tokens and value parameters (``v0`` …); every other string is quoted by the
template environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from reportdsl.render.document.typst_text import TypstCode

# ---- what templates see ------------------------------------------------------------
# Views are NamedTuples: one costs ~0.1 ms to define where a frozen dataclass costs
# ~0.5 ms, and every build defines them all (measured with callgrind: ~15 M instructions
# of a one-page build).


class PartView(NamedTuple):
    kind: str  # "text" | "value" | "page"
    expr: TypstCode  # a Typst expression giving a string (or content, for "page")
    text: str | None = None  # the literal, for kind "text"
    which: str | None = None  # "page" | "pages", for kind "page"


class TextView(NamedTuple):
    parts: list[PartView]
    expr: TypstCode  # the whole paragraph as one Typst expression
    bold: bool  # constant styles (computed ones are in `style`)
    italic: bool
    size: TypstCode | None
    color: TypstCode | None
    align: TypstCode | None
    kind: str = "text"
    style: TypstCode = TypstCode("")  # ", weight: …, strike: …": every style, ready (styling.py)
    when: TypstCode | None = None  # a Typst condition: draw the element only where true


class CellView(NamedTuple):
    expr: TypstCode  # the cell's text
    column: int  # the first column it fills
    colspan: int  # how many columns it fills (§14 `FIRST..LAST:`)


class RowView(NamedTuple):
    cells: list[TypstCode]  # one per table column, "" where the row names none (or a span covers it)
    kind: str = "row"
    spans: list[CellView] = []  # the cells in column order, with their spans: set when one spans
    style: TypstCode = TypstCode("")  # ", weight: …, top: …, bottom: …" (styling.py)
    when: TypstCode | None = None


class LineView(NamedTuple):
    kind: str = "line"
    when: TypstCode | None = None


class SpaceView(NamedTuple):
    length: TypstCode
    kind: str = "space"
    when: TypstCode | None = None


class ImageView(NamedTuple):
    path: str  # inside the compile root, e.g. "assets/0-logo.png"
    width: TypstCode | None
    kind: str = "image"
    when: TypstCode | None = None


class GridView(NamedTuple):
    widths: TypstCode  # a Typst array of lengths: "(1fr, 2fr)"
    blocks: list[list[ElementView]]
    kind: str = "grid"
    when: TypstCode | None = None


ElementView = TextView | RowView | LineView | SpaceView | ImageView | GridView


class BandView(NamedTuple):
    role: str  # title page_header page_footer group_header group_footer group_repeat summary no_data
    function: TypstCode  # the Typst function the template defines for it
    params: list[TypstCode]  # its parameters, v0 v1 …
    signature: TypstCode  # the parameters as written in the definition: "v0, v1"
    elements: list[ElementView]
    level: int | None = None  # the group level, for group bands
    group: str | None = None  # the group name, for group bands


@dataclass(frozen=True)
class ColumnView:  # a dataclass: its field `index` would shadow tuple.index
    index: int
    name: str
    label: str
    align: TypstCode
    align_name: str  # "left" | "center" | "right"
    width: TypstCode
    fraction: bool  # an fr width (a share of what fixed widths leave)
    numeric: bool
    nowrap: bool = False  # §14: one line, cut with an ellipsis where it does not fit


class GroupView(NamedTuple):
    level: int
    name: str
    new_page: bool
    keep_together: bool
    header: BandView | None
    footer: BandView | None
    repeat: BandView | None = None  # §14 repeat_header: the header as repeated on the pages it continues on
