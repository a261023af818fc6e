"""Where pages will start, predicted from the pieces laid out so far.

In: the body's ``BodyIndex`` and file, and each laid-out piece's ``PieceLayout``
(``learn``: its markers, ``(unit, page, y)`` for every unit of the piece). Out: ``page_starts(start,
end)`` — the units that start pages in a run of units laid out from the top of a page
— or ``None`` where the run holds a unit the plan cannot size.

Why: the cuts between pieces form a chain (a piece starts where the page before it
ended), so pieces can be laid out side by side only if the next cut is guessed right.
A detail row's height depends on its text alone: which fonts draw it (a row with
CJK text, drawn by the fallback font, is taller than a Latin one) and whether a cell
wraps. The plan sorts rows by *kind* — the scripts of their non-ASCII characters, by
the first word of each character's Unicode name — and learns each kind's height from
the rows laid out so far (one marker before each unit gives its y), and the bottom of
the page body from where pages ended. A kind seen with two heights (its rows wrap,
say) is unknown from then on, and so is any unit that is not a plain detail row
(bands, kept groups: their spacing and stickiness are the template's). The plan is a
guess that is checked: a piece laid out from a guessed start is used only if the real
cut lands there (``scheduler.py``), so a wrong guess costs time, never a wrong page.
"""

from __future__ import annotations

import unicodedata
from array import array
from itertools import pairwise

from reportdsl.render.document.body import ROW, BodyIndex
from reportdsl.render.page_values.values import ROW_MARKER, ROW_MARKER_END
from reportdsl.render.pieces.cutting import START_MARKER, PieceLayout

_ROW = ROW.encode()
_MARKED_ROW = ROW_MARKER.encode()  # a row with its page marker (page values)…
_MARKED_ROW_END = ROW_MARKER_END.encode()  # …which ends here, just before the row's call
_UNKNOWN = -1  # a unit that is not a plain detail row
_EPSILON = 0.001  # pt: Typst's positions are sums of floats
_BATCH = 4096  # units sorted at a time
_ASCII = bytes(range(128))
_TEXTS_KEPT = 10_000  # non-ASCII texts whose kind is remembered (then forgotten: bounded memory)
_SCRIPTS: dict[str, str] = {}


def _script(character: str) -> str:
    script = _SCRIPTS.get(character)
    if script is None:
        script = _SCRIPTS[character] = unicodedata.name(character, "?").split(" ", 1)[0]
    return script


def _is_row(data: bytes, start: int, stop: int) -> bool:
    """Whether the line ``data[start:stop]`` is a detail row, with or without its page marker."""
    if data.startswith(_ROW, start):
        return True
    if not data.startswith(_MARKED_ROW, start):
        return False
    end = data.find(_MARKED_ROW_END, start, stop)
    return end != -1 and data.startswith(_ROW, end + len(_MARKED_ROW_END))


