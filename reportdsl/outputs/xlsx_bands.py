"""The report's bands and columns as worksheet rows: what each printed line becomes.

In: a ``Plan``, its ``CellWriters`` (``xlsx_cells``) and its ``ValueFormatter`` (the
page's texts). Out: ``SheetLayout`` — the table's ``columns`` (the detail band's or the
``columns`` block's: label, format, alignment, width, cell writers) and one
``ElementLine`` per ``text``/``row``/``grid`` element of every band, found by band key
(``title``, ``group_header_0``, ``group_footer_1``, ``summary``, ``no_data``). An
``ElementLine`` knows the value ids it reads (``value_ids``: its content's, then its
``when`` and computed styles') and writes its worksheet rows from their values
(``write``).

- ``text "…"`` → one row, the text in column A (it runs on over the empty cells to its
  right). A text that is exactly one interpolation (``text "{SUM(x) | currency}"``) is
  a native cell with that format; any other text is the page's text, formatted in the
  report's locale. Its ``bold``/``italic``/``strike``/``size``/``color`` carry over, a
  ``background`` fills the line across the table's columns (as the page fills the
  paragraph's width); its ``align`` does not (a line starts in column A).
- ``row { col: … }`` → one row, each cell under its table column: a cell that is
  exactly one value (``qty: SUM(quantity)``) is a native cell with the cell's format,
  else its column's (as on the page); a text template (``"Total {region}"``) is a
  string. Cells take their column's alignment and the row's styles. A spanning cell
  (``date..product: …``) puts its value in the span's first column, with its own format
  only, and merges the span (one merged range a spanning cell: the cell reads as one,
  aligned like its first column, as on the page). ``border top``/``border bottom`` (thin,
  or ``double``) and a ``background`` reach every column of the table, empty or not.
- ``grid`` → its blocks' lines, block after block (a sheet has one column of text).
- ``line``, ``space`` and ``image`` print no text: no row.
- ``when`` not true (false or null) → no row; a grid's ``when`` covers its blocks.
- Rows of ``footer`` and ``summary`` bands are bold (they hold the totals), unless the
  element says ``bold when …``, which decides instead (as on the page).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from xlsxwriter.utility import xl_col_to_name  # type: ignore[import-untyped]

from reportdsl.outputs.xlsx_cells import CellWriters, CellXml, Style
from reportdsl.outputs.xlsx_styles import PLAIN, CellLooks, DetailLooks, Look, LookRule
from reportdsl.plan.models import (
    Band,
    Element,
    Format,
    GridElement,
    LiteralPart,
    Plan,
    RowElement,
    Styled,
    TableColumn,
    TextElement,
    TextPart,
    ValuePart,
)
from reportdsl.render.formatting.formats import Formatter, ValueFormatter

NUMERIC_TYPES = ("int", "decimal", "float")
BASE_FONT_PT = 11.0  # Excel's default font (Calibri 11): an `em`
_LENGTH = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(pt|mm|cm|in|em)\s*$")
_POINTS = {"pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0, "em": BASE_FONT_PT}


def points(length: str | None) -> float | None:
    """A fixed length of the report (``2.5cm``, ``13pt``) in points; None for ``fr``."""
    match = _LENGTH.match(length or "")
    return float(match.group(1)) * _POINTS[match.group(2)] if match else None


def width_in_characters(pt: float) -> float:
    """Points → Excel's column width unit (digits of the default font: 7 px, +5 px padding)."""
    return max(1.0, round((pt * 96 / 72 - 5) / 7, 2))


class RowSink(Protocol):
    """Where a line goes: ``start_row`` gives the next row's number (0-based, on the
    current sheet), ``put_row`` writes it; ``measure`` keeps the widths seen so far."""

    def start_row(self) -> int: ...

    def put_row(self, row: int, level: int, height: float | None, cells: list[tuple[int, str]]) -> None: ...

    def measure(self, col: int, text: str, native: bool) -> None: ...

    def merge(self, row: int, first: int, last: int) -> None: ...


COLUMN_NAMES = [xl_col_to_name(i) for i in range(64)]


def column_name(index: int) -> str:
    return COLUMN_NAMES[index] if index < len(COLUMN_NAMES) else xl_col_to_name(index)


class Column:
    """A table column (a detail band's or a ``columns`` block's): its label, alignment,
    width and cell writers. For a detail column, ``looks`` gives its cells in each look
    (§14 styles); ``writer`` is its cell writer where no style is computed per row."""

    def __init__(self, index: int, spec: TableColumn, writers: CellWriters, texts: ValueFormatter,
                 look: Look = PLAIN) -> None:
        self.index = index
        self.name = spec.name
        self.label = spec.label
        self.format = spec.format
        self.align = spec.align or ("right" if spec.type in NUMERIC_TYPES else "left")
        fixed = points(spec.width)
        self.width = width_in_characters(fixed) if fixed is not None else None  # None: fr or none
        self.style = Style(align=self.align)
        self.letters = column_name(index)
        self.looks = CellLooks(writers, self.style, spec.format)
        write, blank = self.looks.get(look)
        if look.fills:  # the row's fill shows in its empty cells too
            write = _or_blank(write, blank)
        self.writer: CellXml = write
        self.text: Formatter = texts.formatter(spec.format)


