"""Cutting a finished document's body into pieces that Typst lays out separately.

In: a ``TypstDocument`` (``sink.finish()``) and ``ChunkOptions`` (how long a piece
is, how many workers; ``wants_pieces`` says whether a document is long enough to cut).
Out: ``BodyIndex`` — where each body *unit* starts (a unit is one statement at nesting depth 0: one line, or a whole
``#rd-keep[`` … ``]`` block) — and, for a run of units, the text of a piece document
(``piece_text``); after Typst has laid a piece out, ``choose_cut`` reads where its
pages start and says how many of its pages are final and which unit the next piece
starts with.

Why the cut is exact: a piece ``[a, b)`` is laid out from the top of a page. Its
pages are the single document's pages as long as unit ``a`` starts a page there too,
except the last page, which the next units would have continued. So the next piece
starts with the first unit of a page that (1) begins with that unit at the top of
the page — nothing spilled over from the unit before — and (2) leaves enough units
after it inside this piece that nothing laid out before it could have looked past the
piece's end (a sticky group header, a kept block). Page layout depends on nothing
but the units from a page's top onwards (fixed margins, fixed page bands), so the next
piece, starting at that unit on a fresh page, continues exactly as the single document
would.

Markers: every unit of a piece is preceded by an invisible ``#metadata(UNIT)<rd-unit>``
(the scheduler's ``page_plan`` learns row heights from them; they cost no measurable
layout time); one at the piece's start gives the y of a page's top. A ``#context`` at
the end of the piece gathers ``(unit, page, y)`` for each marker and the last page's
number, read back with ``typst.Compiler.query`` (which reuses the layout just made, so
it costs nothing).
"""

from __future__ import annotations

import bisect
import json
import os
from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:  # the worker imports this module: keep it free of the renderer
    from reportdsl.render.document.sink import TypstDocument

_OPEN = b"#rd-keep[\n"
_CLOSE = b"]\n"
_DETAIL_START = b"#rd-detail-start("
_HEAD = (b"#show: rd-document", b"#rd-start()")
DEFAULT_PIECE_LINES = 4000
SINGLE_DOCUMENT_PIECES = 5
START_MARKER = -1  # the marker before a piece's first unit: the y of a page's top
_TOP_TOLERANCE = 0.01  # pt
TAIL_QUERY = "<rd-tail>"
_TAIL = (
    "#context [#metadata((here().page(), query(<rd-unit>).map(m => "
    "(m.value, m.location().page(), m.location().position().y.pt()))))<rd-tail>]\n"
)


@dataclass(frozen=True)
class BodyIndex:
    """Where each unit of ``body.typ`` starts (byte offsets), after the two head lines."""

    head: bytes  # the #show and #rd-start() lines every piece repeats
    offsets: array  # offsets[i] = start of unit i; offsets[-1] = end of the body
    lines: array  # lines[i] = body lines before unit i; lines[-1] = all of them
    detail_start: int | None  # the unit that starts the detail section

    @property
    def units(self) -> int:
        return len(self.offsets) - 1


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ChunkOptions:
    jobs: int | None = None  # worker processes; None: the cores available
    piece_lines: int = DEFAULT_PIECE_LINES  # body lines: a detail row is one

    @property
    def workers(self) -> int:
        return max(1, self.jobs or available_cores())

    def wants_pieces(self, index: BodyIndex) -> bool:
        """A report small enough for one document is built as one: up to
        ``SINGLE_DOCUMENT_PIECES`` pieces' worth of lines (20,000 by default, ~600 MB
        in Typst), one document is faster than pieces, even laid out side by side
        (measured at 20k rows: pieces took 1.1–1.2× as long; at 100k, 0.6–0.8×)."""
        return self.long_enough(index.lines[-1])

    def long_enough(self, lines: int) -> bool:
        """Whether ``lines`` body lines are worth cutting; the sink's count (which also
        holds the two head lines) answers before the body is indexed."""
        return lines > self.piece_lines * SINGLE_DOCUMENT_PIECES


