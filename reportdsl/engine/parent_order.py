"""Ordered groups (§12) one parent instance at a time: the rank run goes ahead of the printing run.

In: a plan with one ordered or limited group level below the top (``eligible``), the
records of its run in key order (a database's ``ORDER BY`` or the engine's sort), the
generated module's code and namespace, the record layout and a memory budget. Out:
the records in print order for the printing run (``printing``), and what ``limit``
left out (``omitted``, for ``passes.OmittedSink``).

Why: ranking every group of the report and then sorting every record again (``passes``)
cost a second sort of the report, spilled to disk past the budget. But the groups of a
level are ranked only among their parent instance's, whose records are consecutive in
key order; so the rank run (the same generated code, into a ``RankSink``) steps ahead
through the records one chunk at a time, and once it is past a parent instance, that
instance's groups are ranked and its records reordered: each group's records are one
run, kept in its order; the runs of the groups that merge into Others become one group
(its label as the key) in the order the old sort gave them. Memory: one parent
instance's records; past the budget they go through an ``ExternalSorter`` as before.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any

from reportdsl.engine.codegen.expressions import aggregate_ids
from reportdsl.engine.codegen.generated import RecordLayout
from reportdsl.engine.codegen.rows import RowLayout
from reportdsl.engine.lookahead import Lookahead
from reportdsl.engine.passes import Omitted, RankSink, into_others, norm_key, ordered_levels, rank, rewrite
from reportdsl.engine.sorting import BATCH, ExternalSorter
from reportdsl.engine.stream.events import Deferred
from reportdsl.errors import room_to_write
from reportdsl.plan.models import Plan, Ref


def eligible(plan: Plan) -> int | None:
    """The one ordered level, when it is below the top, no detail row reads a whole
    value and its ``order by`` value is final at the parent's end; else None."""
    levels = ordered_levels(plan)
    if len(levels) != 1 or levels[0] == 0 or (plan.detail is not None and plan.detail.whole):
        return None
    level = levels[0]
    if any(g.key_type in ("float", "any", "null") for g in plan.groups[:level]):
        return None  # a NaN parent key is unequal to itself: its records would not stay together
    g = plan.groups[level]
    if g.order_by is not None:
        depth_of = {"report": 0} | {x.name: i + 1 for i, x in enumerate(plan.groups)}
        scopes = {a.id: a.scope for a in plan.aggregates}
        value = next(v for v in plan.values if v.id == g.order_by)
        if any(depth_of[scopes[aid]] < level for aid in aggregate_ids(value.expr)):
            return None  # known only past the parent (``over report``): every group first
    return level


class Labelled(list):
    """A chunk of rows of an Others group: the printing run gives them its label as
    their key (``codegen.modes``: fused mode)."""

    def __init__(self, rows: Iterable[Any], label: Any):
        super().__init__(rows)
        self.label = label


def row_keys(plan: Plan, layout: RowLayout, level: int) -> tuple[list[int], int] | None:
    """(the positions in a source row of the keys down to ``level``'s parent, and of
    its own key) where rows can be reordered as they come, without records: every key
    down to ``level`` is a column, ``level`` is the innermost and nothing is sorted in
    it (so Others' rows print as they came), and ``on_error fail`` (a row that fails
    stops the build in the rank run, which numbers rows as they came); each key column
    one whose values the source gives as the engine reads them (no conversion), so that
    the keys found in the rows are the keys the rank run saw; else None."""
    if level != len(plan.groups) - 1 or plan.sort or plan.on_error != "fail":
        return None
    positions = key_columns(plan, layout, level + 1)
    return None if positions is None else (positions[:-1], positions[-1])


def key_columns(plan: Plan, layout: RowLayout, levels: int) -> list[int] | None:
    """The positions in a source row of the first ``levels`` group keys, where each is a
    column the source gives as the engine reads it (no conversion) and of a type whose
    values equal themselves (no NaN); else None."""
    positions = []
    for g in plan.groups[:levels]:
        if not (isinstance(g.key, Ref) and g.key.ref == "column" and g.key.name in layout.names):
            return None
        i = layout.names.index(g.key.name)
        if not (layout.trusted and layout.trusted[i]) or layout.types[i] in ("float", "any", "null"):
            return None
        positions.append(layout.positions[i])
    return positions


