"""The events of a pushed report, as the engine would have sent them.

In: the plan, the ``Node`` tree (``execute``), a sink, the parameter values. Out: the
engine's event sequence — ``report_start``, ``group_start``/``group_end`` per group in
print order, ``resolve`` for every deferred value, ``report_end`` — with the same
Values and the same deferred slots, so the JSON result, the Typst document, XLSX and
CSV are what streaming gives.

The band values come from the engine's own generated code: ``ReplayWriter`` is the
engine's ``RunnerWriter`` (same ``start_values``, same ``DEFERRED`` lambdas, same band
value dictionaries and deferrals, written by the same ``ExprWriter``) with a main loop
that walks the tree instead of rows: each group's aggregates are read from its node
(``a_<id> = A[<id>]``) where streaming computes them from accumulators.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import MAX_EMAX, MIN_EMIN, localcontext
from typing import Any

from reportdsl.engine.codegen.loop import RunnerWriter
from reportdsl.engine.codegen.rows import RowLayout
from reportdsl.engine.runtime import Runtime
from reportdsl.engine.stream.deferred import Deferrals
from reportdsl.engine.stream.events import ReportEnd, Sink
from reportdsl.errors import ReportError, SourceText
from reportdsl.plan.models import Plan
from reportdsl.pushdown.execute import Node, paused_gc


class ReplayWriter(RunnerWriter):
    """The generated module of a pushed report: ``run(tree, sink, rt)``."""

    def _write_main(self) -> None:
        b = self.buf
        b.emit(0, "def run(n0, sink, rt):")
        b.emit(1, "_gstart = sink.group_start; _gend = sink.group_end")
        b.emit(1, "_defer = rt.deferrals.defer; _settle = rt.deferrals.settle")
        self._write_level(1, 0)
        b.emit(1, "A = n0.aggs; rc0 = n0.row_count; rown = rc0")
        self._write_end(1)

    def _write_level(self, ind: int, level: int) -> None:
        """The groups of ``level`` inside node ``n<level>``: open, nested levels, close."""
        if level >= self.nl:
            return
        b, g, depth = self.buf, self.plan.groups[level], level + 1
        b.emit(ind, f"for n{depth} in n{level}.children:")
        b.emit(ind + 1, f"k{level} = n{depth}.key")
        known = {f"k{i}": f"k{i}" for i in range(depth)}
        names = self._band_names(depth, None)
        self._values_dict(ind + 1, "vals", self.header[level], names, known,
                          f"a value in the header of group '{g.name}'")
        b.emit(ind + 1, f"_gstart({level}, k{level}, vals)")
        self._write_level(ind + 1, depth)
        b.emit(ind + 1, f"A = n{depth}.aggs; rc{depth} = n{depth}.row_count")
        known = self._finals(ind + 1, depth) | known
        names = self._band_names(depth, lambda aid: f"a_{aid}")
        self._values_dict(ind + 1, "vals", self.footer[level], names, known,
                          f"a value in the footer of group '{g.name}'")
        b.emit(ind + 1, f"_gend({level}, k{level}, rc{depth}, vals)")

    def _finals(self, ind: int, depth: int) -> dict[str, str]:
        known = {}
        for a in self.aggs.by_depth[depth]:
            self.buf.emit(ind, f"a_{a.id} = A[{a.id!r}]")
            known[a.id] = f"a_{a.id}"
        if depth in self.waited_depths:
            finals = ", ".join(f"{k!r}: {v}" for k, v in known.items())
            self.buf.emit(ind, f"_settle({depth}, {{{finals}}})")
        return known


def _layout(plan: Plan) -> RowLayout:
    """The writer needs a row layout; a replay reads no row, so no column is scaled."""
    names = tuple(c.name for c in plan.columns)
    types = tuple(c.type for c in plan.columns)
    return RowLayout(names, tuple(range(len(names))), True, "python", types)


def replay(plan: Plan, tree: Node, sink: Sink, values: Mapping[str, Any], namespace: dict,
           source_text: SourceText | None, stats: Any) -> None:
    """Send the pushed report's events to ``sink``; ``namespace`` is the engine's base
    namespace for generated code (helpers, parameters, title, clock)."""
    from reportdsl.engine.runner import compile_runner

    t0 = time.perf_counter()
    layout = _layout(plan)
    generated = compile_runner(plan, layout, "replay", False, source_text, writer=ReplayWriter)
    namespace = dict(namespace)
    namespace.update(generated.constants)
    exec(generated.code, namespace)
    rt = Runtime(plan, generated, layout, source_text)
    deferred = namespace["DEFERRED"]
    rt.deferrals = deferrals = Deferrals(len(plan.groups) + 1, lambda vid, env: deferred[vid](env), sink.resolve)
    with localcontext() as ctx:
        ctx.prec = 60  # as the streaming run: band arithmetic on decimals alike
        ctx.Emax, ctx.Emin = MAX_EMAX, MIN_EMIN
        try:
            sink.report_start(values, namespace["start_values"](deferrals.defer))
            with paused_gc():  # the tree's walk: see ``paused_gc``
                rows_read, row_count, end_values = namespace["run"](tree, sink, rt)
        except ReportError:
            raise
        except Exception as exc:  # noqa: BLE001 - a band value failed: say which
            if rt._context(exc) is None:
                raise
            raise rt.band_failed(exc) from None
        stats.rows_read, stats.row_count = rows_read, row_count
        stats.phases["replay"] = time.perf_counter() - t0
        stats.seconds += stats.phases["replay"]
        stats.rows_per_second = rows_read / stats.seconds if stats.seconds > 0 else 0.0
        sink.report_end(ReportEnd(values=end_values, row_count=row_count, rows_read=rows_read,
                                  no_data=row_count == 0, stats=stats.as_dict()))
