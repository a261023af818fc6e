"""The report's bands and columns as worksheet rows: what each printed line becomes.

In: a ``Plan``, its ``CellWriters`` (``xlsx_cells``) and its ``ValueFormatter`` (the
page's texts). Out: ``SheetLayout`` — the detail ``columns`` (label, format, alignment,
width, cell writer) and one ``ElementLine`` per ``text``/``row`` element of every band,
found by band key (``title``, ``group_header_0``, ``group_footer_1``, ``summary``,
``no_data``). An ``ElementLine`` knows the value ids it reads (``value_ids``) and writes
one worksheet row from their values (``write``).

- ``text "…"`` → one row, the text in column A (it runs on over the empty cells to its
  right). A text that is exactly one interpolation (``text "{SUM(x) | currency}"``) is
  a native cell with that format; any other text is the page's text, formatted in the
  report's locale. Its ``bold``/``italic``/``size``/``color`` carry over; its ``align``
  does not (a line starts in column A).
- ``row { col: … }`` → one row, each cell under its detail column: a cell that is
  exactly one value (``qty: SUM(quantity)``) is a native cell with the cell's format,
  else its column's (as on the page); a text template (``"Total {region}"``) is a
  string. Cells take their column's alignment.
- ``line``, ``space`` and ``image`` print no text: no row.
- Rows of ``footer`` and ``summary`` bands are bold (they hold the totals).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from xlsxwriter.utility import xl_col_to_name  # type: ignore[import-untyped]

from reportdsl.outputs.xlsx_cells import CellWriters, CellXml, Style
from reportdsl.plan.models import (
    Band,
    DetailColumn,
    Format,
    LiteralPart,
    Plan,
    RowElement,
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


COLUMN_NAMES = [xl_col_to_name(i) for i in range(64)]


def column_name(index: int) -> str:
    return COLUMN_NAMES[index] if index < len(COLUMN_NAMES) else xl_col_to_name(index)


class Column:
    def __init__(self, index: int, spec: DetailColumn, writers: CellWriters, texts: ValueFormatter) -> None:
        self.index = index
        self.name = spec.name
        self.label = spec.label
        self.format = spec.format
        self.align = spec.align or ("right" if spec.type in NUMERIC_TYPES else "left")
        fixed = points(spec.width)
        self.width = width_in_characters(fixed) if fixed is not None else None  # None: fr or none
        self.style = Style(align=self.align)
        self.letters = column_name(index)
        self.writer: CellXml = writers.writer(spec.format, self.style)
        self.text: Formatter = texts.formatter(spec.format)


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


class TextLine(ElementLine):
    def __init__(self, element: TextElement, bold: bool, writers: CellWriters, texts: ValueFormatter) -> None:
        size = points(element.size)
        style = Style(bold=element.bold or bold, italic=element.italic, size=round(size, 1) if size else None,
                      color=element.color)
        self.height = round(size * 1.3, 1) if size and size > BASE_FONT_PT else None
        self.value_ids = tuple(_value_ids(element.parts))
        single = _single_value(element.parts)
        self.native = writers.writer(single.format, style) if single is not None else None
        self.text = _text_function(element.parts, texts, 0)
        self.write_text = writers.text_writer(style)

    def write(self, out: RowSink, level: int, values: tuple) -> None:
        row = out.start_row()
        ref = "A" + str(row + 1)
        if self.native is not None:
            xml = self.native(ref, values[0])
        else:
            text = self.text(values)
            xml = self.write_text(ref, text) if text else ""
        out.put_row(row, level, self.height, [(0, xml)] if xml else [])


class RowLine(ElementLine):
    def __init__(self, element: RowElement, bold: bool, columns: list[Column], writers: CellWriters,
                 texts: ValueFormatter) -> None:
        by_name = {c.name: c for c in columns}
        ids: list[str] = []
        # per cell: (column index, first value index, writer, text function, the page's
        # text of a native value — None for a text cell)
        self.cells: list[tuple[int, int, CellXml, Callable[[tuple], str], Formatter | None]] = []
        for cell in element.cells:
            column = by_name.get(cell.column)
            if column is None:
                continue  # the checker names the columns; nothing to place
            style = Style(bold=bold, align=column.align)
            single = _single_value(cell.parts)
            if single is not None:
                fmt: Format | None = single.format or column.format
                self.cells.append((column.index, len(ids), writers.writer(fmt, style),
                                   _text_function(cell.parts, texts, len(ids)), texts.formatter(fmt)))
            else:
                self.cells.append((column.index, len(ids), writers.text_writer(style),
                                   _text_function(cell.parts, texts, len(ids)), None))
            ids.extend(_value_ids(cell.parts))
        self.value_ids = tuple(ids)

    def write(self, out: RowSink, level: int, values: tuple) -> None:
        row = out.start_row()
        number = str(row + 1)
        cells = []
        for col, first, write, text, page_text in self.cells:
            if page_text is not None:  # one native value
                value = values[first]
                if value is not None:
                    cells.append((col, write(column_name(col) + number, value)))
                    out.measure(col, page_text(value), True)
            else:
                shown = text(values)
                if shown:
                    cells.append((col, write(column_name(col) + number, shown)))
                    out.measure(col, shown, False)
        cells.sort()
        out.put_row(row, level, None, cells)


class SheetLayout:
    """Columns and band lines of one report (see the module docstring)."""

    def __init__(self, plan: Plan, writers: CellWriters, texts: ValueFormatter) -> None:
        specs = plan.detail.columns if plan.detail is not None else []
        self.columns = [Column(i, spec, writers, texts) for i, spec in enumerate(specs)]
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
                line: ElementLine
                if isinstance(element, TextElement):
                    line = TextLine(element, bold, writers, texts)
                elif isinstance(element, RowElement):
                    line = RowLine(element, bold, self.columns, writers, texts)
                else:
                    continue  # line, space, image: nothing to read
                indexes.append(len(self.elements))
                self.elements.append(line)