class ParentOrder:
    """The records (or rows) of each parent instance, ranked and reordered as the rank
    run passes it. ``record``: the records' layout (sorted mode), or None for source
    rows (fused mode, ``row_keys``), whose key ``positions`` are given."""

    def __init__(self, plan: Plan, level: int, budget: int, record: RecordLayout | None,
                 positions: tuple[list[int], int] | None = None):
        self.plan = plan
        self.level = level
        self.budget = budget
        self.lookahead = Lookahead(budget)
        self.sink = RankSink(level, plan.groups[level].order_by)
        self.omitted = Omitted()
        self.ranked = 0  # the sink's groups ranked so far
        self.record = record
        if record is not None:
            items = record.key_items
            parent = itemgetter(*items[:level]) if level > 1 else itemgetter(items[0])
            self.parent_of: Callable[[Any], Any] = lambda rec: parent(rec[-1])
            k = items[level]
            self.key_of: Callable[[Any], Any] = lambda rec: rec[-1][k]
        else:
            assert positions is not None
            self.parent_of = itemgetter(*positions[0])
            self.key_of = itemgetter(positions[1])

    def printing(self) -> Iterator[list]:
        lookahead, queue = self.lookahead, self.lookahead.queue
        held: list = []  # taken from the queue, of the parent instance at hand or later
        while True:
            while not held:
                if len(queue):
                    held = queue.pop()
                elif lookahead.finished:
                    return
                else:
                    lookahead.step()
            parent = self.parent_of(held[0])
            # (the printing run's own failures are not raised in here: only the sorting aside)
            with room_to_write("the rows to sort", tempfile.gettempdir()):
                items, held = self._instance(parent, held)
                yield from self._reordered(parent, items)

    def _instance(self, parent: Any, held: list) -> tuple[Any, list]:
        """(the records or rows of ``parent``'s instance: a list, or records in a sorter
        past the budget; the rest)."""
        lookahead, queue, parent_of = self.lookahead, self.lookahead.queue, self.parent_of
        items: list = []
        sorter: ExternalSorter | None = None
        # rows are kept in memory, as big as the instance: only records can be sorted aside
        capacity = (queue.capacity or 1000) if self.record is not None else None
        while True:
            end = None  # in key order: a chunk whose last is the parent's is all the parent's
            if parent_of(held[-1]) != parent:
                end = next(i for i, item in enumerate(held) if parent_of(item) != parent)
            items.extend(held if end is None else held[:end])
            if capacity is not None and len(items) > capacity:  # a big instance: sorted aside, as ``passes`` does
                sorter = sorter or ExternalSorter(self.budget)
                sorter.add_all(items)
                items = []
            if end is not None:
                held = held[end:]
                break
            held = []
            while not len(queue) and not lookahead.finished:
                lookahead.step()
            if not len(queue):
                break
            held = queue.pop()
        if sorter is not None:
            sorter.add_all(items)
            queue.spilled_rows += sorter.spilled_rows  # the build's count of rows written aside
            return sorter, held
        return items, held

    def _ranks(self, prefix: tuple) -> dict:
        """The ranks of the groups of the parent instance whose path is ``prefix`` (the
        rank run may have ended groups of the next one already)."""
        groups, start = self.sink.groups, self.ranked
        end = start
        while end < len(groups) and groups[end][0] == prefix:
            end += 1
        mine = groups[start:end]
        self.ranked = end
        if any(isinstance(item[2], Deferred) for item in mine):
            raise AssertionError("an order by value not final at its parent's end")  # ``eligible`` prevents it
        ranks, left_out = rank(mine, self.plan, self.level)
        for path, n in left_out.groups.items():
            self.omitted.groups[path] = self.omitted.groups.get(path, 0) + n
        for path, n in left_out.rows.items():
            self.omitted.rows[path] = self.omitted.rows.get(path, 0) + n
        return ranks

    def _reordered(self, parent: Any, items: Any) -> Iterator[list]:
        prefix = tuple(norm_key(k) for k in (parent if self.level > 1 else (parent,)))
        ranks = self._ranks(prefix)
        if isinstance(items, ExternalSorter):
            assert self.record is not None
            out = rewrite(items, self.level, ranks, self.record, self.budget)
            try:
                yield from out.sorted_chunks()
            finally:
                out.close()
            return
        kept: list[tuple[int, list]] = []
        others: list = []
        label = None
        for key, group in groupby(items, key=self.key_of):
            found = ranks.get(prefix + (norm_key(key),))
            if found is None:
                continue  # left out by ``limit`` (counted by ``rank``)
            if found[1] is None:
                kept.append((found[0], list(group)))
            else:
                label = found[1]
                others.extend(group)
        kept.sort(key=itemgetter(0))  # stable: the runs of one NaN key stay in turn
        for _, run in kept:
            yield from _chunks(run)
        if others:
            yield from _chunks(self._others(others, label))

    def _others(self, items: list, label: Any) -> list:
        """The Others group's records, its label as their key, in the order ``rewrite``'s
        sort gives: by what follows the level's key parts, which the merged groups share;
        or its rows, labelled, as they came."""
        if self.record is None:
            return Labelled(items, label)
        out = list(map(into_others(self.plan, self.record, self.level, label), items))
        out.sort()
        return out


def _chunks(items: list) -> Iterator[list]:
    """``items`` in chunks of the printing run; a labelled list's chunks keep its label."""
    if len(items) <= BATCH:
        yield items
        return
    for i in range(0, len(items), BATCH):
        chunk = items[i : i + BATCH]
        yield Labelled(chunk, items.label) if isinstance(items, Labelled) else chunk
