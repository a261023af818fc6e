"""``run``: one build of a plan over its data, streamed to a sink.

In: a ``Plan``, a ``Sink``, parameter values (strings or Python values), optionally a
replacement source, the report's ``SourceText`` (for error positions) and a progress
callback ``progress(phase, rows_read, seconds)``. Out: events to the sink (see
``events``) and ``RunStats``.

Steps: resolve parameters; open the source (SQL sources get the report's order as
``ORDER BY`` when it translates); generate and compile the plan's runner once (cached
per plan and row layout); then either stream rows straight through the runner, or
prepare sortable records, sort them in bounded memory and stream those.
Ctrl-C (``KeyboardInterrupt``) propagates after the source is closed and temporary
files removed; nothing is half-sent to the sink after it.
"""

from __future__ import annotations

import datetime as _dt
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import MAX_EMAX, MIN_EMIN, Decimal, localcontext
from typing import Any

from reportdsl.engine import conversions as conv
from reportdsl.engine import pass_runs
from reportdsl.engine.aggregates.layout import RUNTIME as AGG_RUNTIME
from reportdsl.engine.codegen import scaled
from reportdsl.engine.codegen.expressions import HELPERS
from reportdsl.engine.codegen.generated import GeneratedRunner
from reportdsl.engine.codegen.loop import RunnerWriter
from reportdsl.engine.codegen.rows import RowLayout, as_span, used_names
from reportdsl.engine.functions import core as fn
from reportdsl.engine.params import resolve_params
from reportdsl.engine.parent_order import Labelled
from reportdsl.engine.passes import needs_passes
from reportdsl.engine.runtime import OverLimit, Runtime, row_number_in_chunk
from reportdsl.engine.sorting import (
    DEFAULT_MEMORY_BUDGET,
    Desc,
    ExternalSorter,
    rank_key,
)
from reportdsl.engine.stream.deferred import Deferrals
from reportdsl.engine.stream.events import ReportEnd, Sink
from reportdsl.errors import ReportDataError, ReportError, SourceFailure, SourceText, fail, room_to_write
from reportdsl.language.walk import deep_trees, depth
from reportdsl.plan.models import Plan
from reportdsl.sources.interface import BadRow, RowSource
from reportdsl.sources.opening import column_type, open_source, trusted
from reportdsl.sources.text_values import parse_bool, parse_date, parse_datetime


@dataclass
class RunStats:
    rows_read: int = 0
    row_count: int = 0
    skipped_rows: int = 0
    seconds: float = 0.0
    rows_per_second: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # open / read / sort / aggregate
    ordered_by: str = "none"  # "database", "engine" or "none" (no order needed)
    # "pushed" (the database computed the aggregates: reportdsl.pushdown), "off", or why it streamed
    pushdown: str = "off"
    spilled_rows: int = 0  # rows the engine sort wrote to temporary files

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_START = object()  # the group key before the first row: unequal to every key

_BASE_NAMESPACE = {
    **HELPERS, **AGG_RUNTIME,
    "_START": _START, "_OverLimit": OverLimit, "_rank_key": rank_key, "_Desc": Desc,
    "_Dec": Decimal, "_date": _dt.date, "_datetime": _dt.datetime, "_row_number": row_number_in_chunk,
    "_parse_date": parse_date, "_parse_datetime": parse_datetime,
    "_parse_bool": parse_bool, "_BadRow": BadRow, "_Labelled": Labelled,
    **{f"_coerce_{t}": f for t, f in conv.COERCE.items()},
}

# Generated runners, per (plan, layout, mode): code generation runs once per plan.
_CACHE: dict[tuple, tuple[Plan, GeneratedRunner]] = {}
_CACHE_SIZE = 32


