"""What generated runner code calls back into during a run: failed rows, the
``max_groups`` limit, the order check on database-sorted rows, progress.

In: exceptions raised by generated code (with the line map that says which
expression each line computes), row numbers, group keys. Out: ``ReportDataError``
with the row number and the expression's position (``on_error fail``), or a
counted, listed skip (``on_error skip``); progress callbacks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from reportdsl.engine.codegen.rows import LineContext, RowLayout, as_span
from reportdsl.engine.functions.core import RowValueError, show
from reportdsl.engine.sorting import in_order
from reportdsl.engine.stream.events import RowError
from reportdsl.errors import ReportDataError, ReportError, SourceText, Span, fail
from reportdsl.plan.models import Plan
from reportdsl.sources.interface import SourceRowError
from reportdsl.sources.text_values import TYPE_WORDS

if TYPE_CHECKING:
    from reportdsl.engine.codegen.generated import GeneratedRunner
    from reportdsl.engine.stream.deferred import Deferrals

MAX_LISTED_ERRORS = 100  # skipped rows listed in the result; all are counted


def row_number_in_chunk(chunk: Sequence[object], row: object, rows_before: int) -> int:
    """The 1-based source row number of ``row``; the fused loop keeps no per-row
    counter, so a failing row's number is found here, where time does not matter."""
    return rows_before + 1 + next(i for i, r in enumerate(chunk) if r is row)


class OverLimit(Exception):
    """Raised by generated code when a row would open one group too many."""


class Runtime:
    def __init__(self, plan: Plan, generated: GeneratedRunner, layout: RowLayout, source_text: SourceText | None,
                 progress: Callable[[str, int, float], None] | None = None):
        self.plan = plan
        self.generated = generated
        self.layout = layout
        self.source_text = source_text
        self.progress = progress
        self.skip = plan.on_error == "skip"
        self.skipped = 0
        self.errors: list[RowError] = []
        self.deferrals: Deferrals | None = None  # set by the runner
        self.phase = "read"
        self.rows_seen = 0
        self._started = time.perf_counter()
        self._last_progress = 0.0
        self.check_order: Callable[[int, tuple[Any, ...], tuple[Any, ...]], None] = self._check_order

    # ---- positions ----------------------------------------------------------------

    def _context(self, exc: BaseException) -> LineContext | None:
        line = None
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self.generated.filename:
                line = tb.tb_lineno
            tb = tb.tb_next
        return self.generated.where.get(line) if line is not None else None

    def _position_note(self, span: Span | None) -> str:
        """Where in the report the failing expression stands; nothing for a row the
        source could not give (its report position, the source statement, would read
        like a position in the data file)."""
        source_span = as_span(self.plan.source.span) if self.plan.source is not None else None
        if self.source_text is None or span is None or span == source_span:
            return ""
        line, col = self.source_text.line_col(span[0])
        return f" (report line {line}, column {col})"

    def explain(self, exc: BaseException, row: Any = None) -> tuple[str, Span | None]:
        """(cause in user terms, span) for an exception raised in generated code."""
        ctx = self._context(exc)
        span = ctx.span if ctx is not None else None
        source_span = as_span(self.plan.source.span) if self.plan.source is not None else None
        if isinstance(exc, SourceRowError):  # the source could not read this row
            return exc.message, source_span
        if isinstance(exc, RowValueError):
            if exc.span_index is not None:
                span = as_span(self.generated.spans[exc.span_index])
            return exc.message, span
        if ctx is not None and ctx.kind == "column":
            raw = None
            if row is not None and ctx.column is not None and ctx.column in self.layout.names:
                pos = self.layout.positions[self.layout.names.index(ctx.column)]
                try:
                    raw = row[pos]
                except (IndexError, TypeError, KeyError):
                    raw = None
            return (f"column '{ctx.column}' holds {show(raw)}, which is not "
                    f"{TYPE_WORDS.get(ctx.type or '', ctx.type)}"), source_span
        if ctx is not None and ctx.kind == "row":
            size = len(row) if hasattr(row, "__len__") else "?"
            if self.layout.conversion == "text":
                return f"the row has {size} fields, fewer than the header's", source_span
            return "the row does not have the source's columns", source_span
        what = ctx.what if ctx is not None else "a value"
        if isinstance(exc, TypeError):
            return f"cannot compute {what}: values of the wrong kind ({exc})", span
        if isinstance(exc, ArithmeticError):
            return f"cannot compute {what}: {type(exc).__name__.lower()} ({exc})", span
        return f"cannot compute {what}: {exc}", span

    # ---- callbacks from generated code --------------------------------------------------

    def row_failed(self, exc: BaseException, row_number: int, row: Any = None) -> None:
        if isinstance(exc, ReportError):
            raise exc
        cause, span = self.explain(exc, row)
        if not self.skip:
            raise fail(ReportDataError, f"row {row_number}: {cause}", self.source_text, span) from None
        self.skipped += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(RowError(row_number, cause + self._position_note(span)))

    def over_limit(self, exc: OverLimit, row_number: int) -> None:
        level = exc.args[0]
        g = self.plan.groups[level]
        n = self.plan.max_groups
        if n is None:  # generated code checks the limit only when there is one
            raise ValueError("a group limit was hit without max_groups") from exc
        if not self.skip:
            raise fail(ReportDataError,
                       f"group level '{g.name}' has more than {n} groups (max_groups {n}); "
                       f"row {row_number} would start group {n + 1}",
                       self.source_text, as_span(g.key.span))
        self.skipped += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(RowError(row_number, f"left out: it would start group {n + 1} of level "
                                                    f"'{g.name}' (max_groups {n})"))

    def order_checked_ahead(self) -> None:
        """For a printing run of groups in rank order (§12): the rank run ahead of it
        checked the database's order on the same rows."""
        self.check_order = _no_check

    def _check_order(self, level: int, previous: tuple[Any, ...], new: tuple[Any, ...]) -> None:
        g = self.plan.groups[level]
        if not in_order(previous[level], new[level], g.desc):
            raise fail(ReportDataError,
                       f"the database returned group '{g.name}' keys out of order ({show(previous[level])} "
                       f"before {show(new[level])}); its ORDER BY disagrees with the report's key order",
                       self.source_text, as_span(g.key.span))

    def chunk_done(self, rows: int) -> None:
        self.rows_seen = rows
        if self.progress is None:
            return
        now = time.perf_counter()
        if now - self._last_progress >= 0.1:
            self._last_progress = now
            self.progress(self.phase, rows, now - self._started)

    def band_failed(self, exc: BaseException) -> ReportDataError:
        """A value at a band point (header, footer, summary) could not be computed."""
        cause, span = self.explain(exc)
        return fail(ReportDataError, cause, self.source_text, span)


def _no_check(level: int, previous: tuple[Any, ...], new: tuple[Any, ...]) -> None:
    pass
