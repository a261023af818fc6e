"""Pushdown's second mode: a report that prints detail rows takes the totals it needs
before those rows (§9 ``whole`` values in ``detail``, §12 ``order by``/``limit``/
``others``) from one GROUP BY in its database instead of a first pass over the rows,
then streams its rows once. (A report without detail rows whose groups are ordered by
a total, which the first mode does not push, is run the same way.)

In: a ``Plan`` that ``engine/passes.py`` would run first passes for, the
run's source, parameter values, mode and the engine's namespace for generated code. Out:
``Totals`` — per ordered level its ranks and what ``limit`` left out (``passes.rank``'s
output), and the whole values of every group instance in print order (a ``WholeValues``
ready for the printing pass) — or ``NotPushed`` naming why the first passes run.

Only the aggregates those passes compute are pushed (the whole ones and those the
``order by`` values read): the printing pass still computes every total it prints,
and still checks its own finals against the pushed whole values. The ``order by``
values come from the engine's own generated band code replayed over the pushed groups
(``replay``) into the engine's ``RankSink``, and are ranked by ``passes.rank``: ties,
nulls and Others labels fall exactly as in the two-pass run.

Streams (the two passes run) where the database's totals might not be the printing
pass's: a float sum (the database's may differ in the last bit), ``on_error skip`` (a
skipped row would still count in the database), ``limit`` without ``others`` under a
whole value of an enclosing group (the left-out rows leave that total), whole values or
ordered levels inside an ``others`` level (merged groups are totalled anew), and
everything the first mode refuses (``analysis``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reportdsl.engine.codegen.expressions import aggregate_ids
from reportdsl.engine.codegen.generated import RecordLayout
from reportdsl.engine.passes import (
    Omitted,
    OmittedSink,
    RankSink,
    WholeValues,
    needs_passes,
    ordered_levels,
    rank,
    reads_ahead,
    rewrite,
    whole_scopes,
)
from reportdsl.engine.sorting import ExternalSorter
from reportdsl.errors import ReportDataError, SourceText, fail
from reportdsl.plan.models import Plan
from reportdsl.pushdown.analysis import NotPushed, PushSpec, analyse
from reportdsl.pushdown.builder import PushQuery, build
from reportdsl.pushdown.execute import Node, Target, fetch_tree, target_and_dialect
from reportdsl.pushdown.sqlite_decimals import declared_scales


@dataclass
class Totals:
    ranks: dict[int, dict[tuple, tuple[int, str | None]]] = field(default_factory=dict)
    omitted: dict[int, Omitted] = field(default_factory=dict)  # limited levels without Others
    whole: WholeValues | None = None

    def printing(self, namespace: dict, sink: Any) -> Any:
        """Before the printing pass: its whole values, and the sink that reports ``omitted``."""
        if self.whole is not None:
            namespace.update(self.whole.reading())
        return OmittedSink(sink, self.omitted) if self.omitted else sink

    def order(self, sorter: ExternalSorter, record: RecordLayout | None, budget: int) -> ExternalSorter:
        """The records in print order: each ranked level's rank written in, sorted again."""
        assert record is not None  # sorted mode
        for level, ranks in self.ranks.items():
            sorter = rewrite(sorter, level, ranks, record, budget)
        return sorter


def wanted(plan: Plan) -> bool:
    """Whether ``plan`` is a report of this mode only: detail rows and values before
    them (a report without detail rows ordered by its totals tries the first mode first)."""
    return plan.detail is not None and needs_passes(plan)


