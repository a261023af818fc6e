"""Small sinks: fan-out to several consumers, and a sink that ignores everything.

In: events (see ``events``). Out: ``TeeSink`` passes each event to every sink it
holds, in order (the renderer and the JSON result consume one run);
``NullSink`` drops them (benchmarks, counting).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportdsl.engine.stream.events import ReportEnd, Sink


class TeeSink:
    def __init__(self, *sinks: Sink):
        self.sinks = sinks
        # bound methods gathered once: ``detail`` runs once per row
        self._details = tuple(s.detail for s in sinks)
        self._page_rows = tuple(s.page_row for s in sinks if hasattr(s, "page_row"))

    def report_start(self, params: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        for s in self.sinks:
            s.report_start(params, values)

    def group_start(self, level: int, key: Any, values: Mapping[str, Any]) -> None:
        for s in self.sinks:
            s.group_start(level, key, values)

    def detail(self, row: tuple) -> None:
        for d in self._details:
            d(row)

    def page_row(self, values: tuple) -> None:
        for page_row in self._page_rows:
            page_row(values)

    def group_end(self, level: int, key: Any, row_count: int, values: Mapping[str, Any]) -> None:
        for s in self.sinks:
            s.group_end(level, key, row_count, values)

    def resolve(self, slot: int, value: Any) -> None:
        for s in self.sinks:
            s.resolve(slot, value)

    def report_end(self, end: ReportEnd) -> None:
        for s in self.sinks:
            s.report_end(end)

    def omitted(self, level: int, groups: int, rows: int) -> None:
        """What ``limit`` left out of the scope ending next (see ``passes.OmittedSink``)."""
        for s in self.sinks:
            tell = getattr(s, "omitted", None)
            if tell is not None:
                tell(level, groups, rows)


class NullSink:
    def report_start(self, params, values) -> None:
        pass

    def group_start(self, level, key, values) -> None:
        pass

    def detail(self, row) -> None:
        pass

    def group_end(self, level, key, row_count, values) -> None:
        pass

    def resolve(self, slot, value) -> None:
        pass

    def report_end(self, end) -> None:
        pass


class RecordingSink:
    """Keeps every event as a tuple (tests and debugging)."""

    def __init__(self):
        self.events: list[tuple] = []

    def report_start(self, params, values) -> None:
        self.events.append(("report_start", dict(params), dict(values)))

    def group_start(self, level, key, values) -> None:
        self.events.append(("group_start", level, key, dict(values)))

    def detail(self, row) -> None:
        self.events.append(("detail", row))

    def group_end(self, level, key, row_count, values) -> None:
        self.events.append(("group_end", level, key, row_count, dict(values)))

    def resolve(self, slot, value) -> None:
        self.events.append(("resolve", slot, value))

    def report_end(self, end: ReportEnd) -> None:
        self.events.append(("report_end", end))