def _or_blank(write: CellXml, blank: Callable[[str], str]) -> CellXml:
    return lambda ref, value: write(ref, value) if value is not None else blank(ref)


class ElementLine:
    value_ids: tuple[str, ...] = ()

    def write(self, out: RowSink, level: int, values: tuple) -> None:
        raise NotImplementedError


def _single_value(parts: list[TextPart]) -> ValuePart | None:
    return parts[0] if len(parts) == 1 and isinstance(parts[0], ValuePart) else None


def _text_function(parts: list[TextPart], texts: ValueFormatter, first: int) -> Callable[[tuple], str]:
    """The page's text of a template; its values are ``values[first:]`` in order."""
    pieces: list[str | tuple[int, Formatter]] = []
    index = first
    for part in parts:
        if isinstance(part, LiteralPart):
            pieces.append(part.text)
        elif isinstance(part, ValuePart):
            pieces.append((index, texts.formatter(part.format)))
            index += 1
        # a page number cannot stand outside page bands, which are left out

    def text(values: tuple) -> str:
        return "".join(p if isinstance(p, str) else p[1](values[p[0]]) for p in pieces)

    return text


def _value_ids(parts: list[TextPart]) -> list[str]:
    return [p.value for p in parts if isinstance(p, ValuePart)]


class _Shown:
    """An element's `when` and styles, read after its content's values."""

    def __init__(self, element: Styled, bold: bool, ids: list[str]) -> None:
        self.when_at = len(ids) if element.when is not None else None
        if element.when is not None:
            ids.append(element.when)
        self.rule = LookRule(element, bold=bold)
        self.look_at = range(len(ids), len(ids) + len(self.rule.value_ids))
        ids.extend(self.rule.value_ids)

    def shown(self, values: tuple) -> bool:
        return self.when_at is None or values[self.when_at] is True

    def look(self, values: tuple) -> Look:
        return self.rule.look(values, self.look_at)


class TextLine(ElementLine):
    def __init__(self, element: TextElement, bold: bool, writers: CellWriters, texts: ValueFormatter,
                 width: int) -> None:
        size = points(element.size)
        base = Style(size=round(size, 1) if size else None)
        self.height = round(size * 1.3, 1) if size and size > BASE_FONT_PT else None
        ids = _value_ids(element.parts)
        single = _single_value(element.parts)
        self.native = CellLooks(writers, base, single.format) if single is not None else None
        self.text = _text_function(element.parts, texts, 0)
        self.texts = CellLooks(writers, base, text=True)
        self.fill_width = width  # a background fills the line across the table's columns
        self.state = _Shown(element, bold, ids)
        self.value_ids = tuple(ids)

    def write(self, out: RowSink, level: int, values: tuple) -> None:
        if not self.state.shown(values):
            return
        look = self.state.look(values)
        row = out.start_row()
        number = str(row + 1)
        ref = "A" + number
        if self.native is not None:
            write, blank = self.native.get(look)
            xml = write(ref, values[0]) if values[0] is not None else ""
        else:
            text = self.text(values)
            write, blank = self.texts.get(look)
            xml = write(ref, text) if text else ""
        cells = [(0, xml)] if xml else []
        if look.fills:
            cells = [(0, xml or blank(ref))] + [(c, blank(column_name(c) + number)) for c in range(1, self.fill_width)]
        out.put_row(row, level, self.height, cells)


_Cell = tuple[int, int, int, CellLooks, Callable[[tuple], str], "Formatter | None"]


