"""CSV output (CONTRACT.md §6): the report's table as RFC 4180 text.

In: a ``Plan`` with a ``detail`` band or a ``columns`` block, and a binary stream, then
the engine's events (``CsvSink`` is a ``Sink``). Out: UTF-8 text (with a BOM only when
asked, ``bom=True``): a header line of the table columns' labels, then one line per
detail row — or, for a ``columns`` report, per printed ``row`` element, in print order
(``delimited_rows``) — CRLF line ends, fields quoted by Python's ``csv`` module where RFC 4180
needs it (a comma, a quote, a line break). ``write_csv`` runs a plan into a path or
stream and returns the ``RunStats``.

Values are raw, as the JSON result holds them, never formatted: null → an empty
field; ints as digits; a Decimal with its exact digits, never an exponent
(``1234.50``), except past 400 digits before or after the point, where the exact
text is its exponent form (``1.2E+1000000``, not a million digits); a float as
``repr`` (the shortest text that reads back as the same float: ``0.30000000000000004``),
NaN and infinities as ``NaN``, ``Infinity``, ``-Infinity``; dates and datetimes in ISO 8601 (``2024-01-31``,
``2024-01-31T08:00:00``); booleans ``true``/``false``; text as it is (a value starting
with ``=`` is written as it is: CSV has no cell types, so whether a spreadsheet reads
it as a formula is the reader's setting).

Group headers, footers, the summary and page bands are not part of the detail table;
a detail column's ``when`` empties its field where not true (the column stays). A
report with neither a ``detail`` band nor a ``columns`` block has no table:
``CsvSink`` raises a ``ReportError`` saying so.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from reportdsl.engine.stream.events import ReportEnd, Sink
from reportdsl.outputs.delimited_rows import TableRows
from reportdsl.outputs.target import run_into
from reportdsl.plan.models import Plan, TableColumn
from reportdsl.render.errors import ReportFormatError, ReportRenderError, report_error
from reportdsl.render.formatting.formats import ValueFormatter
from reportdsl.render.formatting.number_format import MAX_WHOLE_DIGITS

if TYPE_CHECKING:
    from reportdsl.engine.runner import RunStats

_BUFFER = 1 << 16


def decimal_text(value: Decimal) -> str:
    text = str(value)
    if "E" in text and value.is_finite() and abs(value.adjusted()) < MAX_WHOLE_DIGITS:
        return format(value, "f")
    return text


def float_text(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


_CONVERT: dict[type, Callable[[Any], Any]] = {
    Decimal: decimal_text,
    float: float_text,
    bool: lambda v: "true" if v else "false",
    dt.datetime: dt.datetime.isoformat,
    dt.date: dt.date.isoformat,
}


def raw_text(value: Any) -> Any:
    """A value as the CSV holds it (``None``, ``str`` and ``int`` pass: ``csv`` writes them)."""
    cls = value.__class__
    if cls is str or cls is int or value is None:
        return value
    convert = _CONVERT.get(cls)
    if convert is not None:
        return convert(value)
    for cls, convert in _CONVERT.items():  # subclasses (a DataFrame's scalars)
        if isinstance(value, cls):
            return convert(value)
    return value


class CsvSink:
    """A ``Sink`` writing the detail rows of ``plan`` as CSV to a binary ``stream``."""

    def __init__(self, plan: Plan, stream: IO[bytes], *, bom: bool = False) -> None:
        has_detail = plan.detail is not None and bool(plan.detail.columns)
        if not has_detail and not plan.table_columns:
            raise report_error(
                ReportRenderError, plan,
                f"report '{plan.name}' has no table to write as CSV: it has no `detail` band and no "
                "`columns` block (CSV holds the table's rows only; build xlsx, pdf or json instead)",
            )
        self.plan = plan
        self._text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=False)
        self._writer = csv.writer(self._text, lineterminator="\r\n")
        self.rows = 0
        self._finished = False
        self._table: TableRows | None = None
        if not has_detail:  # a `columns` report: its printed rows are the table
            try:
                texts = ValueFormatter(plan.locale, plan.currency)
            except ReportFormatError as exc:
                raise report_error(ReportFormatError, plan, exc.message) from None
            self._table = TableRows(plan, texts, self._write_record)
        table: Sequence[TableColumn] = plan.detail.columns if plan.detail is not None and has_detail \
            else plan.table_columns
        labels = [c.label for c in table]
        try:
            if bom:
                self._text.write("\ufeff")
            self._writer.writerow(labels)
        except OSError as exc:
            raise _write_error(exc) from None
        self._writerow = self._writer.writerow
        detail = plan.detail
        if detail is not None and detail.extras:  # the row's styles follow its columns' values; `when` empties a cell
            self._width = len(detail.columns)
            self._shown = [(i, self._width + detail.extras.index(c.when))
                           for i, c in enumerate(detail.columns) if c.when is not None]
            self.detail = self._detail_with_extras  # type: ignore[method-assign]

    def report_start(self, params: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        if self._table is not None:
            self._table.band("title", values)

    def group_start(self, level: int, key: Any, values: Mapping[str, Any]) -> None:
        if self._table is not None:
            self._table.band(f"group_header_{level}", values)

    def detail(self, row: tuple) -> None:
        try:
            self._writerow(map(raw_text, row))
        except OSError as exc:
            raise _write_error(exc) from None
        self.rows += 1

    def _detail_with_extras(self, row: tuple) -> None:
        values = list(row[: self._width])
        for column, shown in self._shown:
            if row[shown] is not True:
                values[column] = None
        CsvSink.detail(self, tuple(values))

    def _write_record(self, record: Sequence[Any]) -> None:
        CsvSink.detail(self, tuple(record))

    def group_end(self, level: int, key: Any, row_count: int, values: Mapping[str, Any]) -> None:
        if self._table is not None:
            self._table.band(f"group_footer_{level}", values)

    def resolve(self, slot: int, value: Any) -> None:
        if self._table is not None:
            self._table.resolve(slot, value)

    def report_end(self, end: ReportEnd) -> None:
        if self._table is not None:
            self._table.end(end.no_data, end.values)

    def finish(self) -> None:
        """Flush the text to the stream (which stays open)."""
        if self._finished:
            return
        if self._table is not None:
            self._table.check_done()
            self._table.close()
        self._finished = True
        try:
            self._text.flush()
        except OSError as exc:
            raise _write_error(exc) from None
        self._text.detach()

    def close(self) -> None:
        """After a failed run: let go of the stream without closing it."""
        if self._table is not None:
            self._table.close()
        if not self._finished:
            self._finished = True
            with contextlib.suppress(OSError, ValueError):
                self._text.detach()


def _write_error(exc: OSError) -> ReportRenderError:
    return ReportRenderError(f"cannot write the CSV output: {exc.strerror or exc}")


def write_csv(
    plan: Plan,
    params: Mapping[str, object] | None = None,
    source: object = None,
    output: str | os.PathLike | IO[bytes] = "",
    *,
    bom: bool = False,
    source_text: Any = None,
    progress: Any = None,
    extra_sinks: Sequence[Sink] = (),
    pushdown: str = "auto",
) -> RunStats:
    """Run ``plan`` and write its detail table to ``output`` — a path (written aside
    and moved into place: whole or not at all) or a binary stream. Returns the
    ``RunStats``. ``extra_sinks`` get the same events (a ``ResultSink``)."""
    return run_into(output, lambda stream: CsvSink(plan, stream, bom=bom), plan, params, source,
                    source_text=source_text, progress=progress, extra_sinks=extra_sinks,
                    pushdown=pushdown)
