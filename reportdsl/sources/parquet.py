"""Parquet files (one path or a glob), read through DuckDB.

In: a ``Location`` of kind ``parquet`` (an absolute path or glob), and for a run the
parameter values, the columns the report reads, the plan (its ``where`` and order) and
whether rows must come in report order. Out: ``describe_parquet`` (column names and
DuckDB type names, from the files' metadata: ``DESCRIBE``, no row is read),
``report_type`` (a DuckDB type name as the report's type), and ``ParquetRows``, the row
source.

- One in-memory DuckDB connection per read: ``SELECT cols FROM read_parquet(...)``,
  so only the columns the report reads are decoded; rows stream with ``fetchmany``
  (DuckDB produces them as they are fetched, a bounded memory whatever the files'
  size; a sort spills to a private temporary folder past ``MEMORY_LIMIT``).
- The report's ``where`` and its order go into the statement where SQL gives the
  engine's answer: the SQL sources' own translations (``sql/where.py``,
  ``sql/order.py``) in the DuckDB dialect, over columns whose report type is the
  files' own. The source order (§15) is the files' order (as the glob lists them)
  and each file's row order: a pushed ORDER BY ends with DuckDB's ``file_index`` and
  ``file_row_number``, so ties keep it, as the engine's stable sort would.
- Values arrive typed and exact: DECIMAL(p, s) as its exact text, which the engine
  makes a ``Decimal`` of ``s`` places (``decimal_scales``), DATE as ``date``, TIMESTAMP as
  ``datetime`` (a TIMESTAMP WITH TIME ZONE as its UTC time, without a zone; TIMESTAMP_NS
  to the microsecond), DOUBLE/FLOAT as floats (NaN kept); TIME, UUID and INTERVAL as
  their text. Lists, structs, maps and blobs have no report type: a report that reads
  one is told so.
- DuckDB is an optional dependency (``pip install 'reportdsl[parquet]'``); this module
  imports it only when a Parquet source is described or read.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from reportdsl.errors import ReportDataError, SourceFailure, fail
from reportdsl.sources.interface import SQL_PUSHDOWN, Conversion, Pushdown, RowSource
from reportdsl.sources.locations import Location, counted_chunks
from reportdsl.sources.sql.order import order_by
from reportdsl.sources.sql.text import query_parameters, replace_parameters
from reportdsl.sources.sql.where import fits_int64, where_clause

if TYPE_CHECKING:
    import duckdb

    from reportdsl.plan.models import Plan

CHUNK_ROWS = 4096
# DuckDB's own memory for one read (decoding, a pushed sort): past it a sort spills to
# disk. Its default, 80 % of the machine's memory, is no bound for a report engine.
MEMORY_LIMIT = "512MB"

_INTS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
         "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}
_TIMESTAMPS = {"TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"}
_ZONED = {"TIMESTAMP WITH TIME ZONE"}  # read as UTC wall time: the engine's datetimes have no zone
_AS_TEXT = {"TIME", "TIME WITH TIME ZONE", "UUID", "INTERVAL"}  # no report type: their text
_TYPES = {"FLOAT": "float", "DOUBLE": "float", "VARCHAR": "string", "JSON": "string",
          "DATE": "date", "BOOLEAN": "bool"}
# What DuckDB adds to a scan: the position of a row's file in the list and of the row in
# its file (``file_index``, ``file_row_number``), named apart from the files' columns.
_FILE, _ROW = "_reportdsl_file_index", "_reportdsl_file_row"


def report_type(duckdb_type: str) -> str:
    """The report's type of a DuckDB column type; ``any`` for one a report cannot read."""
    t = duckdb_type.upper()
    if t in _INTS:
        return "int"
    if t.startswith("DECIMAL"):
        return "decimal"
    if t in _TIMESTAMPS or t in _ZONED:
        return "datetime"
    if t in _AS_TEXT or t.startswith("ENUM("):
        return "string"
    return _TYPES.get(t, "any")


def _readable(duckdb_type: str) -> bool:
    return report_type(duckdb_type) != "any"


def _select_expr(name: str, duckdb_type: str) -> str | None:
    """How the scan gives a column whose DuckDB value is not the report's; None: as it is."""
    t = duckdb_type.upper()
    if t in _ZONED:
        return f"timezone('UTC', {quote(name)})"
    if t in _AS_TEXT or t.startswith("ENUM("):
        return f"CAST({quote(name)} AS VARCHAR)"
    return None


