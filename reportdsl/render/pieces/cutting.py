"""Cutting a finished document's body into pieces that Typst lays out separately.

In: a ``TypstDocument`` (``sink.finish()``) and ``ChunkOptions`` (how long a piece
is, how many workers; ``wants_pieces`` says whether a document is long enough to cut).
Out: for a run of the body's *units* (``document/body.py``: a unit is one statement at
nesting depth 0, one line or a whole kept block; ``index_body`` finds them), the text
of a piece document (``piece_text``); after Typst has laid a piece out,
``choose_cut`` reads where its pages start and says how many of its pages are final
and which unit the next piece starts with.

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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reportdsl.render.document.body import BodyIndex, detail_start_line

if TYPE_CHECKING:  # the worker imports this module: keep it free of the renderer
    from reportdsl.render.document.sink import TypstDocument

DEFAULT_PIECE_LINES = 4000
SINGLE_DOCUMENT_PIECES = 5
START_MARKER = -1  # the marker before a piece's first unit: the y of a page's top
_TOP_TOLERANCE = 0.01  # pt
TAIL_QUERY = "<rd-tail>"
_TAIL = (
    "#context [#metadata((here().page(), query(<rd-unit>).map(m => "
    "(m.value, m.location().page(), m.location().position().y.pt())), "
    "query(<rd-pr>).map(m => (m.value, m.location().page()))))<rd-tail>]\n"
)  # the last: each detail row's page, where rows carry page markers (page_values.py)


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
        in Typst), one document is faster than pieces, even laid out side by side.
        Past it pieces cost little more CPU a row than one document (bench_chunked:
        0.22–0.23 CPU s per 1,000 rows at 100k and 1M, against 0.20 for one document
        of 10k), and two workers share it."""
        return self.long_enough(index.lines[-1])

    def long_enough(self, lines: int) -> bool:
        """Whether ``lines`` body lines are worth cutting; the sink's count (which also
        holds the two head lines) answers before the body is indexed."""
        return lines > self.piece_lines * SINGLE_DOCUMENT_PIECES


def boundary_after(index: BodyIndex, start: int, lines: int) -> int:
    """The end of a piece starting at ``start`` with about ``lines`` body lines (a
    detail row is a line; a kept group, its lines), and at least one unit."""
    end = bisect.bisect_left(index.lines, index.lines[start] + lines, lo=start + 1)
    return min(index.units, end)


def piece_text(document: TypstDocument, index: BodyIndex, start: int, end: int) -> bytes:
    """The Typst source of a piece: the prelude, the head, units ``[start, end)``, each
    with its marker."""
    parts = [document.prelude.read_bytes(), index.head_at(start)]
    if index.detail_start is not None and index.detail_start < start:
        # The pages of a piece inside the detail section carry the column headers.
        parts.append(detail_start_line(inline=False).encode())
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


TailValue = str | Sequence[Any]  # the <rd-tail> query's value: JSON, or as decoded
Marker = tuple[int, int, float]  # (unit, page, y in pt)


@dataclass(frozen=True)
class PieceLayout:
    """Where a laid-out piece's units fell: ``pages`` in all, and for each page the
    first unit on it with its y (pt). Every unit of a piece carries a marker
    (``piece_text``), so the first marker on a page is the first unit that starts there."""

    pages: int
    top: float | None  # the y of a page's top (the start marker's)
    first_on_page: dict[int, tuple[int, float]]
    markers: tuple[Marker, ...] = ()  # every (unit, page, y), the start marker's too
    rows: tuple[tuple[int, int], ...] = ()  # (row, page) of every row marker (page values)

    @classmethod
    def from_query(cls, value: TailValue) -> PieceLayout:
        """From the tail's value: ``[pages, [[unit, page, y], …], [[row, page], …]]``."""
        decoded: Sequence[Any] = json.loads(value) if isinstance(value, str) else value
        pages: int = decoded[0]
        markers: list[Marker] = [(unit, page, y) for unit, page, y in decoded[1]]
        top = None
        first: dict[int, tuple[int, float]] = {}
        for unit, page, y in markers:
            if unit == START_MARKER:
                top = y
                continue
            if page not in first or unit < first[page][0]:
                first[page] = (unit, y)
        rows = tuple((row, page) for row, page in decoded[2]) if len(decoded) > 2 else ()
        return cls(pages, top, first, tuple(markers), rows)


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
        if abs(y - layout.top) > _TOP_TOLERANCE:
            continue  # the unit before spilled onto this page
        if end - unit < lookahead:
            continue
        return Cut(keep=page - 1, next_start=unit)
    return None


def grown_lines(index: BodyIndex, start: int, end: int) -> int:
    """The body lines to lay out again from ``start`` when the piece ``[start, end)``
    held no cut (``choose_cut`` gave None: no page started cleanly far enough from its
    end): twice as many, so a piece grows past any page in a few steps."""
    return max(1, (index.lines[end] - index.lines[start]) * 2)
