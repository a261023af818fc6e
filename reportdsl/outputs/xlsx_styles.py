"""LANGUAGE.md §14 styles in the workbook: what a styled element or detail row looks like.

In: a plan ``Styled`` (an element, a detail column, the detail band's row styles) —
constant flags and colours, or the Values that decide them per band instance or row —
and the values of that instance. Out: a ``Look`` (bold, italic, strike, font colour,
fill), and through ``CellLooks`` the cell writers of a column or line in that look
(``xlsx_cells``: one xlsxwriter format per distinct style, made when first used).

- ``bold``/``italic``/``strike`` → the font's weight, slant and strikeout; ``… when
  COND`` applies where COND is true (false and null: not). A band's own default (footer
  and summary rows are bold) holds unless the element says ``bold when …``, which
  replaces it, as on the page.
- ``color``/``background`` → font colour and a solid fill; a computed one is
  ``"#RRGGBB"`` or null (none); anything else stops the build with the page's error
  (``render/document/styling.colour_text``).
- In ``detail`` a cell's look is its column's over its row's: flags add up, a column's
  colour or fill wins over the row's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from reportdsl.outputs.xlsx_cells import CellWriters, CellXml, Style
from reportdsl.plan.models import DetailBand, Format, Styled
from reportdsl.render.document.styling import colour_text

_FLAGS = ("bold", "italic", "strike")
_COLOURS = ("color", "background")


class Look(NamedTuple):
    bold: bool = False
    italic: bool = False
    strike: bool = False
    color: str | None = None  # "#RRGGBB", upper case (one format per colour)
    background: str | None = None

    def over(self, row: Look) -> Look:
        """This (a cell's) look over its row's."""
        if row == PLAIN:
            return self
        return Look(self.bold or row.bold, self.italic or row.italic, self.strike or row.strike,
                    self.color or row.color, self.background or row.background)

    @property
    def fills(self) -> bool:
        return self.background is not None


PLAIN = Look()


def _colour(value: str | None) -> str | None:
    return value.upper() if value else None


class LookRule:
    """The ``Look`` of one ``Styled`` for the values of a band instance or a row.
    ``value_ids``: the Values it reads (conditions, computed colours), in the order
    ``look`` expects their positions."""

    def __init__(self, styled: Styled, *, bold: bool = False) -> None:
        # `bold`: the band's default weight, which `bold when …` replaces
        self.fixed = Look(
            bold=styled.bold or (bold and styled.bold_when is None),
            italic=styled.italic,
            strike=styled.strike,
            color=_colour(styled.color),
            background=_colour(styled.background),
        )
        self.value_ids: list[str] = []
        self._computed: list[tuple[str, bool]] = []  # (Look field, is a flag), as value_ids
        for flag in _FLAGS:
            when = getattr(styled, f"{flag}_when")
            if when is not None and not getattr(styled, flag):
                self.value_ids.append(when)
                self._computed.append((flag, True))
        for colour in _COLOURS:
            value = getattr(styled, f"{colour}_value")
            if value is not None and getattr(styled, colour) is None:
                self.value_ids.append(value)
                self._computed.append((colour, False))
        self.constant = not self._computed

    def look(self, values: Sequence[Any], positions: Sequence[int]) -> Look:
        """The look where ``values[positions[i]]`` is the value of ``value_ids[i]``."""
        if self.constant:
            return self.fixed
        changes: dict[str, Any] = {}
        for (name, flag), position in zip(self._computed, positions, strict=True):
            value = values[position]
            if flag:
                if value is True:
                    changes[name] = True
            elif value is not None:
                changes[name] = colour_text(value).upper()
        return self.fixed._replace(**changes) if changes else self.fixed


class CellLooks:
    """A column's (or a line's) cell writers by look, made once per distinct look:
    ``get(look)`` → (the value writer, the writer of a blank cell that still shows the
    look's fill and the rules). ``fmt``: the cells' format (None: each value's own
    default); ``text``: the cells hold text (a template), never a native value."""

    def __init__(self, writers: CellWriters, base: Style, fmt: Format | None = None, *, text: bool = False) -> None:
        self._writers = writers
        self._base = base
        self._fmt = fmt
        self._text = text
        self._cache: dict[Look, tuple[CellXml, Callable[[str], str]]] = {}

    def get(self, look: Look) -> tuple[CellXml, Callable[[str], str]]:
        found = self._cache.get(look)
        if found is None:
            style = self._base._replace(**look._asdict())
            writer = self._writers.text_writer(style) if self._text else self._writers.writer(self._fmt, style)
            found = self._cache[look] = (writer, self._writers.blank_writer(style))
        return found


class DetailLooks:
    """The detail band's row and column styles and its columns' ``when``, read from
    each detail event (the extra values after the columns', ``DetailBand.extras``)."""

    def __init__(self, detail: DetailBand) -> None:
        offset = len(detail.columns)

        def at(ids: Sequence[str]) -> list[int]:
            return [offset + detail.extras.index(v) for v in ids]

        self.row = LookRule(detail)
        self._row_at = at(self.row.value_ids)
        self.columns = [LookRule(c) for c in detail.columns]
        self._columns_at = [at(rule.value_ids) for rule in self.columns]
        # the position of each column's `when` in a row (its cell is empty where not true)
        self.shown = [at([c.when])[0] if c.when is not None else None for c in detail.columns]
        self.constant = self.row.constant and all(r.constant for r in self.columns) and not any(
            s is not None for s in self.shown)

    def fixed(self) -> list[Look]:
        """Each column's look where nothing is computed per row."""
        return [rule.fixed.over(self.row.fixed) for rule in self.columns]

    def bind(self, cells: Sequence[tuple[CellLooks, str]]) -> None:
        """Each column's writers by look and its letters, for ``row_xml``."""
        self._plan: list[tuple[int, str, dict[Any, tuple[CellXml, Callable[[str], str]]], CellLooks,
                               LookRule | None, Look, list[int], int | None]] = [
            (i, letters, {}, looks, None if rule.constant else rule, rule.fixed, at, shown)
            for i, ((looks, letters), rule, at, shown) in enumerate(
                zip(cells, self.columns, self._columns_at, self.shown, strict=True))
        ]

    def row_xml(self, values: tuple, number: str) -> tuple[str, list]:
        """A detail row's cells as XML and the values shown (None where a column's
        `when` is not true)."""
        row = self.row.fixed if self.row.constant else self.row.look(values, self._row_at)
        xml = []
        shown_values = []
        for i, letters, memo, looks, rule, fixed, at, shown in self._plan:
            value = values[i]
            if shown is not None and values[shown] is not True:
                value = None
            # the writers of each (row look, cell look) met so far: a dict lookup a cell
            key = row if rule is None else (row, rule.look(values, at))
            found = memo.get(key)
            if found is None:
                cell = fixed if rule is None else rule.look(values, at)
                found = memo[key] = looks.get(cell.over(row))
            write, blank = found
            ref = letters + number
            xml.append(write(ref, value) if value is not None else blank(ref))
            shown_values.append(value)
        return "".join(xml), shown_values
