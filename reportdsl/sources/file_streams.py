"""Rows from CSV and JSON Lines files, in chunks, in file order.

In: an absolute path (and how to name it in errors), the columns the report reads.
Out: a row source — ``chunks()`` yields lists of rows; ``names``/``positions`` say
where each read column sits; ``conversion`` says how raw values become typed:

- CSV rows are the reader's lists of strings (``conversion="text"``): the
  generated row code parses only the columns the report reads, and an empty
  field is null. Column types are the plan's, else inferred from the first rows.
- JSONL rows are tuples of the read columns' values (``conversion="python"``):
  JSON numbers with a fraction are Decimals (their exact text), ISO date strings
  become dates by the column's type. A line that is not a JSON object is a
  ``BadRow`` in its place, which fails in the row code as ``on_error`` says.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import stat
from collections.abc import Iterator
from decimal import Decimal
from typing import ClassVar, TextIO

from reportdsl.errors import SourceFailure, fail
from reportdsl.sources.interface import (
    NO_PUSHDOWN,
    NO_SCALES,
    BadRow,
    Conversion,
    Pushdown,
    Row,
    RowSource,
    SourceRowError,
)
from reportdsl.sources.locations import counted_chunks, read_failure
from reportdsl.sources.schema import (
    csv_header,
    decode_json_record,
    describe_csv,
    json_record_problem,
    open_text,
)

CHUNK_ROWS = 4096


__all__ = ["BadRow", "CsvRows", "JsonlRows", "SourceRowError"]


class FileRows:
    """What the file streams share: an open text file, closed once; no pushdown, rows
    in file order; the types are the plan's, else the file's (``source_types``)."""

    pushdown: ClassVar[Pushdown] = NO_PUSHDOWN
    ordered = False
    text_columns: frozenset[str] = frozenset()
    decimal_scales = NO_SCALES

    def __init__(self, path: str, shown: str):
        self.path = path
        self.shown = shown
        self.rows_read = 0
        self.source_types: dict[str, str] = {}
        self._file: TextIO | None = open_text(path, shown)
        self._size = _regular_size(self._file)

    def _read_to_the_end(self) -> None:
        """At the end of the rows: a file that shrank while it was read (truncated or
        replaced by a writer) gave a part of its rows, and must not pass for all of them."""
        if self._size is not None and self._file is not None:
            now = _regular_size(self._file)
            if now is not None and now < self._size:
                raise read_failure(self.shown, self.rows_read,
                                   f"the file shrank from {self._size:,} to {now:,} bytes while it was read")

    def _opened(self) -> TextIO:
        if self._file is None:
            raise ValueError(f"source '{self.shown}' is closed")
        return self._file

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class CsvRows(FileRows):
    conversion: Conversion = "text"
    exact = False

    def __init__(self, path: str, shown: str):
        super().__init__(path, shown)
        try:
            self._reader = csv.reader(self._opened())
            self.names = csv_header(self._reader, shown)
        except (csv.Error, UnicodeDecodeError) as exc:
            self.close()
            raise fail(SourceFailure, f"cannot read source '{shown}': {exc}") from None
        except BaseException:
            self.close()
            raise

    def inferred_types(self) -> dict[str, str]:
        return {c.name: c.type for c in describe_csv(self.path, self.shown)}

    def chunks(self) -> Iterator[list[list[str]]]:
        reader = self._reader

        def fetch() -> list[list[str]]:
            rows = list(itertools.islice(reader, CHUNK_ROWS))
            if not rows:
                self._read_to_the_end()
            return rows

        return counted_chunks(self, fetch, _explain_csv_error)


class JsonlRows(FileRows):
    conversion: Conversion = "python"
    exact = True

    def __init__(self, path: str, shown: str, columns: list[str]):
        super().__init__(path, shown)
        self.names = list(columns)

    def chunks(self) -> Iterator[list[Row]]:
        names = self.names
        loads = json.JSONDecoder(parse_float=Decimal).decode
        lineno = 0
        try:
            lines = iter(self._opened())
            while True:
                try:
                    block = list(itertools.islice(lines, CHUNK_ROWS))
                except UnicodeDecodeError as exc:
                    raise read_failure(self.shown, self.rows_read, str(exc)) from None
                if not block:
                    self._read_to_the_end()
                    return
                rows: list[Row] = []
                for line in block:
                    lineno += 1
                    if not line.strip():
                        continue
                    try:
                        record = loads(line)
                        get = record.get
                    except (ValueError, AttributeError, RecursionError):
                        problem = decode_json_record(line)
                        if isinstance(problem, str):
                            rows.append(BadRow(json_record_problem(problem, lineno, self.shown)))
                            continue
                        get = problem.get  # read on a second try (a RecursionError passed)
                    rows.append(tuple([get(n) for n in names]))
                self.rows_read += len(rows)
                yield rows
        finally:
            self.close()


def _regular_size(f: TextIO) -> int | None:
    """The size of the open file, if it is a regular file (not a pipe or a device)."""
    info = os.fstat(f.fileno())
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _explain_csv_error(exc: BaseException) -> str | None:
    return str(exc) if isinstance(exc, (csv.Error, UnicodeDecodeError)) else None


# mypy checks that these are row sources (``interface.RowSource``)
ROW_SOURCES: tuple[type[RowSource], ...] = (CsvRows, JsonlRows)