def decimal_scale(duckdb_type: str) -> int | None:
    """The ``s`` of ``DECIMAL(p,s)``, else None."""
    m = re.fullmatch(r"DECIMAL\(\s*\d+\s*,\s*(\d+)\s*\)", duckdb_type.strip(), re.IGNORECASE)
    return int(m.group(1)) if m else None


def _fetched(name: str, duckdb_type: str) -> str:
    """A column as the SELECT hands it to Python. A decimal comes as its text: DuckDB
    makes each ``Decimal`` itself at ~4 µs, three times the whole rest of a row's read,
    and the engine's cached conversion of a DECIMAL(p, s) column (``decimal_scales``,
    scaled integers in sums) takes the exact text (1M rows: 4.3 s -> 1.5 s to fetch)."""
    if decimal_scale(duckdb_type) is not None:
        return f"CAST({quote(name)} AS VARCHAR)"
    return quote(name)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _duckdb(shown: str):
    try:
        import duckdb
    except ImportError:
        raise fail(ReportDataError, f"cannot read parquet '{shown}': reading Parquet files needs DuckDB, "
                                    "which is not installed (pip install 'reportdsl[parquet]')") from None
    return duckdb


def _has_magic(path: str) -> bool:
    return any(ch in path for ch in "*?[")


def _files_exist(loc: Location) -> None:
    """A path that names no file, or a glob that matches none, in the user's words
    (DuckDB's message would name its own pattern syntax)."""
    if _has_magic(loc.target):
        if not any(os.path.isfile(p) for p in glob.iglob(loc.target, recursive=True)):
            raise fail(SourceFailure, f"cannot read parquet '{loc.shown}': no file matches {loc.target}")
    elif os.path.isdir(loc.target):
        raise fail(SourceFailure, f"cannot read parquet '{loc.shown}': {loc.target} is a folder "
                                    "(give a glob for its files, like 'folder/*.parquet')")
    elif not os.path.isfile(loc.target):
        raise fail(SourceFailure, f"cannot read parquet '{loc.shown}': no such file {loc.target}")


def _scan(loc: Location) -> str:
    return f"read_parquet({_literal(loc.target)})"


_ERROR_CLASS = re.compile(r"^[A-Z][A-Za-z ]{0,40} Error: ")  # "Invalid Input Error: ", "IO Error: "


def _db_message(exc: BaseException) -> str:
    """DuckDB's message, its first line, without the error class it starts with."""
    lines = str(exc).strip().splitlines()
    return _ERROR_CLASS.sub("", lines[0]) if lines else type(exc).__name__


def _failure(shown: str, exc: BaseException) -> ReportDataError:
    return fail(SourceFailure, f"cannot read parquet '{shown}': {_db_message(exc)}")


def describe_parquet(loc: Location) -> list[tuple[str, str]]:
    """(column, DuckDB type name) of the files, from their metadata alone."""
    _files_exist(loc)
    duckdb = _duckdb(loc.shown)
    try:
        con = duckdb.connect(":memory:")
    except duckdb.Error as exc:
        raise _failure(loc.shown, exc) from None
    try:
        return [(str(r[0]), str(r[1])) for r in con.execute(f"DESCRIBE SELECT * FROM {_scan(loc)}").fetchall()]
    except duckdb.Error as exc:
        raise _failure(loc.shown, exc) from None
    finally:
        con.close()


