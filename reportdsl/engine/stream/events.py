"""The event stream from the engine to its consumers (the JSON result, the renderer).

In: nothing (definitions only). Out: ``Sink``, the protocol a consumer implements,
and ``Deferred``, the marker for a value not known yet.

The engine calls, in stream order::

    report_start(params, values)           title, page_header, page_footer values
      group_start(level, key, values)      header values of plan.groups[level]
        ...nested groups...
        page_row(args)                     with page values (§13), just before detail: the
                                           arguments of the page aggregates (``page_inputs``)
        detail(row)                        one tuple: plan.detail.columns' values, in order
      group_end(level, key, row_count, values)   footer values and the group's totals
    resolve(slot, value)                   whenever a deferred value becomes known
    report_end(end)                        summary or no_data values, totals, counts

``values`` maps plan Value ids to Python values: ``None`` for null, ``int``,
``decimal.Decimal``, ``float``, ``str``, ``bool``, ``datetime.date``/``datetime``.
A value whose ``ready_at`` scope has not ended yet is a ``Deferred(slot)`` instead;
``resolve(slot, value)`` follows before ``report_end`` returns; a page band value
that reads page aggregates resolves to a ``PageFormula``. ``page_row`` is optional: the
engine calls it only on sinks that have it. Detail rows are plain
tuples (the hot path allocates nothing else). ``group_end`` values also hold the
Value ids in ``plan.groups[level].totals``; ``ReportEnd.values`` those of
``plan.report_totals``.

The renderer writes a placeholder for each ``Deferred`` and fills it from the
resolved values when it writes the document's side file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Deferred:
    slot: int


@dataclass(frozen=True, slots=True)
class PageFormula:
    """What a page band value (LANGUAGE.md §13) resolves to: only the typesetter knows
    which rows land on a page, so the renderer computes the page aggregates and calls
    ``at(values)`` (aggregate id -> value) for each page. ``known``: the other
    aggregates it reads, final at the report's end."""

    value_id: str
    compute: Callable[[dict], Any]
    known: Mapping[str, Any]

    def at(self, page_values: Mapping[str, Any]) -> Any:
        return self.compute({**self.known, **page_values})


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based number of the row in the source
    message: str


@dataclass(frozen=True)
class ReportEnd:
    values: Mapping[str, Any]  # summary (or no_data) values and report totals
    row_count: int  # rows that passed `where` and were not skipped
    rows_read: int
    no_data: bool
    skipped_rows: int = 0
    errors: tuple[RowError, ...] = ()
    stats: Mapping[str, Any] = field(default_factory=dict)


class Sink(Protocol):
    def report_start(self, params: Mapping[str, Any], values: Mapping[str, Any]) -> None: ...

    def group_start(self, level: int, key: Any, values: Mapping[str, Any]) -> None: ...

    def detail(self, row: tuple) -> None: ...

    def group_end(
        self, level: int, key: Any, row_count: int, values: Mapping[str, Any]
    ) -> None: ...

    def resolve(self, slot: int, value: Any) -> None: ...

    def report_end(self, end: ReportEnd) -> None: ...
