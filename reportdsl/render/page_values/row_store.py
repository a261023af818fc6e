"""Rows kept in order with bounded memory, read back by position.

In: tuples of plain values (a detail row's page inputs, LANGUAGE.md §13) appended in
row order. Out: ``rows(start, end)``, the rows ``[start, end)`` as a list. Past
``batch`` rows, full batches go to an anonymous temporary file (pickled, one batch a
record, its offset kept), so a report of millions of rows costs disk, not memory; the
readers go through the rows in order (page after page, piece after piece), so each
batch is read back about once, and the last one read is kept.
"""

from __future__ import annotations

import pickle
import tempfile
from typing import IO, Any

BATCH = 20_000


class RowStore:
    def __init__(self, batch: int = BATCH) -> None:
        self.batch = batch
        self._tail: list[Any] = []  # the rows after the last full batch
        self._offsets: list[int] = []  # where each batch written starts in the file
        self._file: IO[bytes] | None = None
        self._kept: tuple[int, list[Any]] | None = None  # the batch read last
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def append(self, row: Any) -> None:
        self._tail.append(row)
        self._count += 1
        if len(self._tail) >= self.batch:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="reportdsl-rows-")  # noqa: SIM115 - closed by close()
            self._file.seek(0, 2)
            self._offsets.append(self._file.tell())
            pickle.dump(self._tail, self._file, pickle.HIGHEST_PROTOCOL)
            self._tail = []

    def rows(self, start: int, end: int) -> list[Any]:
        out: list[Any] = []
        index, end = max(start, 0), min(end, self._count)
        while index < end:
            number = index // self.batch
            batch = self._batch(number)
            low = index - number * self.batch
            high = min(end - number * self.batch, len(batch))
            out.extend(batch[low:high])
            index = number * self.batch + high
        return out

    def _batch(self, number: int) -> list[Any]:
        if number == len(self._offsets):
            return self._tail
        if self._kept is not None and self._kept[0] == number:
            return self._kept[1]
        assert self._file is not None
        self._file.seek(self._offsets[number])
        rows = pickle.load(self._file)  # our own file, written above
        self._kept = (number, rows)
        return rows

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