def compile_runner(plan: Plan, layout: RowLayout, mode: str, check_order: bool,
                   source_text: SourceText | None = None, writer: type[RunnerWriter] = RunnerWriter) -> GeneratedRunner:
    """The plan's generated runner; ``writer`` writes it (``pushdown.replay`` writes one
    that replays pushed group rows)."""
    key = (id(plan), layout, mode, check_order, scaled.ENABLED, writer)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is plan:
        return hit[1]
    generated = _write_runner(plan, layout, mode, check_order, source_text, writer)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (plan, generated)
    return generated


def _write_runner(plan: Plan, layout: RowLayout, mode: str, check_order: bool, source_text: SourceText | None,
                  writer: type[RunnerWriter] = RunnerWriter) -> GeneratedRunner:
    try:
        with deep_trees():
            return writer(plan, layout, mode, check_order).write()
    except ValueError as exc:
        raise fail(ReportDataError, f"this report cannot run: {exc}") from None
    except (SyntaxError, RecursionError):  # Python's own limits on nesting (200 parentheses)
        deepest = max(_expressions(plan), key=depth)
        raise fail(ReportDataError, f"this expression is nested too deeply ({depth(deepest)} levels) for the "
                                    "engine's generated code: split it into fields",
                   source_text, as_span(deepest.span)) from None


def check_generated_code(plan: Plan, source_text: SourceText | None) -> None:
    """What ``compile_runner`` would refuse in any run, found before a run (``check``):
    an expression nested deeper than Python's compiler holds. The columns are typed
    as the plan has them (the source's types change conversions, not the nesting)."""
    from reportdsl.errors import ReportCheckError

    names = tuple(columns_read(plan))
    types = {c.name: c.type for c in plan.columns}
    layout = RowLayout(names, tuple(range(len(names))), True, "python", tuple(types.get(n, "any") for n in names))
    try:
        _write_runner(plan, layout, "sorted", False, source_text)  # not cached: the runs have their own layout
    except ReportDataError as err:
        if "nested too deeply" in err.message:
            raise ReportCheckError(err.diagnostics) from None
    except Exception:  # noqa: BLE001, S110 - anything else is the run's to say, with the real columns
        pass


def _expressions(plan: Plan) -> list:
    exprs = [f.expr for f in plan.fields] + [g.key for g in plan.groups] + [k.expr for k in plan.sort]
    exprs += [a.arg for a in plan.aggregates if a.arg is not None] + [v.expr for v in plan.values]
    exprs += [a.filter for a in plan.aggregates if a.filter is not None]
    return exprs + ([plan.where] if plan.where is not None else [])


def columns_read(plan: Plan) -> list[str]:
    """Every source column some expression of the plan reads."""
    columns, _ = used_names(plan, _expressions(plan))
    return columns


def run(plan: Plan, sink: Sink, *, source: object = None, source_text: SourceText | None = None,
        **options: Any) -> RunStats:
    """Run ``plan`` and send its events to ``sink`` (``_run``); a failure to open or
    read the report's own source is shown at its ``source`` statement."""
    try:
        return _run(plan, sink, source=source, source_text=source_text, **options)
    except SourceFailure as err:
        if source is not None or source_text is None or plan.source is None:
            raise  # another source than the statement's (--source): the message names it
        raise err.at(source_text, as_span(plan.source.span)) from None


