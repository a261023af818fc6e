"""Column names and types of a source, from its schema — never from its data.

In: a ``SourceSpec``, the report's folder, the declared parameter types.
Out: ``describe(...) -> list[ColumnInfo]`` in the source's column order, and
``describe_columns(...) -> list[Column]``, the same without importing pydantic.

- SQL ``table``: reflection (declared column types).
- SQL ``query``: the query's result description; no row is fetched. SQLite files use
  the stdlib ``sqlite3`` module (a TEMP VIEW over the query, parameters replaced by
  NULL, then ``PRAGMA table_info``) because importing SQLAlchemy alone costs more
  than ``reportdsl check``'s whole budget; other URLs import SQLAlchemy lazily.
- CSV: the header row, types inferred over the first rows, then the declared types.
- JSONL: the keys and value types of the first records (lines that hold no JSON
  object are passed over: they are the run's failing rows, see ``on_error``).
- Parquet: the files' metadata, through DuckDB (``parquet.describe_parquet``).

Failures raise ``ReportDataError`` without a position (the caller attaches the
``source`` statement's), saying what could not be opened and why.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from reportdsl.errors import ReportDataError, SourceFailure, fail
from reportdsl.sources.locations import Location, resolve
from reportdsl.sources.sql.text import (
    replace_parameters,
    strip_statement_end,
    value_type_of_sql_type,
)
from reportdsl.sources.text_values import (
    SAMPLE_ROWS,
    _is_date,
    _is_datetime,
    infer_type,
)

if TYPE_CHECKING:  # the check path must not pay for importing pydantic models
    from reportdsl.plan.models import ColumnInfo, SourceSpec


class Column(NamedTuple):
    """A column as described: what ``ColumnInfo`` holds, without pydantic."""

    name: str
    type: str



def describe(spec: SourceSpec, base_dir: str, param_types: dict[str, str] | None = None) -> list[ColumnInfo]:
    """The columns (name, report type) of the source ``spec`` names."""
    from reportdsl.plan.models import ColumnInfo

    # validated: a Column's type is any str, a ColumnInfo's one of the report's types
    return [ColumnInfo.model_validate({"name": c.name, "type": c.type})
            for c in describe_columns(spec, base_dir, param_types)]


def describe_columns(spec, base_dir: str, param_types: dict[str, str] | None = None) -> list[Column]:
    """``describe`` without pydantic: ``Column(name, type)`` tuples. ``spec`` may be
    any object with SourceSpec's attributes (kind, location, from_env, table, query,
    types)."""
    return describe_location(resolve(spec, base_dir), spec, param_types or {})


def describe_location(loc: Location, spec: SourceSpec, param_types: Mapping[str, str]) -> list[Column]:
    if loc.kind == "csv":
        return _with_declared(describe_csv(loc.target, loc.shown), spec.types, loc.shown)
    if loc.kind == "jsonl":
        return _with_declared(describe_jsonl(loc.target, loc.shown), spec.types, loc.shown)
    if loc.kind == "parquet":
        from reportdsl.sources.parquet import describe_parquet, report_type  # lazy: imports DuckDB

        return [Column(n, report_type(t)) for n, t in describe_parquet(loc)]
    if not spec.table and not spec.query:
        raise fail(ReportDataError, f"source '{loc.shown}' names neither a table nor a query")
    if loc.sqlite_path is not None:
        return _describe_sqlite_file(loc, spec)
    from reportdsl.sources.sql.schema import (
        describe_sqlalchemy,  # lazy: SQLAlchemy is slow to import
    )

    return describe_sqlalchemy(loc, spec.table, spec.query, param_types)


def _with_declared(columns: list[Column], declared: Mapping[str, str], shown: str) -> list[Column]:
    names = {c.name for c in columns}
    for name in declared:
        if name not in names:
            raise fail(
                ReportDataError,
                f"column '{name}' has a declared type but '{shown}' has no such column "
                f"(its columns: {', '.join(c.name for c in columns)})",
            )
    return [Column(c.name, declared.get(c.name, c.type)) for c in columns]


# ---- SQLite files through the stdlib ------------------------------------------------


def _describe_sqlite_file(loc: Location, spec: SourceSpec) -> list[Column]:
    return [Column(n, value_type_of_sql_type(t)) for n, t in sqlite_declared_types(loc, spec)]


def sqlite_declared_types(loc: Location, spec: SourceSpec) -> list[tuple[str, str]]:
    """(column, declared type as written) of a SQLite table or query."""
    path = loc.sqlite_path
    if path is None:
        raise ValueError(f"source '{loc.shown}' is not a plain SQLite file")
    if not os.path.exists(path):
        raise fail(SourceFailure, f"cannot open source '{loc.shown}': no such file {path}")
    try:
        con = sqlite3.connect(f"file:{_uri_path(path)}?mode=ro", uri=True)
        add_sqlalchemy_functions(con)
    except sqlite3.Error as exc:
        raise fail(SourceFailure, f"cannot open source '{loc.shown}': {exc}") from None
    try:
        if spec.table:
            schema, _, table = spec.table.rpartition(".")
            info = con.execute(
                f"PRAGMA {_quote(schema) + '.' if schema else ''}table_info({_quote(table)})"
            ).fetchall()
            if not info:
                tables = [r[0] for r in con.execute(
                    "SELECT name FROM sqlite_master WHERE type IN ('table','view') ORDER BY name")]
                raise fail(
                    ReportDataError,
                    f"source '{loc.shown}' has no table '{spec.table}'"
                    + (f" (its tables: {', '.join(tables)})" if tables else " (it has no tables)"),
                )
        elif spec.query:
            body = replace_parameters(strip_statement_end(spec.query), lambda name: "NULL")
            con.execute(f"CREATE TEMP VIEW _reportdsl_describe AS {body}")
            info = con.execute("PRAGMA temp.table_info(_reportdsl_describe)").fetchall()
        else:
            raise fail(ReportDataError, f"source '{loc.shown}' names neither a table nor a query")
        return [(row[1], row[2] or "") for row in info]
    except sqlite3.Error as exc:
        what = "table" if spec.table else "query"
        raise fail(ReportDataError, f"cannot read the {what} of source '{loc.shown}': {exc}") from None
    finally:
        con.close()


def add_sqlalchemy_functions(con: sqlite3.Connection) -> None:
    """The SQL functions SQLAlchemy's pysqlite dialect adds to each connection (REGEXP,
    and a floor() that gives integers), so that a query means the same whether it
    is described or read with sqlite3 or read through SQLAlchemy."""
    import math
    import re

    def regexp(pattern, value):
        return None if value is None else re.search(pattern, value) is not None

    kw = {"deterministic": True} if sqlite3.sqlite_version_info >= (3, 9) else {}
    con.create_function("regexp", 2, regexp, **kw)
    con.create_function("floor", 1, math.floor, **kw)


def _uri_path(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/:")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# ---- CSV and JSONL ------------------------------------------------------------------


def open_text(path: str, shown: str):
    """Open a UTF-8 text file (a BOM is skipped), or fail in user terms."""
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise fail(SourceFailure, f"cannot open source '{shown}': no such file {path}") from None
    except OSError as exc:
        raise fail(SourceFailure, f"cannot open source '{shown}': {exc.strerror or exc}") from None


def csv_header(reader, shown: str) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise fail(ReportDataError, f"source '{shown}' is empty: a CSV file needs a header row") from None
    names = [h.strip() for h in header]
    seen = set()
    for i, name in enumerate(names, 1):
        if not name:
            raise fail(ReportDataError, f"the header row of '{shown}' has no name for column {i}")
        if name in seen:
            raise fail(ReportDataError, f"the header row of '{shown}' names column '{name}' twice")
        seen.add(name)
    return names


def describe_csv(path: str, shown: str) -> list[Column]:
    with open_text(path, shown) as f:
        try:
            reader = csv.reader(f)
            names = csv_header(reader, shown)
            samples: list[list[str]] = [[] for _ in names]
            for i, row in enumerate(reader):
                if i >= SAMPLE_ROWS:
                    break
                for j, cell in enumerate(row[: len(names)]):
                    samples[j].append(cell)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise fail(ReportDataError, f"cannot read source '{shown}': {exc}") from None
    return [Column(n, infer_type(s)) for n, s in zip(names, samples, strict=True)]


def json_value_type(value) -> str:
    """The report type of one decoded JSON value (floats are parsed as Decimal)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, Decimal):
        return "decimal"
    if isinstance(value, str):
        if _is_date(value):
            return "date"
        if _is_datetime(value):
            return "datetime"
        return "string"
    return "any"


