"""The row-source interface: what every source gives the engine (``RowSource``).

In (when ``opening.open_source`` opens one): where the rows are (a file, a URL, an
Engine/Connection, Python objects), the columns the report reads, the parameter
values, and — for a source that can take them pushed down — the plan (its ``where``
and its order) and whether rows must come in report order.

Out, what the engine reads, and nothing else:

- **schema**: ``names``, the column at each position of a raw row; ``exact``: the
  rows hold exactly the columns read, in ``names`` order (a CSV row is the whole
  record, and the engine picks the read columns by position); ``source_types``, the
  type the source itself reports for a column (used where the plan has none);
  ``text_columns``, columns whose every value is surely text or null (SQLite's TEXT
  affinity), so their values need no check; ``decimal_scales``, the declared scale of
  ``DECIMAL(p, s)`` columns (values get ``s`` places; sums may run on integers).
- **rows**: ``chunks()`` yields lists of rows, once, and closes the source at the
  end; a row is a sequence of raw values as ``conversion`` says (``"text"``: strings
  to parse, an empty one is null; ``"python"``: typed values, coerced only when not of
  the column's type), or a ``BadRow`` where a record could not be read, which fails
  in its place as ``on_error`` says. ``rows_read`` counts the rows delivered so far;
  ``shown`` names the source in errors. ``close()`` may be called at any time, twice.
- **order**: ``ordered`` — the rows arrive in report order (the order was pushed
  down and the engine only checks it); otherwise no order is guaranteed beyond the
  source's own (file order, iteration order), and the engine sorts.
- **pushdown**: ``pushdown`` says what the kind of source can take: the report's
  ``where`` (the parts with an SQL form; rows it leaves out are never delivered, and
  the engine still applies the whole ``where`` to the rest) and its order
  (``ORDER BY``, then ``ordered`` is true when asked for).

Implementations: ``file_streams.CsvRows``/``JsonlRows``,
``python_rows.IterableRows``/``DataFrameRows``, ``sql.stream.SqlRows`` (SQLAlchemy)
and ``sql.sqlite.SqliteRows`` (stdlib ``sqlite3``). Each module lists its classes as
``type[RowSource]``, so mypy checks them against this protocol.

This module imports nothing but the standard library's typing helpers: ``reportdsl
check`` and builds over files never import SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Literal, Protocol, TypeAlias, runtime_checkable

Conversion: TypeAlias = Literal["text", "python"]


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

    def __iter__(self) -> Iterator[Any]:
        raise SourceRowError(self.message)

    def __getitem__(self, index: int) -> Any:
        raise SourceRowError(self.message)

    def __len__(self) -> int:
        return 0


Row: TypeAlias = "Sequence[Any] | BadRow"


@dataclass(frozen=True)
class Pushdown:
    """What a kind of source can do for the report before rows reach the engine."""

    where: bool = False  # leave out rows the report's ``where`` rejects
    order_by: bool = False  # deliver the rows in the report's order


NO_PUSHDOWN = Pushdown()
SQL_PUSHDOWN = Pushdown(where=True, order_by=True)

NO_SCALES: Mapping[str, int] = MappingProxyType({})  # ``decimal_scales`` of a source without any


@runtime_checkable
class RowSource(Protocol):
    """An opened source of rows (see the module docstring for each member)."""

    pushdown: ClassVar[Pushdown]

    # schema
    @property
    def names(self) -> Sequence[str]: ...

    @property
    def exact(self) -> bool: ...

    @property
    def source_types(self) -> Mapping[str, str]: ...

    @property
    def text_columns(self) -> AbstractSet[str]: ...

    @property
    def decimal_scales(self) -> Mapping[str, int]: ...

    # rows
    @property
    def conversion(self) -> Conversion: ...

    @property
    def shown(self) -> str: ...

    @property
    def rows_read(self) -> int: ...

    def chunks(self) -> Iterator[Sequence[Row]]: ...

    def close(self) -> None: ...

    # order
    @property
    def ordered(self) -> bool: ...
