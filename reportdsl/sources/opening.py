"""Choosing and opening the row source of one run.

In: the plan, the caller's ``source=`` override (None, a URL or path string, a
``pathlib.Path``, a SQLAlchemy Engine/Connection, a DataFrame, an iterable of
dicts), the parameter values, the columns the report reads, and whether rows must
arrive in report order. Out: an opened ``interface.RowSource`` (``SqliteRows`` for
plain SQLite files, ``SqlRows`` for other SQL sources, ``CsvRows``, ``JsonlRows``,
``ParquetRows``, ``SparkRows``, ``IterableRows``, ``DataFrameRows``), with the column types the source itself
reports (``source_types``) for columns the plan has no type for.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from reportdsl.errors import ReportDataError, fail
from reportdsl.plan.models import Plan, SourceSpec
from reportdsl.sources.interface import RowSource
from reportdsl.sources.locations import TABLE_KINDS, Location, override_location, resolve

if TYPE_CHECKING:
    from reportdsl.sources.sql.stream import SelectRows

# Plain SQLite files are read with the stdlib sqlite3 module (``sqlite_stream``), which
# spares importing SQLAlchemy; tests turn this off to compare both paths.
SQLITE_DIRECT = True


def _sql_override_parts(plan: Plan, shown: str) -> tuple[str | None, str | None]:
    spec = plan.source
    if spec is not None and spec.kind in TABLE_KINDS:
        return spec.table, spec.query
    raise fail(
        ReportDataError,
        f"source '{shown}' is a database, but the report's own source names no table or query to read from it",
    )


def _is_sqlalchemy(obj: object) -> bool:
    return (type(obj).__module__ or "").startswith("sqlalchemy")


def open_source(plan: Plan, override: object, params: dict[str, Any], columns: list[str], want_order: bool,
                cwd: str | None = None) -> RowSource:
    """The opened row source; the caller closes it (``chunks()`` closes when done)."""
    from reportdsl.sources.python_rows import DataFrameRows, IterableRows, is_dataframe

    if override is None:
        if plan.source is None:
            raise fail(ReportDataError, "the report has no source: give one with --source or source=")
        loc = resolve(plan.source, plan.base_dir)
        return _open_location(plan, loc, plan.source, params, columns, want_order)
    if isinstance(override, (str, PurePath)):
        loc = override_location(str(override), cwd or os.getcwd())
        own = plan.source
        spec = own if loc.kind in TABLE_KINDS and own is not None and own.kind in TABLE_KINDS else None
        return _open_location(plan, loc, spec, params, columns, want_order)
    if _is_sqlalchemy(override):
        import sqlalchemy as sa

        from reportdsl.sources.sql.stream import SqlRows

        if not isinstance(override, (sa.engine.Engine, sa.engine.Connection)):
            raise fail(ReportDataError, f"cannot read rows from a {type(override).__name__}: "
                                        "give a SQLAlchemy Engine or Connection")
        shown = "the given database connection"
        table, query = _sql_override_parts(plan, shown)
        rows = SqlRows(override, shown, table, query, params, columns, plan, want_order)
        rows.open()
        return rows
    kind = is_dataframe(override)
    if kind:
        return DataFrameRows(override, kind, columns)
    if isinstance(override, Mapping) or not isinstance(override, Iterable) or isinstance(override, (bytes, bytearray)):
        raise fail(ReportDataError, f"cannot read rows from a {type(override).__name__}: give a URL, a "
                                    ".csv/.jsonl/.parquet path, a SQLAlchemy Engine or Connection, a DataFrame "
                                    "or an iterable of dicts")
    return IterableRows(override, columns)


def _open_location(plan: Plan, loc: Location, spec: SourceSpec | None, params: dict[str, Any], columns: list[str],
                   want_order: bool) -> RowSource:
    if loc.kind == "csv":
        return _open_csv(plan, loc, spec, columns)
    if loc.kind == "jsonl":
        from reportdsl.sources.file_streams import JsonlRows

        jsonl = JsonlRows(loc.target, loc.shown, columns)
        jsonl.source_types = dict(spec.types) if spec and spec.kind == "jsonl" else {}
        return jsonl
    if loc.kind == "parquet":
        from reportdsl.sources.parquet import ParquetRows

        return ParquetRows(loc, params, columns, plan, want_order)
    if loc.kind == "spark":
        from reportdsl.sources.spark import SparkRows  # lazy: imports PySpark

        table, query = (spec.table, spec.query) if spec is not None else _sql_override_parts(plan, loc.shown)
        return SparkRows(loc, table, query, params, columns, plan, want_order)
    return _open_sql(plan, loc, spec, params, columns, want_order)


def _open_csv(plan: Plan, loc: Location, spec: SourceSpec | None, columns: list[str]) -> RowSource:
    from reportdsl.sources.file_streams import CsvRows

    rows = CsvRows(loc.target, loc.shown)
    missing = [c for c in columns if c not in rows.names]
    if missing:
        rows.close()
        raise fail(ReportDataError, f"source '{loc.shown}' has no column '{missing[0]}' "
                                    f"(its columns: {', '.join(rows.names)})")
    declared: dict[str, str] = dict(spec.types) if spec is not None and spec.kind == "csv" else {}
    needs_inference = any(_plan_type(plan, c) is None and c not in declared for c in columns)
    types = rows.inferred_types() if needs_inference else {}
    rows.source_types = types | declared
    return rows


def _open_sql(plan: Plan, loc: Location, spec: SourceSpec | None, params: dict[str, Any], columns: list[str],
              want_order: bool) -> RowSource:
    from reportdsl.sources.sql.stream import SqlRows

    table, query = (spec.table, spec.query) if spec is not None else _sql_override_parts(plan, loc.shown)
    types: dict[str, str] = {}
    text_columns: set[str] = set()
    scales: dict[str, int] = {}
    if loc.sqlite_path is not None and os.path.exists(loc.sqlite_path):
        from reportdsl.sources.schema import sqlite_declared_types
        from reportdsl.sources.sql.text import value_type_of_sql_type

        probe = SourceSpec.model_construct(kind="sql", location=loc.target, table=table, query=query, span=(0, 0))
        declared = sqlite_declared_types(loc, probe)
        types = {n: value_type_of_sql_type(t) for n, t in declared}
        # SQLite's TEXT affinity stores every value of such a column as text
        text_columns = {n for n, t in declared if any(w in t.upper() for w in ("CHAR", "CLOB", "TEXT"))}
        scales = {n: s for n, s in ((n, _decimal_scale(t)) for n, t in declared) if s is not None}
    elif any(_plan_type(plan, c) is None for c in columns):
        from reportdsl.sources.schema import describe_location

        probe = SourceSpec.model_construct(kind="sql", location=loc.target, table=table, query=query, span=(0, 0))
        param_types = {p.name: p.type for p in plan.params}
        types = {c.name: c.type for c in describe_location(loc, probe, param_types)}
    rows: SelectRows
    if loc.sqlite_path is not None and SQLITE_DIRECT:
        from reportdsl.sources.sql.sqlite import SqliteRows

        rows = SqliteRows(loc, table, query, params, columns, plan, want_order)
    else:
        rows = SqlRows(loc, loc.shown, table, query, params, columns, plan, want_order)
    rows.text_columns = text_columns  # before opening: the ORDER BY reads it
    rows.open()
    rows.decimal_scales = scales if loc.sqlite_path else {}
    rows.source_types = types
    return rows


def _decimal_scale(declared: str) -> int | None:
    """The scale of ``DECIMAL(10,2)`` / ``NUMERIC(12, 4)``, else None."""
    import re

    m = re.match(r"\s*(?:DECIMAL|NUMERIC|NUMBER)\s*\(\s*\d+\s*,\s*(\d+)\s*\)", declared, re.IGNORECASE)
    return int(m.group(1)) if m else None


_CONCRETE = {"string", "int", "decimal", "float", "date", "datetime", "bool"}


def _plan_type(plan: Plan, column: str) -> str | None:
    for c in plan.columns:
        if c.name == column:
            return c.type if c.type in _CONCRETE else None
    return None


def trusted(rows: RowSource, column: str, type_: str) -> bool:
    """Whether every value of ``column`` is surely of ``type_`` (or null) without a check."""
    return type_ == "string" and column in rows.text_columns


def column_type(plan: Plan, rows: RowSource, column: str) -> str:
    """The type the run converts ``column`` to: the plan's, else the source's, else any."""
    return _plan_type(plan, column) or rows.source_types.get(column, "any")