def unify_types(a: str, b: str) -> str:
    if a == "null" or a == b:
        return b
    if b == "null":
        return a
    if {a, b} == {"int", "decimal"}:
        return "decimal"
    if {a, b} == {"date", "datetime"}:
        return "datetime"
    if "string" in (a, b) and {a, b} <= {"string", "date", "datetime"}:
        return "string"
    return "any"


def describe_jsonl(path: str, shown: str) -> list[Column]:
    types: dict[str, str] = {}
    first_problem = None
    with open_text(path, shown) as f:
        count = 0
        for lineno, line in enumerate(f, 1):
            if count >= SAMPLE_ROWS:
                break
            if not line.strip():
                continue
            record = decode_json_record(line)
            if isinstance(record, str):
                # not a record, so it says nothing of the columns: the run reports
                # the line as a failing row (``on_error``)
                first_problem = first_problem or json_record_problem(record, lineno, shown)
                continue
            count += 1
            for key, value in record.items():
                types[key] = unify_types(types.get(key, "null"), json_value_type(value))
    if not count and first_problem:
        raise fail(ReportDataError, first_problem)
    # a column null in every sampled record: its type shows only later
    return [Column(k, "any" if t == "null" else t) for k, t in types.items()]


def parse_json_record(line: str, lineno: int, shown: str) -> dict:
    record = decode_json_record(line)
    if isinstance(record, str):
        raise fail(ReportDataError, json_record_problem(record, lineno, shown))
    return record


_LOADS = json.JSONDecoder(parse_float=Decimal).decode


def decode_json_record(line: str) -> dict | str:
    """The JSON object on ``line``, or (a str) why it is not one."""
    try:
        record = _LOADS(line)
    except json.JSONDecodeError as exc:  # its own "line 1 column …" counts the newline too
        column = min(exc.pos, len(line.rstrip("\r\n"))) + 1
        return f"is not valid JSON: {exc.msg} at column {column}"
    except (ValueError, RecursionError) as exc:
        return f"is not valid JSON: {exc}"
    if not isinstance(record, dict):
        return "is not a JSON object"
    return record


def json_record_problem(problem: str, lineno: int, shown: str) -> str:
    return f"line {lineno} of '{shown}' {problem}"
