"""A ranked top level (§12) from one read: each group's rows kept as a run, printed in rank order.

In: a plan whose one ordered or limited level is the top one (``eligible``), the rows
(fused mode, the database ordered them: ``row_keys``) or records (sorted mode) of its
run in key order, the generated module's run, the record layout and a memory budget.
Out: the rows or records in print order for the printing run (``printing``), and what
``limit`` left out (``omitted``, for ``passes.OmittedSink``).

Why: the top level's groups are ranked among the whole report, so no row prints before
every row was read. The passes over sorted records (``passes``) made records of every
row, sorted them, ran a rank pass over them, rewrote each with its rank and sorted them
all again. Here the rank run (the same generated code, into a ``RankSink``) reads each
chunk once, as it comes, while the chunk is cut into its groups' runs: in key order a
group's rows are consecutive. The runs stay in memory up to the budget and past it are
pickled, piece by piece, into a temporary file (``GroupRuns``). Once the rank run has
ended, the groups are ranked and their runs read back in rank order. The runs Others
merges are merged (a k-way merge, no sort) on what follows the top key, which is the
order the second sort gave them: a record's own order, or for rows the deeper keys as
the database ordered them, ties in the order read. Memory: the budget, and per group
its key and where its pieces are (bounded by the number of groups).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Generator, Iterable, Iterator
from itertools import chain, groupby, islice
from operator import itemgetter
from typing import Any

from reportdsl.engine.codegen.generated import RecordLayout
from reportdsl.engine.codegen.rows import RowLayout
from reportdsl.engine.parent_order import Labelled, key_columns
from reportdsl.engine.passes import Omitted, RankSink, into_others, norm_key, ordered_levels, rank
from reportdsl.engine.sorting import BATCH, Desc, SpillFile, rank_key, records_within
from reportdsl.engine.stream.events import Deferred
from reportdsl.plan.models import Plan

_FAN_IN = 64  # runs one merge reads at once: a piece of each is in memory
_START = object()  # the key before the first row: unequal to every key


def eligible(plan: Plan) -> bool:
    """Whether the one ordered or limited level is the top one and no detail row reads a
    whole value (those take the passes over sorted records)."""
    return ordered_levels(plan) == [0] and not (plan.detail is not None and plan.detail.whole)


def row_keys(plan: Plan, layout: RowLayout) -> tuple[int, list[int]] | None:
    """(the position in a source row of the top key, of the keys below it) where the
    database's rows can be kept and reordered as they come, without records; else None.
    The top key, and where Others merges groups with deeper levels every key below it,
    must be a column the source gives as the engine reads it (``parent_order.key_columns``),
    so that the keys in the rows are the keys the rank run saw and the deeper keys can
    merge Others' runs in the database's order; Others' rows take no ``sort by`` (they
    would need records to be sorted); and ``on_error fail`` (a failing row stops the
    build in the rank run, which numbers the rows as they came)."""
    if plan.on_error != "fail":
        return None
    merges = plan.groups[0].others is not None
    if merges and plan.sort:
        return None
    positions = key_columns(plan, layout, len(plan.groups) if merges else 1)
    return None if positions is None else (positions[0], positions[1:])


class GroupRuns:
    """Each top-level group's rows (or records) as one run, in the order read: pieces in
    memory up to ``budget`` bytes (estimated from the first chunk), past it each piece
    pickled into a temporary file and read back when its run is."""

    def __init__(self, budget: int, key_of: Callable[[Any], Any]):
        self.budget = budget
        self.key_of = key_of
        self.keys: list[Any] = []  # each run's key, in the order read
        self.pieces: list[list[Any]] = []  # each run's pieces: a list in memory, or its offset in the file
        self.capacity: int | None = None  # rows the memory may hold
        self.in_memory = 0
        self.file = SpillFile("the rows waiting for their group's rank", "reportdsl-runs-")
        self.spilled_rows = 0
        self._last: Any = _START

    def add(self, chunk: list) -> None:
        if not chunk:
            return
        if self.capacity is None:
            self.capacity = records_within(self.budget, chunk)
        key_of = self.key_of
        first = key_of(chunk[0])
        if first == key_of(chunk[-1]) and first == self._last:  # the usual chunk: all of the open group's
            self._keep(chunk)
            return
        for key, group in groupby(chunk, key_of):
            if key != self._last:
                self.keys.append(key)
                self.pieces.append([])
                self._last = key
            self._keep(list(group))

    def add_run(self, pieces: Iterable[list]) -> int:
        """A run of its own (a merge of runs), kept as the rows read are; its number."""
        self.keys.append(None)
        self.pieces.append([])
        for piece in pieces:
            self._keep(piece)
        return len(self.pieces) - 1

    def _keep(self, piece: list) -> None:
        # once a piece is in the file the later ones follow it: memory stays within the budget
        if not self.spilled_rows and self.in_memory + len(piece) <= (self.capacity or 0):
            self.in_memory += len(piece)
            self.pieces[-1].append(piece)
            return
        self.pieces[-1].append(self.file.write(piece))
        self.spilled_rows += len(piece)

    def read(self, run: int) -> Iterator[list]:
        """The pieces of run number ``run``, in the order read."""
        for piece in self.pieces[run]:
            yield piece if isinstance(piece, list) else self.file.read(piece)[0]

    def close(self) -> None:
        self.file.close()
        self.pieces.clear()


class TopOrder:
    """The report's rows (or records) kept as their groups' runs while the rank run reads
    them (``keeping``), then given out in rank order (``printing``). ``record``: the
    records' layout (sorted mode), or None for source rows (fused mode) whose key
    ``positions`` (``row_keys``) are given."""

    def __init__(self, plan: Plan, budget: int, record: RecordLayout | None,
                 positions: tuple[int, list[int]] | None = None):
        self.plan = plan
        self.sink = RankSink(0, plan.groups[0].order_by)
        self.omitted = Omitted()
        self.record = record
        self.steps: Generator[None, None, Any] | None = None  # the rank run, set by ``start``
        if record is not None:
            k = record.key_items[0]
            plain = record.key_types[0] not in ("float", "any", "null")
            key_of = (lambda rec: rec[-1][k]) if plain else (lambda rec: norm_key(rec[-1][k]))
        else:
            assert positions is not None
            key_of = itemgetter(positions[0])
        self.positions = positions
        self.runs = GroupRuns(budget, key_of)

    @property
    def spilled_rows(self) -> int:
        return self.runs.spilled_rows

    def keeping(self, chunks: Iterable[list]) -> Iterator[list]:
        """The rank run's chunks: each is kept in its groups' runs as it passes."""
        add = self.runs.add
        for chunk in chunks:
            add(chunk)
            yield chunk

    def start(self, steps: Generator[None, None, Any]) -> None:
        self.steps = steps

    def printing(self) -> Iterator[list]:
        assert self.steps is not None
        for _ in self.steps:  # the rank run reads every row, keeping them
            pass
        groups = self.sink.groups
        if any(isinstance(item[2], Deferred) for item in groups):
            raise AssertionError("an order by value still unknown at the report's end")
        ranks, left_out = rank(groups, self.plan, 0)
        self.omitted.groups.update(left_out.groups)
        self.omitted.rows.update(left_out.rows)
        kept: list[tuple[int, int]] = []
        others: list[int] = []
        label = None
        for run, key in enumerate(self.runs.keys):
            found = ranks.get((key,))
            if found is None:
                continue  # left out by ``limit`` (counted by ``rank``)
            if found[1] is None:
                kept.append((found[0], run))
            else:
                label = found[1]
                others.append(run)
        kept.sort()
        yield from _batched(chain.from_iterable(self.runs.read(run) for _, run in kept))
        if others:
            yield from (self._others_rows(others, label) if self.record is None else
                        self._others_records(others, label))

    def _others_rows(self, others: list[int], label: Any) -> Iterator[list]:
        """Others' rows, labelled: in the order read, or, with deeper levels, merged by
        the deeper keys as the database ordered them (``sorting.in_order``)."""
        assert self.positions is not None
        deeper = self.positions[1]
        if not deeper:
            pieces: Iterable[list] = chain.from_iterable(self.runs.read(run) for run in others)
        else:
            inner = itemgetter(*deeper) if len(deeper) > 1 else (lambda row: (row[deeper[0]],))
            descs = [g.desc for g in self.plan.groups[1:]]

            def order(keys: tuple) -> tuple:
                return tuple((v is None, Desc(rank_key(v)) if desc else rank_key(v))
                             for v, desc in zip(keys, descs, strict=True))

            def blocks(run: int) -> Iterator[tuple[tuple, list]]:
                for piece in self.runs.read(run):
                    for keys, block in groupby(piece, inner):
                        yield order(keys), list(block)

            def merge(runs: list[int]) -> Iterator[list]:
                # ties (the same deeper keys in two runs) in the order the runs were read
                return map(itemgetter(1), heapq.merge(*(blocks(run) for run in runs), key=itemgetter(0)))
            pieces = self._merged(others, merge)
        for chunk in _batched(pieces):
            yield Labelled(chunk, label)

    def _others_records(self, others: list[int], label: Any) -> Iterator[list]:
        """Others' records, the label as their key, in the order ``passes.rewrite``'s
        sort gives: each run is in record order, and so stays the merge of their
        records with the top key's parts made equal."""
        assert self.record is not None
        merged = into_others(self.plan, self.record, 0, label)

        def merge(runs: list[int]) -> Iterator[list]:
            # ``merged`` gives a merged record back as it was: runs merged before merge again
            records = heapq.merge(*(map(merged, chain.from_iterable(self.runs.read(run))) for run in runs))
            return iter(lambda: list(islice(records, BATCH)), [])
        return self._merged(others, merge)

    def _merged(self, runs: list[int], merge: Callable[[list[int]], Iterator[list]]) -> Iterator[list]:
        """``merge`` (runs -> their items merged, in chunks) over any number of runs, at
        most ``_FAN_IN`` at a time: each merge holds a piece of each of its runs, so
        many runs (Others merging thousands of groups) are merged in rounds, each
        round's merged runs kept as new runs, in order (a tie goes to the earlier run)."""
        while len(runs) > _FAN_IN:
            runs = [self.runs.add_run(_batched(merge(runs[i:i + _FAN_IN]))) for i in range(0, len(runs), _FAN_IN)]
        return merge(runs)

    def close(self) -> None:
        self.runs.close()
        if self.steps is not None:
            self.steps.close()


def _batched(pieces: Iterable[list]) -> Iterator[list]:
    """The pieces in chunks of about ``BATCH``: a big piece as it is, small ones joined."""
    held: list = []
    for piece in pieces:
        if not held and len(piece) >= BATCH:
            yield piece
            continue
        held.extend(piece)
        if len(held) >= BATCH:
            yield held
            held = []
    if held:
        yield held