def index_body(document: "TypstDocument") -> BodyIndex | None:
    """The units of ``document``'s body; ``None`` when the body has no page structure
    to cut (no ``#show``/``#rd-start`` head, e.g. a hand-written template's body)."""
    offsets = array("q")
    lines = array("q")
    detail_start = None
    depth = 0
    with open(document.body, "rb") as body:
        head = body.readline() + body.readline()
        if not all(line.startswith(prefix) for line, prefix in zip(head.splitlines(), _HEAD)):
            return None
        position, number = len(head), 0
        for line in body:
            if depth == 0:
                if detail_start is None and line.startswith(_DETAIL_START):
                    detail_start = len(offsets)
                offsets.append(position)
                lines.append(number)
            if line == _OPEN:
                depth += 1
            elif line == _CLOSE and depth:
                depth -= 1
            position += len(line)
            number += 1
    offsets.append(position)
    lines.append(number)
    return BodyIndex(head, offsets, lines, detail_start)


def boundary_after(index: BodyIndex, start: int, lines: int) -> int:
    """The end of a piece starting at ``start`` with about ``lines`` body lines (a
    detail row is a line; a kept group, its lines), and at least one unit."""
    end = bisect.bisect_left(index.lines, index.lines[start] + lines, lo=start + 1)
    return min(index.units, end)


def piece_text(document: "TypstDocument", index: BodyIndex, start: int, end: int) -> bytes:
    """The Typst source of a piece: the prelude, the head, units ``[start, end)``, each
    with its marker."""
    parts = [document.prelude.read_bytes(), index.head]
    if index.detail_start is not None and index.detail_start < start:
        # The pages of a piece inside the detail section carry the column headers.
        parts.append(b"#rd-detail-start(inline: false)\n")
    parts.append(b"#metadata(%d)<rd-unit>\n" % START_MARKER)
    offsets = index.offsets
    base = offsets[start]
    with open(document.body, "rb") as body:
        body.seek(base)
        units = body.read(offsets[end] - base)
    for unit in range(start, end):
        parts.append(b"#metadata(%d)<rd-unit>\n" % unit)
        parts.append(units[offsets[unit] - base:offsets[unit + 1] - base])
    parts.append(_TAIL.encode())
    return b"".join(parts)


@dataclass(frozen=True)
class PieceLayout:
    """Where a laid-out piece's marked units fell: ``pages`` in all, and for each
    page the first marked unit on it with its y (pt)."""

    pages: int
    top: float | None  # the y of a page's top (the start marker's)
    first_on_page: dict[int, tuple[int, float]]
    marked_from: int  # the first marked unit (markers before it are not known)
    markers: tuple = ()  # every (unit, page, y), the start marker's too

    @classmethod
    def from_query(cls, value: str | Sequence) -> "PieceLayout":
        pages, markers = json.loads(value) if isinstance(value, str) else value
        top = None
        first: dict[int, tuple[int, float]] = {}
        marked_from = None
        for unit, page, y in markers:
            if unit == START_MARKER:
                top = y
                continue
            if marked_from is None or unit < marked_from:
                marked_from = unit
            if page not in first or unit < first[page][0]:
                first[page] = (unit, y)
        return cls(pages, top, first, marked_from if marked_from is not None else -1, tuple(markers))


@dataclass(frozen=True)
class Cut:
    keep: int  # pages of the piece that are final
    next_start: int  # the unit the next piece starts with


def choose_cut(layout: PieceLayout, end: int, lookahead: int) -> Cut | None:
    """The last page of the piece that starts cleanly with a unit, leaving at least
    ``lookahead`` units after it; ``None`` when no page qualifies (the piece must
    grow)."""
    if layout.top is None:
        return None
    for page in range(layout.pages, 1, -1):
        found = layout.first_on_page.get(page)
        if found is None:
            continue
        unit, y = found
        if unit <= layout.marked_from:
            return None  # earlier units were not marked: this may not be the page's first
        if abs(y - layout.top) > _TOP_TOLERANCE:
            continue  # the unit before spilled onto this page
        if end - unit < lookahead:
            continue
        return Cut(keep=page - 1, next_start=unit)
    return None
