"""The runs of a build's generated code that come before, or go ahead of, the printing run.

In: what the runs of one build share (``Runs``: the plan, its generated runner, the row
layout, the report's text, the printing run's namespace, the memory budget) and the
rows or records to run over. Out: the chunks the printing run reads and the sink it
prints to, the namespace entries that give it whole values (§9), and an object to
close (temporary files) when the build ends.

Four ways, chosen by ``how`` from the plan alone:

- ``"whole ahead"``: detail reads whole values and no level is ordered: one read of the
  rows, the collecting run one group ahead (``engine/lookahead.py``), or the whole
  report ahead for the report's own whole values;
- ``"parents ahead"``: one ordered level below the top: the rank run one parent instance
  ahead, each instance's records reordered in memory (``engine/parent_order.py``);
- ``"top ahead"``: the one ordered level is the top one: the rank run reads every row
  once, keeping each group's rows as a run, then the runs print in rank order
  (``engine/top_order.py``);
- ``"passes"``: anything else (several ordered levels, an ordered level with whole
  values in detail): whole runs over the sorted records (``engine/passes.py``).

Every run runs the same generated code over the same rows, so rows fail and are skipped
alike; each run before the printing one has its own runtime (its skipped rows are
counted by the printing run) and no ``max_groups`` (it counts the groups as printed).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from reportdsl.engine import top_order
from reportdsl.engine.codegen.generated import GeneratedRunner
from reportdsl.engine.codegen.rows import RowLayout
from reportdsl.engine.lookahead import Lookahead, printing_entries
from reportdsl.engine.parent_order import ParentOrder, eligible, row_keys
from reportdsl.engine.passes import OmittedSink, WholeValues, order_groups, reads_ahead, whole_scopes
from reportdsl.engine.runtime import Runtime
from reportdsl.engine.sorting import ExternalSorter
from reportdsl.engine.stream.deferred import Deferrals
from reportdsl.engine.stream.events import ReportEnd, Sink
from reportdsl.engine.stream.sinks import NullSink
from reportdsl.errors import SourceText
from reportdsl.plan.models import Plan

REORDERING = ("parents ahead", "top ahead")  # the ways that rank groups and reorder their rows


def how(plan: Plan) -> str:
    """``"whole ahead"``, ``"parents ahead"``, ``"top ahead"`` or ``"passes"`` (see the
    module's docstring)."""
    if reads_ahead(plan):
        return "whole ahead"
    if eligible(plan) is not None:
        return "parents ahead"
    return "top ahead" if top_order.eligible(plan) else "passes"


def reorders_rows(plan: Plan, layout: RowLayout, rows_ordered: bool) -> Any:
    """For ``"parents ahead"`` or ``"top ahead"`` over rows the database ordered: the key
    positions in a row where the rows themselves can be reordered, no records made and
    sorted (``parent_order.row_keys``, ``top_order.row_keys``); else None."""
    if not rows_ordered:
        return None
    level = eligible(plan)
    if level is not None:
        return row_keys(plan, layout, level)
    return top_order.row_keys(plan, layout) if top_order.eligible(plan) else None


def reads_every_row_first(plan: Plan, way: str | None) -> bool:
    """Whether the run ahead reads every row before the printing run prints one (an
    ordered top level, the report's own whole values): it shows the build's progress
    as reading, and the printing run as aggregating."""
    return way == "top ahead" or (way == "whole ahead" and "report" in whole_scopes(plan))


@dataclass
class Runs:
    plan: Plan
    generated: GeneratedRunner
    layout: RowLayout
    source_text: SourceText | None
    namespace: dict  # the printing run's
    budget: int
    # the build's progress display, for a run ahead that reads every row of the source
    # before the printing run (``reads_every_row_first``); None over sorted records
    progress: Callable[[str, int, float], None] | None = None

    def _module(self, entries: dict[str, Any]) -> dict:
        """A copy of the generated module for a run ahead of the printing one, which reads
        other globals (``_W``, ``_whole_done``) and has no ``max_groups``."""
        namespace = {**self.namespace, **entries, "MAX_GROUPS": float("inf")}
        exec(self.generated.code, namespace)
        return namespace

    def _runtime(self, namespace: dict, sink: Any, progress: Callable[[str, int, float], None] | None = None
                 ) -> Runtime:
        rt = Runtime(self.plan, self.generated, self.layout, self.source_text, progress)
        deferred = namespace["DEFERRED"]
        rt.deferrals = Deferrals(len(self.plan.groups) + 1, lambda vid, env: deferred[vid](env), sink.resolve)
        namespace["start_values"](rt.deferrals.defer)
        return rt

    def _steps(self, namespace: dict, chunks: Any, sink: Any, progress: Callable[[str, int, float], None] | None = None
               ) -> Generator[None, None, Any]:
        """The generated run over ``chunks`` one chunk a step (``codegen.modes``)."""
        return namespace["run_steps"](chunks, sink, self._runtime(namespace, sink, progress))

    # ---- ahead of the printing run -------------------------------------------------------

    def whole_ahead(self, chunks: Any) -> tuple[Lookahead, Any]:
        """(what to close, the printing run's chunks); the namespace reads the whole values."""
        whole = WholeValues(self.plan, self.generated.whole_widths)
        lookahead = Lookahead(self.budget)
        collecting = self._module(whole.collecting())
        progress = self.progress if reads_every_row_first(self.plan, "whole ahead") else None
        lookahead.start(self._steps(collecting, lookahead.ahead(chunks), NullSink(), progress))
        self.namespace.update(printing_entries(whole, lookahead))
        return lookahead, lookahead.printing()

    def reordered(self, way: str | None, chunks: Any, sink: Sink, positions: Any = None) -> tuple[Any, Any, Sink]:
        """``parents_ahead`` or ``top_ahead``, as ``way`` (one of ``REORDERING``) says."""
        if way == "top ahead":
            return self.top_ahead(chunks, sink, positions)
        return self.parents_ahead(chunks, sink, positions)

    def parents_ahead(self, chunks: Any, sink: Sink, positions: tuple[list[int], int] | None = None
                      ) -> tuple[Lookahead, Any, Sink]:
        """(what to close, the printing run's records or rows, its sink: told what ``limit``
        left out). Records in sorted mode; with ``positions`` (``reorders_rows``) the
        source's rows in fused mode."""
        level = eligible(self.plan)
        assert level is not None  # ``how``
        record = None if positions is not None else self.generated.record
        assert positions is not None or record is not None  # sorted mode has records
        order = ParentOrder(self.plan, level, self.budget, record, positions)
        ranking = self._module({})
        order.lookahead.start(self._steps(ranking, order.lookahead.ahead(chunks), order.sink))
        g = self.plan.groups[level]
        if g.limit is not None and g.others is None:
            sink = OmittedSink(sink, {level: order.omitted})
        return order.lookahead, order.printing(), sink

    def top_ahead(self, chunks: Any, sink: Sink, positions: tuple[int, list[int]] | None = None
                  ) -> tuple[top_order.TopOrder, Any, Sink]:
        """(what to close, the printing run's records or rows, its sink: told what ``limit``
        left out). Records in sorted mode; with ``positions`` (``reorders_rows``) the
        source's rows in fused mode."""
        record = None if positions is not None else self.generated.record
        assert positions is not None or record is not None  # sorted mode has records
        order = top_order.TopOrder(self.plan, self.budget, record, positions)
        ranking = self._module({})
        order.start(self._steps(ranking, order.keeping(chunks), order.sink, self.progress))
        g = self.plan.groups[0]
        if g.limit is not None and g.others is None:
            sink = OmittedSink(sink, {0: order.omitted})
        return order, order.printing(), sink

    # ---- before the printing run -----------------------------------------------------------

    def _pass(self, whole: WholeValues) -> Callable[[Any, Any], None]:
        """``run_pass(chunks, sink)``: one whole run that prints nothing of its own."""
        def run_pass(chunks, pass_sink) -> None:
            self.namespace.update(whole.collecting())
            limit = self.namespace["MAX_GROUPS"]
            self.namespace["MAX_GROUPS"] = float("inf")
            try:
                rt = self._runtime(self.namespace, pass_sink)
                _, _, end_values = self.namespace["run"](chunks, pass_sink, rt)
            finally:
                self.namespace["MAX_GROUPS"] = limit
            pass_sink.report_end(ReportEnd(values=end_values, row_count=0, rows_read=0, no_data=False))
        return run_pass

    def first_passes(self, sorter: ExternalSorter, sink: Sink) -> tuple[ExternalSorter, Sink]:
        """Order the records (§12) and collect whole values (§9) with whole runs over them
        (see ``passes``); return the records to print and the sink to print them to."""
        whole = WholeValues(self.plan, self.generated.whole_widths)
        run_pass = self._pass(whole)
        assert self.generated.record is not None  # sorted mode
        sorter, omitted = order_groups(self.plan, sorter, self.generated.record, run_pass, self.budget)
        if self.plan.detail is not None and self.plan.detail.whole:
            run_pass(sorter.sorted_chunks(keep=True), NullSink())
        self.namespace.update(whole.reading())
        return sorter, (OmittedSink(sink, omitted) if omitted else sink)
