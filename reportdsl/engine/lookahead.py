"""Whole values from one read of the rows: the collecting run goes ahead of the printing run.

In: the chunks of rows (or sorted records) of a run whose detail reads ``whole``
values (§9) and orders no level (§12), the generated module's code and
namespace, and a memory budget. Out: the chunks for the printing run, and the entries
of its namespace that give it each group instance's whole values (``_W{depth}``) and
check its own finals against them (``_whole_done``).

Why: the values of a group are known only at its end, but its rows print from its
start. Reading the source twice (or running over the sorted records twice) cost a
second read; here one read feeds both runs of the same generated code. The
collecting run (``run_steps``, a generator that stops after each chunk) takes the
chunks first; each chunk waits in a queue until the printing run takes it. When the
printing run opens a group instance whose values are not known yet, the collecting
run steps on until they are: it is ahead by at most the instance and a chunk, so
memory is bounded by the largest group of the outermost level read whole, and past
the budget the queue is kept in a temporary file. The report's own whole values are
known only at its end, so there the collecting run reads every row before the
printing run starts (``_W0[0]``), and the queue holds the report, in the file past
the budget.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Iterable, Iterator
from typing import Any

from reportdsl.engine.passes import WholeValues, rows_changed
from reportdsl.engine.sorting import SpillFile, records_within


class Queue:
    """Chunks first in, first out; past ``budget`` bytes (estimated from the first
    chunk's rows) they wait in a temporary file, each one pickled, until taken."""

    def __init__(self, budget: int):
        self.budget = budget
        self.memory: deque[list] = deque()
        self.rows_in_memory = 0
        self.capacity: int | None = None  # rows the memory may hold
        self.file = SpillFile("the rows waiting for their group's values", "reportdsl-ahead-")
        self.written = self.read = 0  # chunks in the file, chunks taken from it
        self.read_at = 0
        self.spilled_rows = 0

    def __len__(self) -> int:
        return len(self.memory) + self.written - self.read

    def push(self, chunk: list) -> None:
        if self.capacity is None and chunk:
            self.capacity = records_within(self.budget, chunk)
        if self.written > self.read:  # older chunks wait in the file: this one follows them there
            self._write(chunk)
            return
        self.memory.append(chunk)
        self.rows_in_memory += len(chunk)
        if self.capacity is not None and self.rows_in_memory > self.capacity:
            while self.memory:
                self._write(self.memory.popleft())
            self.rows_in_memory = 0

    def pop(self) -> list:
        if self.written > self.read:
            chunk, self.read_at = self.file.read(self.read_at)
            self.read += 1
            if self.read == self.written:  # drained: the file starts again
                self.file.clear()
                self.written = self.read = self.read_at = 0
            return chunk
        chunk = self.memory.popleft()
        self.rows_in_memory -= len(chunk)
        return chunk

    def _write(self, chunk: list) -> None:
        self.file.write(chunk)
        self.written += 1
        self.spilled_rows += len(chunk)

    def close(self) -> None:
        self.file.close()
        self.memory.clear()


class Lookahead:
    """One read of the chunks for both runs: the collecting run reads ``ahead(chunks)``,
    the printing run ``printing()``."""

    def __init__(self, budget: int):
        self.queue = Queue(budget)
        self.steps: Generator[None, None, Any] | None = None  # the collecting run, set by ``start``
        self.finished = False

    @property
    def spilled_rows(self) -> int:
        return self.queue.spilled_rows

    def ahead(self, chunks: Iterable[list]) -> Iterator[list]:
        """The collecting run's chunks: each waits in the queue for the printing run."""
        for chunk in chunks:
            self.queue.push(chunk)
            yield chunk

    def start(self, steps: Generator[None, None, Any]) -> None:
        self.steps = steps

    def step(self) -> None:
        assert self.steps is not None
        try:
            next(self.steps)
        except StopIteration:
            self.finished = True

    def printing(self) -> Iterator[list]:
        while True:
            if len(self.queue):
                yield self.queue.pop()
            elif self.finished:
                return
            else:
                self.step()

    def close(self) -> None:
        self.queue.close()
        if self.steps is not None:
            self.steps.close()


class _Known:
    """One depth's whole values, per instance; a missing one makes the collecting run step on."""

    def __init__(self, values: list, lookahead: Lookahead):
        self.values = values
        self.lookahead = lookahead

    def __getitem__(self, index: int) -> tuple:
        values, lookahead = self.values, self.lookahead
        while index >= len(values) and not lookahead.finished:
            lookahead.step()
        if index >= len(values):
            raise rows_changed()
        return values[index]


def printing_entries(whole: WholeValues, lookahead: Lookahead) -> dict[str, Any]:
    """The printing run's ``_W{depth}`` and ``_whole_done``, reading what the collecting
    run (with ``whole.collecting()``'s entries) keeps as it goes."""
    entries = whole.reading()
    entries.update({f"_W{d}": _Known(whole.values[d], lookahead) for d in whole.widths})
    return entries