def _run(
    plan: Plan,
    sink: Sink,
    *,
    params: Mapping[str, object] | None = None,
    source: object = None,
    source_text: SourceText | None = None,
    progress: Callable[[str, int, float], None] | None = None,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    pushdown: str = "auto",
) -> RunStats:
    """Run ``plan`` and send its events to ``sink``; return the build statistics.
    ``pushdown``: ``auto`` lets the database compute the aggregates where that gives the
    same result (``reportdsl.pushdown``), ``off`` streams, ``force`` fails where it cannot."""
    t0 = time.perf_counter()
    stats = RunStats()
    now = fn.build_time()  # one clock for now(), today() and the parameters' defaults
    values = resolve_params(plan.params, params, source_text, now=now)
    totals = None  # the first passes' results, from the database (pushdown's second mode)
    if pushdown != "off":
        from reportdsl.pushdown.attempt import push

        pushed = push(plan, sink, source, values, pushdown, base_namespace(plan, values, now), stats, source_text)
        if pushed is True:
            return stats
        totals = None if isinstance(pushed, bool) else pushed
    needs_order = bool(plan.groups or plan.sort)
    columns = columns_read(plan)

    rows = open_source(plan, source, values, columns, needs_order)
    sorter = ahead = None  # the records to sort; the run going ahead of the printing one
    two_pass = needs_passes(plan) and totals is None  # §9 whole values, §12 ordered groups
    passes = pass_runs.how(plan) if two_pass else None
    try:
        t_open = time.perf_counter()
        stats.phases["open"] = t_open - t0
        layout = _layout(plan, rows, columns)
        # ranked groups' rows reordered as they come (else their records are made and sorted)
        positions = pass_runs.reorders_rows(plan, layout, rows.ordered) if passes in pass_runs.REORDERING else None
        ranked = totals is not None and bool(totals.ranks)  # print order is not key order: sort
        mode = ("sorted" if (two_pass and not (passes == "whole ahead" or positions)) or ranked
                or (needs_order and not rows.ordered) else "fused")
        stats.ordered_by = "none" if not needs_order else ("database" if rows.ordered else "engine")
        generated = compile_runner(plan, layout, mode, mode == "fused" and needs_order, source_text)
        namespace = base_namespace(plan, values, now)
        namespace.update(generated.constants)
        exec(generated.code, namespace)  # defines start_values, DEFERRED, prepare, run

        runs = pass_runs.Runs(plan, generated, layout, source_text, namespace, memory_budget,
                              progress if mode == "fused" else None)  # sorted: ``prepare`` read the rows
        rt = Runtime(plan, generated, layout, source_text, progress)
        if pass_runs.reads_every_row_first(plan, passes):
            rt.phase = "aggregate"
        deferred = namespace["DEFERRED"]
        rt.deferrals = deferrals = Deferrals(len(plan.groups) + 1, lambda vid, env: deferred[vid](env), sink.resolve)

        with localcontext() as ctx:
            ctx.prec = 60  # sums and products of decimals stay exact; division rounds itself
            # any exponent a decimal can have (``12e999999`` in data): no Overflow, ever
            ctx.Emax, ctx.Emin = MAX_EMAX, MIN_EMIN
            try:
                if totals is not None:  # the whole values to read, what limit left out
                    sink = totals.printing(namespace, sink)
                sink.report_start(values, namespace["start_values"](deferrals.defer))
                if mode == "fused":
                    ahead, chunks, sink = _rows_for_printing(runs, passes, positions, rows.chunks(), sink, rt)
                    rows_read, row_count, end_values = namespace["run"](chunks, sink, rt)
                    stats.phases["read+aggregate"] = time.perf_counter() - t_open
                else:
                    sorter = ExternalSorter(memory_budget)
                    with room_to_write("the rows to sort", tempfile.gettempdir()):
                        rows_read = namespace["prepare"](rows.chunks(), rt, sorter.add_all)
                    t_read = time.perf_counter()
                    stats.phases["read"] = t_read - t_open
                    rt.phase = "aggregate"
                    try:
                        ahead, sorter, chunks, sink = _sorted_for_printing(runs, passes, sorter, sink, totals)
                        rows_read_b, row_count, end_values = namespace["run"](chunks, sink, rt)
                    except TypeError as exc:
                        if "not supported between" in str(exc) and _from_sort(exc):
                            raise fail(ReportDataError, "cannot order the rows: a group or sort key "
                                                        "mixes values of different kinds") from None
                        raise
                    stats.phases["sort+aggregate"] = time.perf_counter() - t_read
                    stats.spilled_rows = sorter.spilled_rows
                stats.spilled_rows += ahead.spilled_rows if ahead is not None else 0
            except ReportError:
                raise
            except Exception as exc:  # noqa: BLE001 - a band value failed: say which
                if rt._context(exc) is None and not isinstance(exc, fn.RowValueError):
                    raise
                raise rt.band_failed(exc) from None
            stats.rows_read = rows_read
            stats.row_count = row_count
            stats.skipped_rows = rt.skipped
            stats.seconds = time.perf_counter() - t0
            stats.rows_per_second = rows_read / stats.seconds if stats.seconds > 0 else 0.0
            sink.report_end(ReportEnd(
                values=end_values, row_count=row_count, rows_read=rows_read, no_data=row_count == 0,
                skipped_rows=rt.skipped, errors=tuple(rt.errors), stats=stats.as_dict(),
            ))
    finally:
        rows.close()
        if sorter is not None:
            sorter.close()
        if ahead is not None:
            ahead.close()
    return stats


