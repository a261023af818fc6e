"""Lines that wait, in order, with bounded memory: the queue of a streaming writer.

In: lines (picklable tuples of plain values: the engine's values and ``Deferred``
markers) appended in print order. Out: ``drain()`` gives them back in the same order
and empties the queue.

A writer that cannot go back (xlsxwriter's ``constant_memory`` mode writes each row
once) must hold a line whose value is not known yet (a group header's ``SUM(x)``, a
footer's ``… over report``) and every line after it. Past ``memory_lines`` lines the
queue moves them to an anonymous temporary file in pickled batches, so a report whose
first line waits for the last (a title with the grand total) costs disk, not memory.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from typing import IO, Any

MEMORY_LINES = 20_000


class Spool:
    def __init__(self, memory_lines: int | None = None) -> None:
        self.memory_lines = memory_lines or MEMORY_LINES
        self._lines: list[Any] = []
        self._file: IO[bytes] | None = None
        self._batches = 0
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    @property
    def spilled(self) -> bool:
        return self._batches > 0

    def append(self, line: Any) -> None:
        self._lines.append(line)
        self._count += 1
        if len(self._lines) >= self.memory_lines:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="reportdsl-spool-")  # noqa: SIM115 - closed by close()
            pickle.dump(self._lines, self._file, pickle.HIGHEST_PROTOCOL)
            self._batches += 1
            self._lines = []

    def drain(self) -> Iterator[Any]:
        """Every line, oldest first; the spool is empty at once (iterate to the end)."""
        batches, self._batches = self._batches, 0
        lines, self._lines = self._lines, []
        self._count = 0
        return self._replay(batches, lines)

    def _replay(self, batches: int, lines: list[Any]) -> Iterator[Any]:
        if batches and self._file is not None:
            handle = self._file
            handle.seek(0)
            for _ in range(batches):
                yield from pickle.load(handle)  # our own file, written above
            handle.seek(0)
            handle.truncate()
        yield from lines

    def clear(self) -> None:
        self._lines = []
        self._count = self._batches = 0
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()

    def close(self) -> None:
        self._lines = []
        self._count = self._batches = 0
        if self._file is not None:
            self._file.close()
            self._file = None
