"""The worksheet a report streams into: xlsxwriter's, written a whole row at a time.

In: rows in increasing order, each as its outline level, an optional height (points)
and its cells' XML (``xlsx_cells``). Out: ``ReportWorksheet``, an xlsxwriter
``Worksheet`` (``constant_memory`` mode) whose ``write_row_xml`` appends ``<row>``
elements to the sheet's temporary row file, buffered; xlsxwriter does everything else
(the package, styles, columns, panes, the autofilter, the outline settings).

Why not ``write_number``/``write_string``: through them each cell costs about 5 µs
(argument checks, a cell tuple, then ``_write_cell``), each outline level a ``set_row``
entry that constant_memory mode never frees (about 150 bytes a row), and a text that
looks like xlsxwriter's rich-string markup (``<r>…</r>``) is written as raw XML. A row
written here is the XML ``_write_row``/``_write_cell`` would write for the same cells
(tests/outputs/test_xlsx_worksheet.py compares the two), with numbers in ``repr`` where
xlsxwriter's ``%.16G`` can change a double's last bit. This relies on xlsxwriter's
internals (``fh``, ``previous_row``, ``_check_dimensions``, ``outline_row_level``),
pinned in constraints/ci.txt.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator

from xlsxwriter.workbook import Workbook  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

_BUFFERED_ROWS = 512


class MergedRanges:
    """The sheet's merged ranges, as xlsxwriter's ``merge`` list is read when the sheet
    is written (``len`` and iteration), at 12 bytes a range instead of a list's ~150:
    a report may merge a cell in every group footer. Ranges are single rows."""

    def __init__(self) -> None:
        self._cells = array("I")  # row, first column, last column

    def add(self, row: int, first: int, last: int) -> None:
        self._cells.extend((row, first, last))

    def append(self, merged: list[int]) -> None:  # xlsxwriter's own merge_range
        first_row, first_col, last_row, last_col = merged
        for row in range(first_row, last_row + 1):
            self.add(row, first_col, last_col)

    def __len__(self) -> int:
        return len(self._cells) // 3

    def __iter__(self) -> Iterator[list[int]]:
        cells = self._cells
        for i in range(0, len(cells), 3):
            yield [cells[i], cells[i + 1], cells[i], cells[i + 2]]


class ReportWorksheet(Worksheet):
    previous_row: int
    outline_row_level: int

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[str] = []
        self._next = 0  # the lowest row number write_row_xml accepts
        self.merge = MergedRanges()

    def merge_cells(self, row: int, first: int, last: int) -> None:
        """Merge columns ``first``…``last`` of ``row`` (its cells written by ``write_row_xml``)."""
        self.merge.add(row, first, last)

    def write_row_xml(self, row: int, level: int, height: float | None, first: int, last: int, cells: str) -> None:
        """Row ``row`` (0-based) with its cells' XML, columns ``first``…``last`` (unused
        when ``cells`` is empty). A row with no cells, level or height writes nothing."""
        if row < self._next or row < self.previous_row:
            raise ValueError(f"row {row + 1} comes after rows already written")
        if not cells and not level and not height:
            return
        first_col = first if cells else (self.dim_colmin or 0)
        if self._check_dimensions(row, first_col) or (cells and self._check_dimensions(row, last)):
            raise ValueError(f"row {row + 1} is outside the worksheet")
        self._next = row + 1
        self.previous_row = row  # a later write_* call flushes nothing of this row
        attrs = ""
        if height:
            pixels = int(height * 4.0 / 3.0 + 0.5)  # as set_row rounds it
            attrs += f' ht="{pixels * 0.75:.16g}" customHeight="1"'
        if level:
            level = min(level, 7)
            attrs += f' outlineLevel="{level}"'
            if level > self.outline_row_level:
                self.outline_row_level = level
        rows = self._rows
        rows.append(f'<row r="{row + 1}"{attrs}>{cells}</row>' if cells else f'<row r="{row + 1}"{attrs}/>')
        if len(rows) >= _BUFFERED_ROWS:
            self.fh.write("".join(rows))
            rows.clear()

    def _write_single_row(self, current_row_num: int = 0) -> None:
        # xlsxwriter flushes its pending row here (and at close): ours go first
        if self._rows:
            self.fh.write("".join(self._rows))
            self._rows.clear()
        super()._write_single_row(current_row_num)


class WorkbookSheets:
    """The report's current worksheet and its next row; a new sheet (``NAME (2)``…, the
    column header row repeated) when one is full; widths, panes and filters at the end."""

    def __init__(self, workbook: Workbook, name: str, max_rows: int, headers: Callable[[int], None]) -> None:
        self.workbook = workbook
        self.name = name[:31]
        self.max_rows = max_rows
        self._write_headers = headers
        self.done: list[tuple[ReportWorksheet, int | None, int]] = []  # (sheet, header row, last row)
        self.header_row: int | None = None
        self.last_row = -1  # the last row of the body (what the autofilter covers)
        self.in_body = True
        self.row = 0
        self.ws = self._add(self.name)

    def _add(self, name: str) -> ReportWorksheet:
        ws = self.workbook.add_worksheet(name, worksheet_class=ReportWorksheet)
        ws.outline_settings(True, True, True, False)
        return ws

    def start_row(self) -> int:
        if self.row >= self.max_rows:
            self.new_sheet()
        row = self.row
        self.row = row + 1
        if self.in_body:
            self.last_row = row
        return row

    def new_sheet(self) -> None:
        repeat = self.header_row is not None
        self.done.append((self.ws, self.header_row, self.last_row))
        self.ws = self._add(f"{self.name[:24]} ({len(self.done) + 1})")
        self.row = 0
        self.last_row = -1
        self.header_row = None
        if repeat:
            self.header_row = self.row
            self._write_headers(self.start_row())

    def finish(self, widths: list[float]) -> None:
        self.done.append((self.ws, self.header_row, self.last_row))
        for ws, header_row, last_row in self.done:
            for col, width in enumerate(widths):
                ws.set_column(col, col, width)
            if header_row is not None and widths:
                ws.freeze_panes(header_row + 1, 0)
                ws.autofilter(header_row, 0, max(last_row, header_row), len(widths) - 1)