def _binds_exactly(value: object) -> bool:
    """Whether DuckDB takes ``value`` as a parameter without rounding it: an integer of
    64 bits, a decimal DuckDB's DECIMAL(38) holds (a wider one becomes a DOUBLE)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            return False
        digits, exponent = len(value.as_tuple().digits), int(value.as_tuple().exponent)
        return digits + max(exponent, 0) <= 38 and -exponent <= 37
    return fits_int64(value)


def statement(loc: Location, types: dict[str, str], columns: list[str], params: dict[str, Any],
              plan: Plan | None, want_order: bool) -> tuple[str, list[Any], bool]:
    """The SELECT over the files, its positional values, and whether its rows come in
    report order. ``types``: the files' DuckDB type of each column."""
    casts = {n: e for n, e in ((n, _select_expr(n, types[n])) for n in columns) if e is not None}
    replace = f" REPLACE ({', '.join(f'{e} AS {quote(n)}' for n, e in casts.items())})" if casts else ""
    order_free = _FILE not in types and _ROW not in types
    marks = f", file_index AS {quote(_FILE)}, file_row_number AS {quote(_ROW)}" if order_free else ""
    sql = (f"SELECT {', '.join(_fetched(c, types[c]) for c in columns) or '1'} "
           f"FROM (SELECT *{replace}{marks} FROM {_scan(loc)}) AS _src")
    binds: dict[str, Any] = {}
    # pushed only over columns the plan reads with the files' own type: an override
    # source may hold other types than the report was checked against
    plan_types = {c.name: c.type for c in plan.columns} if plan is not None else {}
    same = {c for c in columns if plan_types.get(c, report_type(types[c])) == report_type(types[c])}
    where = where_clause(plan, "duckdb", quote, same) if plan is not None else None
    if where is not None:
        named = [name for name, _ in query_parameters(where.condition)]
        values = {**{n: params.get(n) for n in named}, **where.binds}
        if all(_binds_exactly(v) for v in values.values()):
            sql += f" WHERE {where.condition}"
            binds.update(values)
    ordered = False
    # Groups ordered by a total or limited (§12) are sorted by the engine whatever comes:
    # by rank, with Others merging several keys, whose rows must then arrive in source
    # order, not in the order of the keys they had.
    regrouped = plan is not None and any(g.order_by is not None or g.limit is not None for g in plan.groups)
    if want_order and plan is not None and order_free and not regrouped:
        ob = order_by(plan, "duckdb", quote, same)
        if ob is not None:
            ordered = True
            if ob.clause:
                # ties in file order: the source order (§15) the engine's stable sort keeps
                # (one file: its row number alone)
                sql += f" {ob.clause}, {quote(_FILE) + ', ' if _has_magic(loc.target) else ''}{quote(_ROW)}"
                binds.update(ob.binds)
                binds.update({n: params.get(n) for n, _ in query_parameters(ob.clause) if n not in ob.binds})
    args = [binds[name] for name, _ in query_parameters(sql)]
    return replace_parameters(sql, lambda name: "?"), args, ordered


class ParquetRows:
    """The rows of Parquet files: exactly the columns read, typed; ``where`` and the
    order pushed where they can be (see the module docstring)."""

    pushdown: ClassVar[Pushdown] = SQL_PUSHDOWN
    exact = True
    conversion: Conversion = "python"

    def __init__(self, loc: Location, params: dict[str, Any], columns: list[str], plan: Plan | None,
                 want_order: bool):
        self.shown = loc.shown
        self.names = list(columns)
        self.rows_read = 0
        self.ordered = False
        declared = dict(describe_parquet(loc))
        missing = [c for c in columns if c not in declared]
        if missing:
            raise fail(ReportDataError, f"source '{loc.shown}' has no column '{missing[0]}' "
                                        f"(its columns: {', '.join(declared)})")
        unreadable = [c for c in columns if not _readable(declared[c])]
        if unreadable:
            c = unreadable[0]
            raise fail(ReportDataError, f"column '{c}' of parquet '{loc.shown}' is of type {declared[c]}, "
                                        "which a report cannot read (numbers, text, dates, times and "
                                        "booleans only)")
        self.source_types = {c: report_type(t) for c, t in declared.items()}
        self.text_columns = frozenset(c for c in columns if self.source_types[c] == "string")
        self.decimal_scales = {c: s for c in columns if (s := decimal_scale(declared[c])) is not None}
        sql, args, ordered = statement(loc, declared, columns, params, plan, want_order)
        self.sql = sql  # what DuckDB runs (tests and ``--stats`` readers look)
        self._spill = tempfile.mkdtemp(prefix="reportdsl-duckdb-")
        module = _duckdb(loc.shown)
        self._con: duckdb.DuckDBPyConnection | None = None
        try:
            self._con = module.connect(":memory:", config={"memory_limit": MEMORY_LIMIT,
                                                          "temp_directory": self._spill})
            self._con.execute(sql, args)
        except module.Error as exc:
            self.close()
            raise _failure(loc.shown, exc) from None
        except BaseException:
            self.close()
            raise
        self.ordered = ordered
        self._error = module.Error

    def chunks(self) -> Iterator[list[Any]]:
        con = self._con
        if con is None:
            raise ValueError(f"source '{self.shown}' is closed")
        error = self._error

        def explain(exc: BaseException) -> str | None:
            return _db_message(exc) if isinstance(exc, error) else None

        return counted_chunks(self, lambda: con.fetchmany(CHUNK_ROWS), explain)

    def close(self) -> None:
        if self._con is not None:
            with contextlib.suppress(Exception):  # closing after a failure must not hide it
                self._con.close()
            self._con = None
        shutil.rmtree(self._spill, ignore_errors=True)


# mypy checks that this is a row source (``interface.RowSource``)
ROW_SOURCES: tuple[type[RowSource], ...] = (ParquetRows,)
