"""Rows from Python objects: iterables of dicts, pandas and polars DataFrames.

In: the object given as ``source=`` and the columns the report reads. Out: a row
source yielding chunks of tuples (one value per read column, in that order) with
``conversion="python"``: values are used as they are and only coerced when they are
not of the column's type (a date given as text, a price given as a float).

pandas and polars are optional: they are recognised by the object's module and
imported only then. pandas' missing values (NaN, NaT, None) become null.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar

from reportdsl.errors import ReportDataError, fail
from reportdsl.sources.interface import NO_PUSHDOWN, NO_SCALES, Conversion, Pushdown, RowSource

CHUNK_ROWS = 4096


def is_dataframe(obj: object) -> str | None:
    """"pandas" or "polars" when ``obj`` is one of their DataFrames."""
    module = type(obj).__module__ or ""
    if module.startswith("pandas") and hasattr(obj, "itertuples"):
        return "pandas"
    if module.startswith("polars") and hasattr(obj, "iter_slices"):
        return "polars"
    return None


class PythonRows:
    """What the Python sources share: typed values, exactly the columns read, in the
    given order; nothing to push down; the types are the plan's (``source_types`` is
    empty: values are taken as they come)."""

    pushdown: ClassVar[Pushdown] = NO_PUSHDOWN
    conversion: Conversion = "python"
    exact = True
    ordered = False
    text_columns: frozenset[str] = frozenset()
    decimal_scales = NO_SCALES

    def __init__(self, shown: str, columns: list[str]):
        self.shown = shown
        self.names = list(columns)
        self.rows_read = 0
        self.source_types: dict[str, str] = {}


class IterableRows(PythonRows):
    def __init__(self, rows: Iterable[Any], columns: list[str]):
        super().__init__("the given rows", columns)
        self._iter = iter(rows)

    def chunks(self) -> Iterator[list[tuple[Any, ...]]]:
        names = self.names
        it = self._iter
        while True:
            batch = list(itertools.islice(it, CHUNK_ROWS))
            if not batch:
                return
            try:
                rows = [tuple([d.get(n) for n in names]) for d in batch]
            except AttributeError:
                for i, d in enumerate(batch):
                    if not isinstance(d, Mapping):
                        raise fail(ReportDataError, f"row {self.rows_read + i + 1} of the given rows is a "
                                                    f"{type(d).__name__}, not a dict of column values") from None
                raise
            self.rows_read += len(rows)
            yield rows

    def close(self) -> None:
        close = getattr(self._iter, "close", None)
        if close is not None:
            close()


class DataFrameRows(PythonRows):
    def __init__(self, frame: Any, kind: str, columns: list[str]):
        super().__init__(f"the given {kind} DataFrame", columns)
        self.frame = frame
        self.kind = kind
        present = [str(c) for c in frame.columns]
        missing = [c for c in self.names if c not in present]
        if missing:
            raise fail(ReportDataError, f"{self.shown} has no column '{missing[0]}' "
                                        f"(its columns: {', '.join(present)})")

    def chunks(self) -> Iterator[list[tuple[Any, ...]]]:
        if self.kind == "polars":
            selected = self.frame.select(self.names) if self.names else self.frame.select([])
            height = self.frame.height
            if not self.names:
                for start in range(0, height, CHUNK_ROWS):
                    n = min(CHUNK_ROWS, height - start)
                    self.rows_read += n
                    yield [()] * n
                return
            for part in selected.iter_slices(CHUNK_ROWS):
                rows = part.rows()
                self.rows_read += len(rows)
                yield rows
            return
        frame = self.frame
        for start in range(0, len(frame), CHUNK_ROWS):
            part = frame.iloc[start:start + CHUNK_ROWS]
            if not self.names:
                rows = [()] * len(part)
            else:
                part = part[self.names].astype(object)
                part = part.where(part.notna(), None)
                rows = list(part.itertuples(index=False, name=None))
            self.rows_read += len(rows)
            yield rows

    def close(self) -> None:
        pass


# mypy checks that these are row sources (``interface.RowSource``)
ROW_SOURCES: tuple[type[RowSource], ...] = (IterableRows, DataFrameRows)