class PagePlan:
    def __init__(self, body: str, index: BodyIndex) -> None:
        self.index = index
        self._body = body
        self._kinds: dict[frozenset, int] = {frozenset(): 0}
        self._unit_kind = array("i")  # filled as far as asked
        self._kind_by_text: dict[bytes, int] = {}  # a row's non-ASCII bytes: its kind
        self._height: dict[int, float | None] = {}  # None: seen with two heights
        self.top: float | None = None  # the y of a page's first unit
        self._fits = float("-inf")  # a row ending here fits on a page
        self._breaks = float("inf")  # a row ending here starts the next page
        self._next_page: dict[int, int] = {}  # a page starting at unit u: the next one's first unit
        self.learnt = 0  # layouts learnt from
        # Why the last ``next_page`` gave None: a row of a kind whose height is not known
        # yet, or that ends between what fits and what breaks — which a layout of that
        # page would teach — rather than a unit that is not a plain row (a band).
        self.stopped_at_row = False

    # ---- learning ------------------------------------------------------------------------

    def learn(self, layout: PieceLayout) -> None:
        """Heights of kinds, and the page body's bottom, from one laid-out piece whose
        units all carry markers."""
        self.learnt += 1
        marks = sorted((unit, page, y) for unit, page, y in layout.markers if unit != START_MARKER)
        if layout.top is not None:
            self.top = layout.top
        if not marks:
            return
        if marks[-1][0] >= len(self._unit_kind):
            self._sort_rows(min(self.index.units, marks[-1][0] + 1))
        kinds = self._unit_kind
        for (unit, page, y), (after, next_page, next_y) in pairwise(marks):
            if after == unit + 1 and next_page == page and kinds[unit] != _UNKNOWN and kinds[after] != _UNKNOWN:
                self._learn_height(kinds[unit], next_y - y)
        for (unit, page, y), (after, next_page, next_y) in pairwise(marks):
            if after != unit + 1 or next_page != page + 1 or self.top is None or abs(next_y - self.top) > _EPSILON:
                continue
            height, next_height = self._row_height(unit), self._row_height(after)
            if height is not None and next_height is not None:
                self._fits = max(self._fits, y + height)
                self._breaks = min(self._breaks, y + height + next_height)

    def _learn_height(self, kind: int, height: float) -> None:
        known = self._height.get(kind, height)
        if known is not None and abs(known - height) > _EPSILON:
            self._height[kind] = None
            self._next_page.clear()  # pages planned with the old height may be wrong
        elif kind not in self._height:
            self._height[kind] = height

    # ---- predicting ----------------------------------------------------------------------

    def page_starts(self, start: int, end: int) -> list[int] | None:
        """The units in ``[start, end)`` that start a page, ``start`` first, when ``start``
        starts one; ``None`` if some page in the run cannot be planned. (The last page
        may be cut short by ``end``.)"""
        starts = [start]
        while True:
            after = self.next_page(starts[-1], end)
            if after is None:
                return None
            if after >= end:
                return starts
            starts.append(after)

    def reach(self, start: int) -> list[int]:
        """The page starts from ``start`` (which starts a page) as far as the plan goes."""
        starts = [start]
        while (after := self.next_page(starts[-1])) is not None and after < self.index.units:
            starts.append(after)
        return starts

    def next_page(self, first: int, limit: int | None = None) -> int | None:
        """The first unit of the page after the one that starts with unit ``first``;
        ``limit`` if that page runs on to it (what comes after does not matter)."""
        known = self._next_page.get(first)
        if known is not None:
            return known
        self.stopped_at_row = False
        if self.top is None or self._breaks == float("inf"):
            return None
        kinds, heights, units = self._unit_kind, self._height, self.index.units
        fits, breaks = self._fits + _EPSILON, self._breaks - _EPSILON
        y = self.top
        unit = first
        stop = units if limit is None else min(limit, units)
        while unit < stop:
            if unit >= len(kinds):
                self._sort_rows(min(units, unit + _BATCH))
            kind = kinds[unit]
            height = None if kind == _UNKNOWN else heights.get(kind)
            if height is None:
                self.stopped_at_row = kind != _UNKNOWN and kind not in heights
                return None
            y += height
            if unit > first:
                if y >= breaks:
                    self._next_page[first] = unit
                    return unit
                if y > fits:
                    self.stopped_at_row = True
                    return None  # between what is known to fit and known to break
            unit += 1
        if stop == units:
            self._next_page[first] = units
        return stop

    def _row_height(self, unit: int) -> float | None:
        if unit >= len(self._unit_kind):
            self._sort_rows(min(self.index.units, unit + _BATCH))
        kind = self._unit_kind[unit]
        return None if kind == _UNKNOWN else self._height.get(kind)

    def _sort_rows(self, end: int) -> None:
        """The kind of every unit up to ``end``, read from the body a batch at a time."""
        kinds, offsets, lines, by_text = self._unit_kind, self.index.offsets, self.index.lines, self._kind_by_text
        first = len(kinds)
        base = offsets[first]
        with open(self._body, "rb") as body:
            body.seek(base)
            data = body.read(offsets[end] - base)
        for unit in range(first, end):
            start, stop = offsets[unit] - base, offsets[unit + 1] - base
            if lines[unit + 1] - lines[unit] != 1 or not _is_row(data, start, stop):
                kinds.append(_UNKNOWN)
                continue
            text = data[start:stop]
            if text.isascii():
                kinds.append(0)
                continue
            others = text.translate(None, _ASCII)
            kind = by_text.get(others)
            if kind is None:
                if len(by_text) >= _TEXTS_KEPT:
                    by_text.clear()
                scripts = frozenset(map(_script, others.decode("utf-8", "replace")))
                kind = by_text[others] = self._kinds.setdefault(scripts, len(self._kinds))
            kinds.append(kind)