def base_namespace(plan: Plan, values: Mapping[str, object], now: _dt.datetime) -> dict:
    """What generated code reads besides its own constants: helpers, parameters, clock."""
    namespace = dict(_BASE_NAMESPACE)
    namespace.update({f"P_{k}": v for k, v in values.items()})
    namespace.update(TITLE=plan.title, NOW=now, TODAY=now.date(), MAX_GROUPS=plan.max_groups)
    return namespace


def _rows_for_printing(runs: pass_runs.Runs, passes: str | None, positions: Any,
                       chunks: Any, sink: Sink, rt: Runtime) -> tuple[Any, Any, Sink]:
    """(the run ahead of the printing one or None, the rows in print order, the sink to
    print to) for rows the database ordered (see ``pass_runs``)."""
    if passes == "whole ahead":
        ahead, chunks = runs.whole_ahead(chunks)
        return ahead, chunks, sink
    if positions is not None:
        rt.order_checked_ahead()  # rows print in rank order
        return runs.reordered(passes, chunks, sink, positions)
    return None, chunks, sink


def _sorted_for_printing(runs: pass_runs.Runs, passes: str | None, sorter: ExternalSorter, sink: Sink,
                         totals: Any) -> tuple[Any, ExternalSorter, Any, Sink]:
    """(the run ahead of the printing one or None, the records' sorter, the records in
    print order, the sink to print to) for sorted records (see ``pass_runs``)."""
    chunks = sorter.sorted_chunks()
    if passes == "whole ahead":
        ahead, chunks = runs.whole_ahead(chunks)
        return ahead, sorter, chunks, sink
    if passes in pass_runs.REORDERING:
        ranked, chunks, sink = runs.reordered(passes, chunks, sink)
        return ranked, sorter, chunks, sink
    if passes == "passes" or (totals is not None and totals.ranks):
        with room_to_write("the rows to sort", tempfile.gettempdir()):
            sorter, sink = (runs.first_passes(sorter, sink) if totals is None else
                            (totals.order(sorter, runs.generated.record, runs.budget), sink))
        chunks = sorter.sorted_chunks()
    return None, sorter, chunks, sink


def _from_sort(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name in ("sorted_chunks", "_spill", "add_all"):
            return True
        tb = tb.tb_next
    return False


def _layout(plan: Plan, rows: RowSource, columns: list[str]) -> RowLayout:
    if rows.exact:
        names = tuple(rows.names)
        positions = tuple(range(len(names)))
    else:
        index = {n: i for i, n in enumerate(rows.names)}
        names = tuple(columns)
        positions = tuple(index[c] for c in columns)
    types = tuple(column_type(plan, rows, c) for c in names)
    sure = tuple(trusted(rows, c, t) for c, t in zip(names, types, strict=True))
    scales = rows.decimal_scales
    return RowLayout(names, positions, rows.exact, rows.conversion, types, sure,
                     tuple(scales.get(c) for c in names))