class RowLine(ElementLine):
    def __init__(self, element: RowElement, bold: bool, columns: list[Column], writers: CellWriters,
                 texts: ValueFormatter) -> None:
        by_name = {c.name: c for c in columns}
        ids: list[str] = []
        rules = Style(top="single" if element.border_top else None, bottom=element.border_bottom)
        # per cell: (first column, last column, first value index, writers by look, text
        # function, the page's text of a native value — None for a text cell)
        self.cells: list[_Cell] = []
        for cell in element.cells:
            column = by_name.get(cell.column)
            if column is None:
                continue  # the checker names the columns; nothing to place
            last = by_name[cell.last].index if cell.last is not None and cell.last in by_name else column.index
            base = rules._replace(align=column.align)
            single = _single_value(cell.parts)
            if single is not None:
                # a span takes its own format only, as on the page
                fmt: Format | None = single.format or (column.format if last == column.index else None)
                self.cells.append((column.index, last, len(ids), CellLooks(writers, base, fmt),
                                   _text_function(cell.parts, texts, len(ids)), texts.formatter(fmt)))
            else:
                self.cells.append((column.index, last, len(ids), CellLooks(writers, base, text=True),
                                   _text_function(cell.parts, texts, len(ids)), None))
            ids.extend(_value_ids(cell.parts))
        covered = {i for first, last, *_ in self.cells for i in range(first, last + 1)}
        # the columns no cell fills: blank where the row is ruled or filled
        self.others = [(c.index, CellLooks(writers, rules)) for c in columns if c.index not in covered]
        self.ruled = element.border_top or element.border_bottom is not None
        self.state = _Shown(element, bold, ids)
        self.value_ids = tuple(ids)

    def write(self, out: RowSink, level: int, values: tuple) -> None:
        if not self.state.shown(values):
            return
        look = self.state.look(values)
        whole = self.ruled or look.fills  # every column gets a cell, empty or not
        row = out.start_row()
        number = str(row + 1)
        cells = []
        for first, last, at, looks, text, page_text in self.cells:
            write, blank = looks.get(look)
            ref = column_name(first) + number
            if page_text is not None:  # one native value
                value = values[at]
                xml = write(ref, value) if value is not None else ""
                if xml and last == first:
                    out.measure(first, page_text(value), True)
            else:
                shown = text(values)
                xml = write(ref, shown) if shown else ""
                if xml and last == first:
                    out.measure(first, shown, False)
            if whole and not xml:
                xml = blank(ref)
            if not xml:
                continue
            cells.append((first, xml))
            if last > first:  # a spanning cell: its value in the first column, the span merged
                cells += [(c, blank(column_name(c) + number)) for c in range(first + 1, last + 1)]
                out.merge(row, first, last)
        if whole:
            cells += [(col, looks.get(look)[1](column_name(col) + number)) for col, looks in self.others]
        cells = sorted(c for c in cells if c[1])
        out.put_row(row, level, None, cells)


class GridLine(ElementLine):
    """``grid``: its blocks' lines one block after the other (a sheet has one column
    of text where the page has blocks side by side)."""

    def __init__(self, element: GridElement, make: Callable[[Element], ElementLine | None]) -> None:
        ids: list[str] = []
        self.lines: list[tuple[ElementLine, int, int]] = []
        for block in element.blocks:
            for inner in block:
                line = make(inner)
                if line is not None:
                    self.lines.append((line, len(ids), len(ids) + len(line.value_ids)))
                    ids.extend(line.value_ids)
        self.when_at = len(ids) if element.when is not None else None
        if element.when is not None:
            ids.append(element.when)
        self.value_ids = tuple(ids)

    def write(self, out: RowSink, level: int, values: tuple) -> None:
        if self.when_at is not None and values[self.when_at] is not True:
            return
        for line, start, end in self.lines:
            line.write(out, level, values[start:end])


class SheetLayout:
    """Columns and band lines of one report (see the module docstring)."""

    def __init__(self, plan: Plan, writers: CellWriters, texts: ValueFormatter) -> None:
        specs: list[TableColumn] = list(plan.detail.columns) if plan.detail is not None else list(plan.table_columns)
        self.detail_looks = DetailLooks(plan.detail) if plan.detail is not None else None
        looks = self.detail_looks.fixed() if self.detail_looks is not None else [PLAIN] * len(specs)
        self.columns = [Column(i, spec, writers, texts, look)
                        for i, (spec, look) in enumerate(zip(specs, looks, strict=True))]
        self._writers = writers
        self._texts = texts
        self.elements: list[ElementLine] = []
        self.bands: dict[str, list[int]] = {}
        bands: list[tuple[str, Band | None, bool]] = [
            ("title", plan.title_band, False), ("summary", plan.summary, True), ("no_data", plan.no_data, False),
        ]
        for level, group in enumerate(plan.groups):
            bands.append((f"group_header_{level}", group.header, False))
            bands.append((f"group_footer_{level}", group.footer, True))
        for key, band, bold in bands:
            if band is None:
                continue
            indexes = self.bands[key] = []
            for element in band.elements:
                line = self._line(element, bold)
                if line is not None:  # line, space, image: nothing to read
                    indexes.append(len(self.elements))
                    self.elements.append(line)

    def _line(self, element: Element, bold: bool) -> ElementLine | None:
        if isinstance(element, TextElement):
            return TextLine(element, bold, self._writers, self._texts, max(len(self.columns), 1))
        if isinstance(element, RowElement):
            return RowLine(element, bold, self.columns, self._writers, self._texts)
        if isinstance(element, GridElement):
            grid = GridLine(element, lambda inner: self._line(inner, bold))
            return grid if grid.lines else None
        return None
