"""Outputs beside the document (CONTRACT.md §6): XLSX and CSV from the engine's events.

In: a ``Plan``, parameters, optionally a replacement source, and where to write (a path,
written aside and moved into place, or a binary stream). Out: the file, and the run's
``RunStats``. Both are ``Sink``s (``engine/stream/events.py``) fed by
``reportdsl.engine.run``, from the same event stream as the PDF and the JSON result::

    from reportdsl.outputs import write_csv, write_xlsx
    stats = write_xlsx(plan, params, source, "out.xlsx", source_text=report.source)
    stats = write_csv(plan, params, source, "out.csv", bom=False, source_text=report.source)

Both take ``progress=`` (as ``run``) and ``extra_sinks=`` (e.g. a ``ResultSink`` for the
JSON result of the same run); ``write_xlsx`` also ``max_sheet_rows=`` (Excel's
1,048,576 by default; smaller in tests). ``XlsxSink`` and ``CsvSink`` are the sinks
themselves (``finish()`` after the run, ``close()`` always).

Modules: ``xlsx`` (the workbook sink: rows, outline levels, sheets, streaming),
``xlsx_bands`` (what each band element becomes: the row/cell rules), ``xlsx_styles``
(LANGUAGE.md §14 styles: a cell's look per band instance or row), ``xlsx_cells``
(values → native cells as row XML), ``xlsx_worksheet`` (xlsxwriter's worksheet, written
a row at a time), ``excel_formats`` (the report's formats as Excel number format codes,
from Babel's CLDR data), ``spool`` (lines waiting for deferred values, bounded memory),
``delimited`` (CSV), ``delimited_rows`` (a ``columns`` report's rows as CSV records),
``target`` (path or stream).

XLSX in short (details in ``xlsx``, ``xlsx_bands``, ``xlsx_cells``, ``excel_formats``):
one row per printed line — the title, the column header row (the detail band's or the
``columns`` block's labels; frozen, autofiltered), group headers, detail rows, group
footers, the summary; page bands left out. Numbers
and dates are native cells with number formats equivalent to the report's formats in
its locale; text is always a string cell (``=1+1`` stays text). Group levels are Excel
outline levels (a group of depth d and its header and footer rows at level d, detail
rows one deeper), collapsible, summary rows below; footer and summary rows bold. A
``text`` line is one row with its text in column A (a lone ``{value}`` is a native
cell); a ``row { col: … }`` puts each cell under its table column, a spanning cell
(``a..c:``) in its first column with the span merged; a ``grid`` gives its blocks'
lines one block after the other. An element whose ``when`` is not true leaves no row; a
detail column's ``when`` empties its cell. Styles (§14) are cell formats: ``bold``,
``italic``, ``strike``, ``color`` (font), ``background`` (solid fill), constant or
computed per band instance or detail row; ``border top``/``border bottom [double]``
rule a row's cells across the table. Past ``max_sheet_rows`` the rows continue on a
new sheet that repeats the column header row.

Limits, all Excel's: numbers are doubles (15 significant digits: a Decimal with more,
or an int past 2**53, is rounded in the cell; the CSV keeps them exact); dates before
1900 are ISO text; times keep about a microsecond; a text keeps 32,767 characters;
grouping and decimal signs are the viewer's system settings; at most 7 outline levels.

CSV in short (``delimited``): the table only — a header line of column labels and one
line per detail row, or, for a ``columns`` report, per printed ``row`` element (in print
order: group headers and footers, the summary); raw values (dates ISO, decimals exact,
floats as ``repr``; a text template cell its text), RFC 4180 quoting, UTF-8, a BOM only
when asked. A report with neither a ``detail`` band nor a ``columns`` block is an error
naming the missing table.
"""

from __future__ import annotations

from typing import Any

__all__ = ["write_xlsx", "write_csv", "XlsxSink", "CsvSink", "EXCEL_MAX_ROWS", "OUTPUT_FORMATS"]

OUTPUT_FORMATS = ("xlsx", "csv")


def __getattr__(name: str) -> Any:
    # xlsxwriter loads only for an xlsx build
    if name in ("write_xlsx", "XlsxSink", "EXCEL_MAX_ROWS"):
        from reportdsl.outputs import xlsx

        return getattr(xlsx, name)
    if name in ("write_csv", "CsvSink"):
        from reportdsl.outputs import delimited

        return getattr(delimited, name)
    raise AttributeError(f"module 'reportdsl.outputs' has no attribute {name!r}")
