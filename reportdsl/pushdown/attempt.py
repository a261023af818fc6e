"""One run's decision: push the report's aggregates into its database, or stream.

In: the plan, the sink, the run's source and parameter values, the mode (``auto``:
push where exact, else stream; ``force``: push or fail with the reason; ``off``), the
engine's namespace for generated code, the run's ``RunStats``. Out: ``push`` returns
True when the events were sent from the database's results (``stats.pushdown`` is
"pushed"), False when the run must stream (``stats.pushdown`` says why). ``explain``
gives the statements ``reportdsl plan --sql`` prints, or why the report streams. A
report with detail rows that needs totals before them is ``totals``' (the runner asks
it); ``explain`` prints its statements too.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from reportdsl.engine.passes import needs_passes, ordered_levels
from reportdsl.engine.stream.events import Sink
from reportdsl.errors import ReportDataError, SourceText, fail
from reportdsl.plan.models import Plan
from reportdsl.pushdown.analysis import NotPushed, PushSpec, analyse
from reportdsl.pushdown.builder import PushQuery, build
from reportdsl.pushdown.execute import Target, fetch_tree, target_and_dialect
from reportdsl.pushdown.sqlite_decimals import declared_scales
from reportdsl.pushdown.totals import Totals, pushed_totals, wanted

MODES = ("auto", "off", "force")


def prepare(plan: Plan, source: object, text: str | None = None) -> tuple[Target, PushSpec, PushQuery] | NotPushed:
    """Everything known before the database is asked: where, in which dialect, what SQL."""
    if plan.detail is not None:  # the cheapest refusal first: most reports print rows
        return NotPushed("cannot push down: the report prints detail rows")
    where = target_and_dialect(plan, source)
    if isinstance(where, NotPushed):
        return where
    target, dialect = where
    spec = analyse(plan, dialect, text, declared_scales(target), target.source_order)
    if isinstance(spec, NotPushed):
        return spec
    return target, spec, build(spec, target.table, target.query)


def push(plan: Plan, sink: Sink, source: object, values: Mapping[str, Any], mode: str, namespace: dict,
         stats: Any, source_text: SourceText | None) -> bool | Totals | None:
    """True: the events were sent. Else what the run streams with: the first passes'
    results from the database (``totals``, the second mode), or None (the passes run)."""
    if mode not in MODES:
        raise fail(ReportDataError, f"unknown pushdown mode '{mode}' (use auto, off or force)")
    if wanted(plan):  # detail rows with totals before them: the second mode
        return pushed_totals(plan, source, values, mode, namespace, stats, source_text)
    t0 = time.perf_counter()
    prepared = prepare(plan, source, source_text.text if source_text is not None else None)
    outcome: Any = prepared
    if not isinstance(prepared, NotPushed):
        target, spec, query = prepared
        outcome = fetch_tree(plan, target, spec, query, dict(values))
    if isinstance(outcome, NotPushed):
        if mode == "force" and not needs_passes(plan):  # else the second mode may push the totals
            raise fail(ReportDataError, outcome.reason, source_text, outcome.span)
        stats.pushdown = "streamed: " + outcome.reason.removeprefix("cannot push down: ")
        return pushed_totals(plan, source, values, mode, namespace, stats, source_text) if needs_passes(plan) else None
    from reportdsl.pushdown.replay import replay

    stats.pushdown = "pushed"
    stats.phases["database"] = time.perf_counter() - t0
    stats.seconds = stats.phases["database"]
    stats.ordered_by = "none"
    replay(plan, outcome, sink, values, namespace, source_text, stats)
    return True


def explain(plan: Plan, source: object = None, text: str | None = None) -> str:
    """The statements a pushed run sends (with ``:name`` parameters), or why it streams."""
    prepared = None if wanted(plan) else prepare(plan, source, text)
    if prepared is None or (isinstance(prepared, NotPushed) and needs_passes(plan)):
        from reportdsl.pushdown import totals

        found = totals.prepare(plan, source, text)
        if isinstance(found, NotPushed):
            return f"-- two passes over the rows: {found.reason.removeprefix('cannot push down: ')}\n"
        target, spec, query, _ = found
        rows = "the detail rows" if plan.detail is not None else "the rows"
        head = [f"-- group totals pushed down to {target.dialect}; {rows} stream"]
        if target.dialect == "sqlite" and ordered_levels(plan):
            head.append("-- (with --pushdown force: auto leaves ordered groups to the engine on sqlite)")
    else:
        if isinstance(prepared, NotPushed):
            return f"-- streams: {prepared.reason.removeprefix('cannot push down: ')}\n"
        target, spec, query = prepared
        head = [f"-- pushed down to {target.dialect}"]
    out = head
    if query.guard is not None:
        out += ["-- 1. a row the engine would fail on? (then the report streams)", query.guard + ";"]
        out.append("-- 2. every aggregate of every level")
    out.append(query.sql + ";")
    return "\n".join(out) + "\n"