def needed(plan: Plan) -> list[str] | NotPushed:
    """The ids of the aggregates the first passes compute, or why they must run."""
    if plan.on_error == "skip":
        return NotPushed("cannot push down: with 'on_error skip' a skipped row would still count in "
                         "the database's totals")
    by_id = {a.id: a for a in plan.aggregates}
    values = {v.id: v for v in plan.values}
    depth_of = {"report": 0} | {g.name: i + 1 for i, g in enumerate(plan.groups)}
    whole = plan.detail.whole if plan.detail is not None else []
    ids = list(whole)
    for level in ordered_levels(plan):
        g = plan.groups[level]
        if g.order_by is not None:
            ids += sorted(aggregate_ids(values[g.order_by].expr))
    ids = list(dict.fromkeys(ids))
    whole_depths = {depth_of[by_id[aid].scope] for aid in whole}
    for level, g in enumerate(plan.groups):
        if g.limit is not None and g.others is None and any(d <= level for d in whole_depths):
            return NotPushed(f"cannot push down: 'limit' of group '{g.name}' leaves rows out of a whole "
                             "value that encloses it")
        if g.others is not None and (any(d > level for d in whole_depths)
                                     or any(lv > level for lv in ordered_levels(plan))):
            return NotPushed(f"cannot push down: the groups 'others' merges in group '{g.name}' are "
                             "totalled anew")
    for aid in ids:
        a = by_id[aid]
        if a.func in ("sum", "avg") and a.arg is not None and a.arg.type == "float":
            return NotPushed(f"cannot push down: {a.text} adds floats, whose sum a database may round "
                             "otherwise in the last digit", a.span)
    return ids


_CUT: dict[tuple, tuple[Plan, Plan]] = {}  # (id(plan), ids, keep_order) -> (plan, cut plan)


def totals_plan(plan: Plan, ids: list[str], keep_order: bool) -> Plan:
    """``plan`` cut down to the groups and the aggregates ``ids``: what ``analysis`` pushes
    and ``replay`` replays (with ``keep_order``, each group's ``order by`` value in its
    footer, for ``RankSink``). The same object for the same plan: the replay's generated
    code is then compiled once (``runner.compile_runner`` caches by plan)."""
    key = (id(plan), tuple(ids), keep_order)
    hit = _CUT.get(key)
    if hit is not None and hit[0] is plan:
        return hit[1]
    if len(_CUT) >= 32:
        _CUT.pop(next(iter(_CUT)))
    cut = _cut(plan, ids, keep_order)
    _CUT[key] = (plan, cut)
    return cut


def _cut(plan: Plan, ids: list[str], keep_order: bool) -> Plan:
    by_id = {a.id: a for a in plan.aggregates}
    depth_of = {"report": 0} | {g.name: i + 1 for i, g in enumerate(plan.groups)}
    # the levels below the deepest total or rank are not grouped by at all
    deepest = max([depth_of[by_id[i].scope] for i in ids] + [lv + 1 for lv in ordered_levels(plan)], default=0)
    groups = [g.model_copy(update={
        "header": None, "footer": None, "repeat": None, "totals": {}, "limit": None, "others": None,
        "order_by": g.order_by if keep_order else None, "keep_together": False, "new_page": False,
    }) for g in plan.groups[:deepest]]
    return plan.model_copy(update={
        "detail": None, "max_groups": None, "groups": groups, "aggregates": [by_id[i] for i in ids],
        "summary": None, "no_data": None, "report_totals": {}, "title_band": None, "page_header": None,
        "page_footer": None, "table_columns": [], "sort": [],
    })


def prepare(plan: Plan, source: object, text: str | None) -> tuple[Target, PushSpec, PushQuery, list[str]] | NotPushed:
    """Everything known before the database is asked: where, in which dialect, what SQL."""
    ids = needed(plan)
    if isinstance(ids, NotPushed):
        return ids
    where = target_and_dialect(plan, source)
    if isinstance(where, NotPushed):
        return where
    target, dialect = where
    spec = analyse(totals_plan(plan, ids, False), dialect, text, declared_scales(target))
    if isinstance(spec, NotPushed):
        return spec
    # only the levels with a total or a rank: the others' groups are made from their children
    # (bench_engine's whole and ordered reports: one GROUP BY instead of a UNION ALL of three)
    by_id = {a.id: a for a in plan.aggregates}
    depth_of = {"report": 0} | {g.name: i + 1 for i, g in enumerate(plan.groups)}
    spec.depths = sorted({depth_of[by_id[i].scope] for i in ids} | {lv + 1 for lv in ordered_levels(plan)})
    return target, spec, build(spec, target.table, target.query), ids


