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
from decimal import Decimal

from reportdsl.errors import ReportDataError, fail
from reportdsl.sources.locations import counted_chunks, read_failure
from reportdsl.sources.schema import (
    csv_header,
    decode_json_record,
    describe_csv,
    json_record_problem,
    open_text,
)

CHUNK_ROWS = 4096


class SourceRowError(Exception):
    """Raised by generated row code on a ``BadRow``: the row fails like any other."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRow:
    """A record the source could not read (a JSONL line that is no JSON object), in
    the row stream at its place: unpacking it raises ``SourceRowError``, so it is
    numbered, skipped and listed, or fatal, as ``on_error`` says."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message

    def __iter__(self):
        raise SourceRowError(self.message)

    def __getitem__(self, index):
        raise SourceRowError(self.message)

    def __len__(self) -> int:
        return 0


class FileRows:
    """What the file streams share: an open text file, closed once."""

    _file = None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class CsvRows(FileRows):
    conversion = "text"
    exact = False
    ordered = False

    def __init__(self, path: str, shown: str):
        self.path = path
        self.shown = shown
        self.rows_read = 0
        self._file = open_text(path, shown)
        try:
            self._reader = csv.reader(self._file)
            self.names = csv_header(self._reader, shown)
        except (csv.Error, UnicodeDecodeError) as exc:
            self.close()
            raise fail(ReportDataError, f"cannot read source '{shown}': {exc}") from None
        except BaseException:
            self.close()
            raise

    def inferred_types(self) -> dict[str, str]:
        return {c.name: c.type for c in describe_csv(self.path, self.shown)}

    def chunks(self):
        reader = self._reader
        return counted_chunks(self, lambda: list(itertools.islice(reader, CHUNK_ROWS)), _explain_csv_error)


class JsonlRows(FileRows):
    conversion = "python"
    exact = True
    ordered = False

    def __init__(self, path: str, shown: str, columns: list[str]):
        self.path = path
        self.shown = shown
        self.names = list(columns)
        self.rows_read = 0
        self._file = open_text(path, shown)

    def chunks(self):
        names = self.names
        loads = json.JSONDecoder(parse_float=Decimal).decode
        lineno = 0
        try:
            lines = iter(self._file)
            while True:
                try:
                    block = list(itertools.islice(lines, CHUNK_ROWS))
                except UnicodeDecodeError as exc:
                    raise read_failure(self.shown, self.rows_read, str(exc)) from None
                if not block:
                    return
                rows = []
                for line in block:
                    lineno += 1
                    if not line.strip():
                        continue
                    try:
                        record = loads(line)
                        get = record.get
                    except (ValueError, AttributeError, RecursionError):
                        problem = decode_json_record(line)
                        rows.append(BadRow(json_record_problem(problem, lineno, self.shown)))
                        continue
                    rows.append(tuple([get(n) for n in names]))
                self.rows_read += len(rows)
                yield rows
        finally:
            self.close()


def _explain_csv_error(exc: BaseException) -> str | None:
    return str(exc) if isinstance(exc, (csv.Error, UnicodeDecodeError)) else None
