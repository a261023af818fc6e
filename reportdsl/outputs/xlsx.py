"""XLSX output (CONTRACT.md §6): the engine's events → one workbook, streamed.

In: a ``Plan`` and a binary stream (a file written aside, or standard output), then the
engine's events (``XlsxSink`` is a ``Sink``). Out: after ``finish()``, the workbook on
the stream. ``write_xlsx`` runs a plan into a path or stream and returns the
``RunStats``.

One row per printed line, in print order (the rows are ``xlsx_bands``' lines):

    the title            the ``title`` band's text and row lines, or else the ``title``
                         text (bold, 14pt)
    column header row    the table's labels (the detail band's or the ``columns``
                         block's), bold: frozen, with an autofilter down to the last
                         row before the summary
    group header rows    outline level d for a group of depth d (the outermost is 1)
    detail rows          level n + 1 under n groups (at most 7, Excel's limit)
    group footer rows    level d, bold
    summary rows         level 0, bold

Detail rows whose styles or column ``when`` are decided row by row (§14) go through
``xlsx_styles.DetailLooks``; constant styles are part of each column's writer.
Page bands are left out. With no row and a ``no_data`` band, that band's lines are the
sheet, as on the page. Outline groups are collapsible with the summary rows below
them (Excel's default).

Streaming: xlsxwriter's ``constant_memory`` mode writes each row once, in order
(``xlsx_worksheet.ReportWorksheet`` takes a row's cells as XML from ``xlsx_cells``). A line
whose value is known only later (a header's ``SUM(x)``, a footer's ``… over report``)
and every line after it wait in a ``Spool`` (memory, then a temporary file) until the
values are resolved; memory stays bounded for any row count. Past ``max_sheet_rows``
(Excel's 1,048,576) the rows continue on a new sheet (``NAME (2)``…) that starts with
the column header row again, frozen and filtered. Column widths are the report's fixed
widths, widened so that numbers and dates of the first rows fit (Excel shows ``####``
for a number that does not); ``fr`` and unset widths are measured from the label and
those rows.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

from xlsxwriter.exceptions import FileCreateError  # type: ignore[import-untyped]
from xlsxwriter.workbook import Workbook  # type: ignore[import-untyped]

from reportdsl.engine.stream.events import Deferred, ReportEnd, Sink
from reportdsl.outputs.excel_formats import ExcelFormats
from reportdsl.outputs.spool import Spool
from reportdsl.outputs.target import run_into
from reportdsl.outputs.xlsx_bands import SheetLayout
from reportdsl.outputs.xlsx_cells import CellWriters, FormatCache, Style
from reportdsl.outputs.xlsx_worksheet import WorkbookSheets
from reportdsl.plan.models import Plan
from reportdsl.render.errors import ReportFormatError, ReportRenderError, report_error
from reportdsl.render.formatting.formats import ValueFormatter

if TYPE_CHECKING:
    from reportdsl.engine.runner import RunStats

EXCEL_MAX_ROWS = 1_048_576
MAX_OUTLINE_LEVEL = 7
SAMPLED_ROWS = 1000  # detail rows measured for the column widths
MIN_WIDTH, MAX_WIDTH = 4.0, 60.0

# Line codes besides band elements (which are indexes ≥ 0 into SheetLayout.elements)
_TITLE, _COLUMN_HEADERS, _DETAIL, _BODY_END = -1, -2, -3, -4


class XlsxSink:
    """A ``Sink`` writing the report as a workbook to ``stream`` (see the module docstring)."""

    def __init__(self, plan: Plan, stream: IO[bytes], *, max_sheet_rows: int = EXCEL_MAX_ROWS) -> None:
        if max_sheet_rows < 2:
            raise ValueError("max_sheet_rows must leave room for the header row and one more")
        max_sheet_rows = min(max_sheet_rows, EXCEL_MAX_ROWS)
        self.plan = plan
        try:
            texts = ValueFormatter(plan.locale, plan.currency)
            codes = ExcelFormats(plan.locale, plan.currency)
        except ReportFormatError as exc:
            raise report_error(ReportFormatError, plan, exc.message) from None
        self.workbook = Workbook(stream, {"constant_memory": True})
        self.workbook.use_zip64()  # only entries over 4 GB use it
        properties: dict[str, Any] = {"title": plan.title or plan.name, "comments": "Written by reportdsl"}
        if os.environ.get("SOURCE_DATE_EPOCH", "").strip():
            from reportdsl.engine.functions.core import build_time

            properties["created"] = build_time()
        self.workbook.set_properties(properties)
        formats = FormatCache(self.workbook)
        writers = CellWriters(codes, texts, formats)
        try:
            self.layout = SheetLayout(plan, writers, texts)
        except ReportFormatError as exc:
            raise report_error(ReportFormatError, plan, exc.message) from None
        columns = self.layout.columns
        self._columns = columns
        self._cells = [(c.writer, c.letters) for c in columns]
        self._texts = [c.text for c in columns]
        self._last_col = max(len(columns) - 1, 0)
        self._header_writers = [writers.text_writer(Style(bold=True, align=c.align, bottom="single")) for c in columns]
        self._title_writer = writers.text_writer(Style(bold=True, size=14.0))
        self._measured = [float(len(c.label)) for c in columns]
        self._native_width = [0.0] * len(columns)
        self._sampled = 0
        looks = self.layout.detail_looks
        if looks is not None and not looks.constant:  # styles or `when` decided row by row
            self._looks = looks
            looks.bind([(c.looks, c.letters) for c in columns])
            self._write_detail = self._write_styled_detail  # type: ignore[method-assign]
        self._detail_level = min(len(plan.groups) + 1, MAX_OUTLINE_LEVEL)
        self._sheets = WorkbookSheets(self.workbook, plan.name, max_sheet_rows, self._write_column_headers)
        self._spool = Spool()
        self._waiting: set[int] = set()  # slots of spooled lines not resolved yet
        self._resolved: dict[int, Any] = {}
        self._holding = True  # title and column headers wait for the first body line
        self._direct = False  # nothing waits: detail rows go straight to the sheet
        self._ended = False
        self._finished = False
        self.rows = 0  # detail rows written

    # ---- Sink ------------------------------------------------------------------------

    def report_start(self, params: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        if self.layout.bands.get("title"):  # lines to print (not only an image)
            self._band("title", 0, values)
        elif self.plan.title:
            self._emit((_TITLE, 0, ()))
        if self._columns:
            self._emit((_COLUMN_HEADERS, 0, ()))

    def group_start(self, level: int, key: Any, values: Mapping[str, Any]) -> None:
        if self._holding:
            self._release()
        self._band(f"group_header_{level}", level + 1, values)

    def detail(self, row: tuple) -> None:
        if self._direct:
            self._write_detail(row)
            return
        if self._holding:
            self._release()
        if self._direct:
            self._write_detail(row)
        else:
            self._spool.append((_DETAIL, self._detail_level, row))

    def group_end(self, level: int, key: Any, row_count: int, values: Mapping[str, Any]) -> None:
        self._band(f"group_footer_{level}", level + 1, values)

    def resolve(self, slot: int, value: Any) -> None:
        if slot in self._waiting:
            self._waiting.discard(slot)
            self._resolved[slot] = value
            self._flush()

    def report_end(self, end: ReportEnd) -> None:
        if end.no_data and "no_data" in self.layout.bands:
            # "Printed instead of everything else": what waited (title, headers) goes.
            self._spool.clear()
            self._waiting.clear()
            self._resolved.clear()
            self._holding = False
            self._direct = True
            self._band("no_data", 0, end.values)
        else:
            self._release()
            self._emit((_BODY_END, 0, ()))
            self._band("summary", 0, end.values)
        self._ended = True

    # ---- the finished workbook ---------------------------------------------------------

    def finish(self) -> None:
        """Write the workbook to the stream (after ``report_end`` and every ``resolve``)."""
        if self._finished:
            return
        if not self._ended:
            raise ReportRenderError("internal error: the report ended without report_end")
        if self._waiting:
            slots = ", ".join(str(s) for s in sorted(self._waiting)[:5])
            raise ReportRenderError(f"internal error: deferred values never resolved (slots {slots})")
        self._flush()
        self._sheets.finish(self._widths())
        self._finished = True
        self._spool.close()
        try:
            self.workbook.close()
        except (FileCreateError, OSError) as exc:
            _abandon_zip_files(exc)
            cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else exc
            reason = getattr(cause, "strerror", None) or cause
            raise ReportRenderError(f"cannot write the XLSX output: {reason}") from None

    def close(self) -> None:
        """Release temporary files after a failed run (the workbook is not written)."""
        self._spool.close()
        if not self._finished:  # xlsxwriter removes a sheet's row file only when it closes
            for ws in self.workbook.worksheets():
                handle = getattr(ws, "row_data_fh", None)
                if handle is not None and not handle.closed:
                    handle.close()
                name = getattr(ws, "row_data_filename", None)
                if name:
                    with contextlib.suppress(OSError):
                        os.unlink(name)

    # ---- lines -----------------------------------------------------------------------

    def _band(self, key: str, level: int, values: Mapping[str, Any]) -> None:
        indexes = self.layout.bands.get(key)
        if not indexes:
            return
        elements = self.layout.elements
        for index in indexes:
            self._emit((index, level, tuple(values.get(v) for v in elements[index].value_ids)))

    def _emit(self, line: tuple) -> None:
        if self._direct:
            waits = [v.slot for v in line[2] if v.__class__ is Deferred]
            if not waits:
                self._write(line)
                return
        else:
            waits = [v.slot for v in line[2] if v.__class__ is Deferred]
        self._waiting.update(waits)
        self._spool.append(line)
        self._direct = False

    def _release(self) -> None:
        self._holding = False
        self._flush()

    def _flush(self) -> None:
        if self._waiting or self._holding:
            return
        if self._spool:
            resolved = self._resolved
            for line in self._spool.drain():
                code, level, values = line
                if code != _DETAIL and resolved:
                    line = (code, level, tuple(resolved[v.slot] if v.__class__ is Deferred else v for v in values))
                self._write(line)
            resolved.clear()
        self._direct = True

    def _write(self, line: tuple) -> None:
        code, level, values = line
        if code >= 0:
            self.layout.elements[code].write(self, level, values)
        elif code == _DETAIL:
            self._write_detail(values)
        elif code == _COLUMN_HEADERS:
            sheets = self._sheets
            sheets.header_row = sheets.row
            self._write_column_headers(sheets.start_row())
        elif code == _BODY_END:
            self._sheets.in_body = False
        elif code == _TITLE:
            row = self._sheets.start_row()
            self.put_row(row, 0, 20.0, [(0, self._title_writer(f"A{row + 1}", self.plan.title or ""))])

    def _write_column_headers(self, row: int) -> None:
        number = str(row + 1)
        cells = [write(column.letters + number, column.label)
                 for column, write in zip(self._columns, self._header_writers, strict=True)]
        self._sheets.ws.write_row_xml(row, 0, None, 0, self._last_col, "".join(cells))

    def _write_detail(self, values: tuple) -> None:
        sheets = self._sheets
        row = sheets.row
        if row >= sheets.max_rows:
            sheets.new_sheet()
            row = sheets.row
        sheets.row = row + 1
        sheets.last_row = row  # the body's (a detail row never follows the summary)
        number = str(row + 1)
        cells = "".join([write(letters + number, value)
                         for (write, letters), value in zip(self._cells, values, strict=False)])
        sheets.ws.write_row_xml(row, self._detail_level, None, 0, self._last_col, cells)
        self.rows += 1
        if self._sampled < SAMPLED_ROWS:
            self._sampled += 1
            for col, (text, value) in enumerate(zip(self._texts, values, strict=False)):
                if value is not None:
                    self.measure(col, text(value), not isinstance(value, str))

    def _write_styled_detail(self, values: tuple) -> None:
        sheets = self._sheets
        if sheets.row >= sheets.max_rows:
            sheets.new_sheet()
        row = sheets.row
        sheets.row = row + 1
        sheets.last_row = row
        cells, shown = self._looks.row_xml(values, str(row + 1))
        sheets.ws.write_row_xml(row, self._detail_level, None, 0, self._last_col, cells)
        self.rows += 1
        if self._sampled < SAMPLED_ROWS:
            self._sampled += 1
            for col, (text, value) in enumerate(zip(self._texts, shown, strict=True)):
                if value is not None:
                    self.measure(col, text(value), not isinstance(value, str))

    # ---- RowSink (for the band lines) ----------------------------------------------------

    def start_row(self) -> int:
        return self._sheets.start_row()

    def put_row(self, row: int, level: int, height: float | None, cells: list[tuple[int, str]]) -> None:
        xml = "".join(x for _, x in cells)
        first, last = (cells[0][0], cells[-1][0]) if cells else (0, 0)
        self._sheets.ws.write_row_xml(row, min(level, MAX_OUTLINE_LEVEL), height, first, last, xml)

    def merge(self, row: int, first: int, last: int) -> None:
        self._sheets.ws.merge_cells(row, first, last)

    def measure(self, col: int, text: str, native: bool) -> None:
        width = float(len(text))
        if width > self._measured[col]:
            self._measured[col] = width
        if native and width > self._native_width[col]:
            self._native_width[col] = width

    def _widths(self) -> list[float]:
        widths = []
        for column, measured, native in zip(self._columns, self._measured, self._native_width, strict=True):
            if column.width is not None:
                width = max(column.width, native + 2)  # a number that does not fit shows ####
            else:
                width = min(max(measured + 2, MIN_WIDTH), MAX_WIDTH)
            widths.append(round(width, 2))
        return widths


def write_xlsx(
    plan: Plan,
    params: Mapping[str, object] | None = None,
    source: object = None,
    output: str | os.PathLike | IO[bytes] = "",
    *,
    source_text: Any = None,
    progress: Any = None,
    extra_sinks: Sequence[Sink] = (),
    pushdown: str = "auto",
    max_sheet_rows: int = EXCEL_MAX_ROWS,
) -> RunStats:
    """Run ``plan`` and write the workbook to ``output`` — a path (written aside and
    moved into place: whole or not at all) or a binary stream. Returns the ``RunStats``.
    ``extra_sinks`` get the same events (a ``ResultSink`` for the JSON result)."""
    return run_into(output, lambda stream: XlsxSink(plan, stream, max_sheet_rows=max_sheet_rows), plan, params,
                    source, source_text=source_text, progress=progress, extra_sinks=extra_sinks,
                    pushdown=pushdown)


def _abandon_zip_files(exc: BaseException) -> None:
    """xlsxwriter's ZipFile, left open when writing failed (a full disk), would try to
    finish the archive when collected, on a stream closed by then, and print that
    error at exit; the file is discarded anyway, so it is closed without writing."""
    from zipfile import ZipFile

    seen: list[BaseException] = []
    todo: list[object] = [exc]
    while todo:  # the error, and the ones it wraps (FileCreateError holds the OSError)
        e = todo.pop()
        if not isinstance(e, BaseException) or any(e is s for s in seen):
            continue
        seen.append(e)
        todo += [e.__context__, e.__cause__, *e.args]
        tb = e.__traceback__
        while tb is not None:
            for value in tb.tb_frame.f_locals.values():
                if isinstance(value, ZipFile):
                    value.fp = None  # ZipFile.close() then does nothing
            tb = tb.tb_next
