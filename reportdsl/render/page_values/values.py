"""Page values (LANGUAGE.md §13): page totals, brought and carried forward, per page.

In: the plan; during the run, each detail row's page inputs (``Sink.page_row``, see
``engine/aggregates/page_inputs.py``) and each page band value's ``PageFormula`` with
the placeholder key and formatter the document uses for it; after a layout, where the
rows fell (``RowPages``: the row markers' pages). Out: ``texts(pages)``, for each page
the formatted text of every placeholder — the content of the file the document's
``rd-pv(KEY)`` reads, in context, for its page.

Why the values are computed here and not in Typst: only the typesetter knows which
rows land on a page, but a page value is any expression over page aggregates
(``coalesce(SUM(x) running, 0)``, ``SUM(x) over page / SUM(x)``) printed with any
format, and must print exactly as the same value elsewhere. So the renderer lays the
document out once with the values blank, reads the page of every detail row (each row
line carries an invisible ``#metadata(N)<rd-pr>`` marker), computes the values with the engine's
own aggregate arithmetic and generated expression code, formats them with the report's
formatter, writes them to the file, and exports: the page bands do not change the
body's layout (the template measures them with every page value replaced by "0",
``rd-measured``), so the export reuses the layout and only the bands are redone.

A row counts on the page where it starts. ``over page`` covers the rows of the page
(null, COUNT 0, on a page without rows); ``running`` in ``page_header`` the rows of the
pages before (brought forward), in ``page_footer`` those up to the end of the page
(carried forward). Memory: the page inputs of every row wait on disk past a batch
(``row_store``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import MAX_EMAX, MIN_EMIN, localcontext
from typing import Any

from reportdsl.engine.aggregates.page_inputs import page_inputs
from reportdsl.engine.aggregates.values import (
    average,
    avg_any,
    float_sum,
    fsum_pair,
    max_any,
    min_any,
    sum_any,
    total_any,
)
from reportdsl.engine.stream.events import PageFormula
from reportdsl.plan.models import Aggregate, Plan
from reportdsl.render.errors import ReportRenderError
from reportdsl.render.formatting.formats import Formatter
from reportdsl.render.page_values.row_store import RowStore

VALUES_INPUT = "rd-page-values"  # the sys.inputs key naming the values file
# Before a detail row's call, on its line, ``#metadata(N)<rd-pr>``: its page is the row's.
# Written out, not as a call of a runtime function (``#rd-pr(N)``): Typst memoises every
# closure call, and a marker is paid in every layout (callgrind, 2,000 rows, the
# document laid out twice, with 0.25 G of start-up: 1.673 G instructions with the
# call, 1.647 G so, 1.563 G without markers).
ROW_MARKER = "#metadata("
ROW_MARKER_END = ")<rd-pr>"
# Before the body of a whole document: the page pass's gate (templates/_runtime.typ.j2).
ROWS_HEAD = "#show: rd-page-gate\n"
# At the end of a document: a marker on its last page.
ROWS_TAIL = "#metadata(none)<rd-page-end>\n"
# Typst code: the last page and (row, page) for every row marker, of a laid-out document.
ROWS_QUERY = "(query(<rd-page-end>).first().location().page(), query(<rd-pr>).map(m => (m.value, m.location().page())))"


@dataclass(frozen=True)
class RowPages:
    """Where the rows of a document (or piece) fell: ``pages`` in all, and for each page
    that has rows its first and last row number (1-based, the report's rows)."""

    pages: int
    rows: dict[int, tuple[int, int]]

    @classmethod
    def from_query(cls, pages: int, markers: Iterable[Sequence[int]]) -> RowPages:
        rows: dict[int, tuple[int, int]] = {}
        for row, page in markers:
            first, last = rows.get(page, (row, row))
            rows[page] = (min(first, row), max(last, row))
        return cls(pages, rows)

    @classmethod
    def from_tail(cls, value: str | Sequence[Any]) -> RowPages:
        decoded: Sequence[Any] = json.loads(value) if isinstance(value, str) else value
        return cls.from_query(int(decoded[0]), decoded[1])


class PageValues:
    """The page inputs of a run and the formulas of its page band values."""

    def __init__(self, plan: Plan) -> None:
        found = page_inputs(plan)
        self._aggregates: list[tuple[Aggregate, int | None]] = found.aggregates
        self._types = [arg.type if arg is not None else "filter" for arg, _ in found.inputs]
        self._header = set(plan.page_header.values) if plan.page_header is not None else set()
        self.rows = RowStore()  # every row's page inputs, on disk past a batch
        self._formulas: list[tuple[str, Formatter, PageFormula]] = []
        # The running summaries up to row ``_carried_to``: pieces come in order.
        self._carried: dict[str, _Summary] = {}
        self._carried_to = 0

    def add_row(self, values: tuple) -> None:
        self.rows.append(values)

    def add_formula(self, key: str, formatter: Formatter, formula: PageFormula) -> None:
        self._formulas.append((key, formatter, formula))

    def texts(self, layout: RowPages, rows_before: int = 0, pages: int | None = None
              ) -> tuple[dict[str, dict[str, str]], int]:
        """Page number (of the layout, from 1) -> placeholder key -> text; and the rows
        printed up to the layout's last page. ``rows_before``: rows printed before its
        first page (a piece's); ``pages``: its pages to compute (a piece's kept ones).
        Linear: running values carry a summary from page to page."""
        out: dict[str, dict[str, str]] = {}
        done = rows_before
        running = [(a, i) for a, i in self._aggregates if a.running]
        over_page = [(a, i) for a, i in self._aggregates if not a.running]
        with localcontext() as ctx:  # the engine's context (runner.py): sums stay exact
            ctx.prec, ctx.Emax, ctx.Emin = 60, MAX_EMAX, MIN_EMIN
            if self._carried_to > done:  # laid out again from an earlier page: start over
                self._carried, self._carried_to = {}, 0
            carried = self._carried
            for a, _ in running:
                carried.setdefault(a.id, _Summary())
            self._advance(carried, running, self._carried_to, done)
            for page in range(1, (layout.pages if pages is None else pages) + 1):
                first, last = layout.rows.get(page, (done + 1, done))
                before = {a.id: carried[a.id].value(a, self._kind(i), done) for a, i in running}
                self._advance(carried, running, done, last)
                through = {a.id: carried[a.id].value(a, self._kind(i), last) for a, i in running}
                on_page = {}
                page_rows = self.rows.rows(first - 1, last) if over_page else []
                for a, i in over_page:
                    summary = _Summary()
                    summary.add(a, [r[i] for r in page_rows] if i is not None else None, self._kind(i))
                    on_page[a.id] = summary.value(a, self._kind(i), last - first + 1)
                entry = {}
                for key, formatter, formula in self._formulas:
                    values = before if formula.value_id in self._header else through
                    entry[key] = self._text(formula, formatter, {**values, **on_page})
                out[str(page)] = entry
                done = max(done, last)
            self._carried_to = done
        return out, done

    def _kind(self, index: int | None) -> str:
        return self._types[index] if index is not None else "rows"

    def _advance(self, carried: dict[str, _Summary], running: list, start: int, end: int) -> None:
        """Rows ``[start, end)`` into the running summaries."""
        if end <= start:
            return
        rows = self.rows.rows(start, end)
        for a, i in running:
            carried[a.id].add(a, [r[i] for r in rows] if i is not None else None, self._kind(i))

    @staticmethod
    def _text(formula: PageFormula, formatter: Formatter, values: Mapping[str, Any]) -> str:
        try:
            return formatter(formula.at(values))
        except Exception as exc:  # noqa: BLE001 - a value error in the user's expression
            raise ReportRenderError(f"a page band value cannot be computed: {exc}") from None


class _Summary:
    """What an aggregate needs of the rows seen so far: their count of values and one
    partial result (a sum, a list of floats ``fsum`` compacts, the least or greatest)."""

    def __init__(self) -> None:
        self.count = 0
        self.partial: Any = None
        self.floats: list[float] = []

    def add(self, a: Aggregate, values: list | None, kind: str) -> None:
        if values is None:  # COUNT(): the rows are counted by value()
            return
        if kind == "filter":  # COUNT(where COND): the filter's truth
            self.count += sum(1 for v in values if v is True)
            return
        present = [v for v in values if v is not None]
        self.count += len(present)
        if not present or a.func == "count":
            return
        if a.func in ("min", "max"):
            pick = min_any if a.func == "min" else max_any
            for v in present:
                self.partial = pick(self.partial, v)
        elif kind == "float":
            self.floats = fsum_pair(self.floats + present)
        elif kind in ("int", "decimal"):
            self.partial = sum(present, self.partial if self.partial is not None else 0)
        else:
            for v in present:
                self.partial = sum_any(self.partial, v)

    def value(self, a: Aggregate, kind: str, rows: int) -> Any:
        if kind == "rows":
            return rows
        if a.func == "count" or kind == "filter":
            return self.count
        if not self.count:
            return None
        if a.func in ("min", "max"):
            return self.partial
        if kind == "float":
            total = float_sum(list(self.floats))
            return total if a.func == "sum" else total / self.count
        if kind in ("int", "decimal"):
            if a.func == "sum":
                return self.partial
            return float(self.partial) / self.count if a.type == "float" else average(self.partial, self.count)
        return total_any(self.partial) if a.func == "sum" else avg_any(self.partial, self.count)


def write_values(path: str, values: Mapping[str, Any]) -> None:
    """The file ``rd-pv`` reads: page number -> placeholder key -> text (and, for the
    page pass's check, ``rd-rows`` and ``rd-pages``: typeset/page_pass.py)."""
    with open(path, "w", encoding="utf-8") as out:
        json.dump(values, out, ensure_ascii=False)



def marked_rows(row_line: Callable[[tuple], str]) -> Callable[[tuple], str]:
    """``row_line`` for a report with page values: each line starts with its row's
    page marker, ``#metadata(N)<rd-pr>``, N counting the rows from 1."""
    count = 0

    def marked(row: tuple) -> str:
        nonlocal count
        count += 1
        return f"{ROW_MARKER}{count}{ROW_MARKER_END}" + row_line(row)

    return marked