def pushed_totals(plan: Plan, source: object, values: Mapping[str, Any], mode: str, namespace: dict,
                  stats: Any, source_text: SourceText | None) -> Totals | None:
    """The first passes' results from the database, or None (``stats.pushdown`` says
    why; ``force`` fails instead)."""
    t0 = time.perf_counter()
    text = source_text.text if source_text is not None else None
    prepared = prepare(plan, source, text)
    outcome: Any = prepared
    if not isinstance(prepared, NotPushed):
        target, spec, query, ids = prepared
        if mode == "auto" and target.dialect == "sqlite" and ordered_levels(plan):
            # SQLite runs in this process: its GROUP BY (a sort of every row) costs more
            # CPU than the engine's rank run ahead over the rows the database ordered
            # (bench_engine.py --rows 200000 --passes-only, CPU: ordered 2.45 s pushed,
            # 0.83 s streamed; an ordered top level 1.49 s pushed, 0.70 s streamed)
            stats.pushdown = "streamed: on sqlite the engine ranks the groups faster than a GROUP BY"
            return None
        if mode == "auto" and target.dialect == "sqlite" and reads_ahead(plan) and "report" not in whole_scopes(plan):
            # and the groups' whole values come from the one read of the rows
            # (engine/lookahead.py; bench_engine.py --rows 200000 --passes-only, CPU:
            # 1.09 s streamed, 1.47 s pushed). The report's own hold back every row until
            # the read ends: pushed, they do not (1.74x a raw read, streamed 2.10x)
            stats.pushdown = "streamed: on sqlite the engine reads the groups' totals ahead of their rows"
            return None
        outcome = fetch_tree(totals_plan(plan, ids, False), target, spec, query, dict(values))
    if isinstance(outcome, NotPushed):
        if mode == "force":
            raise fail(ReportDataError, outcome.reason, source_text, outcome.span)
        stats.pushdown = "streamed: " + outcome.reason.removeprefix("cannot push down: ")
        return None
    totals = _from_tree(plan, outcome, ids, values, namespace, source_text)
    stats.pushdown = "pushed: group totals"
    stats.phases["database"] = time.perf_counter() - t0
    return totals


def _from_tree(plan: Plan, tree: Node, ids: list[str], values: Mapping[str, Any], namespace: dict,
               source_text: SourceText | None) -> Totals:
    from reportdsl.engine.runner import RunStats
    from reportdsl.pushdown.replay import replay

    totals = Totals()
    levels = ordered_levels(plan)
    if levels:
        rank_plan = totals_plan(plan, ids, True)
        for level in levels:
            sink = RankSink(level, plan.groups[level].order_by)
            replay(rank_plan, tree, sink, values, namespace, source_text, RunStats())
            totals.ranks[level], left_out = rank(sink.groups, plan, level)
            if plan.groups[level].limit is not None and plan.groups[level].others is None:
                totals.omitted[level] = left_out
    if plan.detail is not None and plan.detail.whole:
        totals.whole = _whole_values(plan, tree, totals.ranks)
    return totals


def _whole_values(plan: Plan, tree: Node, ranks: Mapping[int, Mapping[tuple, tuple[int, str | None]]]) -> WholeValues:
    """Each group instance's whole values, by depth, in print order (``modes.whole_at``'s
    order of aggregates): the groups in key order, re-ordered by rank where ranked, the
    groups ``limit`` left out gone."""
    from reportdsl.engine.passes import norm_key

    by_id = {a.id: a for a in plan.aggregates}
    depth_of = {"report": 0} | {g.name: i + 1 for i, g in enumerate(plan.groups)}
    at: dict[int, list[str]] = {}
    for aid in plan.detail.whole if plan.detail is not None else ():
        at.setdefault(depth_of[by_id[aid].scope], []).append(aid)
    whole = WholeValues(plan, {d: len(a) for d, a in at.items()})
    found: dict[int, list[tuple]] = {d: [] for d in at}

    def walk(node: Node, depth: int, path: tuple) -> None:
        if depth in at:
            found[depth].append(tuple(node.aggs[aid] for aid in at[depth]))
        if depth >= len(plan.groups):
            return
        children = [(child, path + (norm_key(child.key),)) for child in node.children]
        level_ranks = ranks.get(depth)
        if level_ranks is not None:
            children = [(c, p) for c, p in children if p in level_ranks]
            children.sort(key=lambda cp: level_ranks[cp[1]][0])  # stable: key order within a rank
        for child, child_path in children:
            walk(child, depth + 1, child_path)

    walk(tree, 0, ())
    whole.values = found
    return whole
