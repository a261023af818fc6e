"""Where a source lives: URLs from the environment, paths relative to the report.

In: a ``SourceSpec`` (or an override string) and the folder relative paths resolve
against. Out: ``Location`` — the kind (sql/csv/jsonl/parquet), the concrete URL or
absolute path (for parquet, a path or a glob), and for SQLite files the absolute
database path so the stdlib ``sqlite3`` module can be used without importing
SQLAlchemy (``reportdsl check`` must stay fast).

Nothing here opens a connection or a file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from reportdsl.errors import ReportDataError, SourceFailure, fail

if TYPE_CHECKING:
    from reportdsl.plan.models import SourceSpec

# URL schemes whose path part is a database file (relative paths resolve against
# the report's folder, as LANGUAGE.md §4 says for every relative file path).
_FILE_DB_SCHEMES = ("sqlite", "duckdb")


@dataclass(frozen=True)
class Location:
    kind: str  # "sql" | "csv" | "jsonl" | "parquet"
    target: str  # the SQLAlchemy URL with its file path made absolute, or a file path (parquet: or glob)
    shown: str  # how error messages name it: the URL or path as the user wrote it
    sqlite_path: str | None = None  # set for plain sqlite file URLs (stdlib fast path)
    sqlite_memory: bool = False


def resolve(spec: SourceSpec, base_dir: str) -> Location:
    """The concrete location of a report's source."""
    raw = spec.location
    if spec.from_env:
        raw = os.environ.get(spec.location, "")
        if not raw:
            raise fail(
                ReportDataError,
                f"environment variable '{spec.location}' is not set: "
                "it should hold the source URL",
            )
    _no_nul(raw)
    if spec.kind == "sql":
        return sql_location(raw, base_dir)
    return Location(spec.kind, _absolute(raw, base_dir), raw)


def _no_nul(location: str) -> None:
    if "\0" in location:  # the OS refuses such a path with a ValueError of its own
        raise fail(ReportDataError, "a source path or URL cannot contain a NUL character (\\0)")


def mask_password(url: str) -> str:
    """The URL as error messages may show it: ``user:***@host``."""
    return re.sub(r"^([^:/]+://[^:/@]*):[^@]*@", r"\1:***@", url)


def sql_location(url: str, base_dir: str) -> Location:
    """A SQL URL with a relative database file path made absolute."""
    shown = mask_password(url)
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise fail(ReportDataError, f"'{shown}' is not a database URL (like 'sqlite:///data/sales.db')")
    backend = scheme.split("+", 1)[0].lower()
    if backend not in _FILE_DB_SCHEMES:
        _parses(url, shown)
        return Location("sql", url, shown)
    # sqlite:///relative.db -> rest "/relative.db"; sqlite:////abs.db -> "//abs.db";
    # sqlite:// or sqlite:///:memory: -> in memory.
    path_and_query = rest[1:] if rest.startswith("/") else rest
    path, qsep, query = path_and_query.partition("?")
    if path in ("", ":memory:"):
        return Location("sql", url, shown, sqlite_memory=backend == "sqlite")
    if path.startswith("file:"):
        # a SQLite URI filename: leave it to SQLAlchemy as written
        return Location("sql", url, shown)
    absolute = _absolute(path, base_dir)
    target = f"{scheme}:///{absolute}" + (qsep + query if qsep else "")
    plain_sqlite = scheme.lower() in ("sqlite", "sqlite+pysqlite") and not query
    return Location("sql", target, shown, sqlite_path=absolute if plain_sqlite else None)


PARQUET_PREFIX = "parquet:"


def override_location(source: str, base_dir: str) -> Location:
    """``--source`` / ``source=``: a URL, a ``.csv`` / ``.jsonl`` / ``.parquet`` path, or
    ``parquet:PATH-OR-GLOB`` (CONTRACT.md §8).

    Relative paths in an override were typed by the user at the command line, so
    they resolve against ``base_dir`` as given by the caller (the current folder).
    """
    _no_nul(source)
    if source.startswith(PARQUET_PREFIX):
        path = source[len(PARQUET_PREFIX):]
        if not path:
            raise fail(ReportDataError, "'parquet:' needs a path or a glob after it, like 'parquet:data/*.parquet'")
        return Location("parquet", _absolute(path, base_dir), path)
    if "://" in source:
        return sql_location(source, base_dir)
    lower = source.lower()
    if lower.endswith(".parquet"):
        return Location("parquet", _absolute(source, base_dir), source)
    if lower.endswith((".csv", ".tsv", ".csv.gz")):
        return Location("csv", _absolute(source, base_dir), source)
    if lower.endswith((".jsonl", ".ndjson", ".json")):
        return Location("jsonl", _absolute(source, base_dir), source)
    raise fail(
        ReportDataError,
        f"cannot tell what kind of source '{source}' is: give a database URL "
        "(like 'sqlite:///sales.db'), a path ending in .csv, .jsonl or .parquet, "
        "or 'parquet:' and a path or glob",
    )


def _parses(url: str, shown: str) -> None:
    """A server URL SQLAlchemy can read (a port that is a number, …), said in the
    user's terms rather than as SQLAlchemy's traceback."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ValueError, ArgumentError) as exc:
        detail = str(exc).replace(url, shown)
        if "invalid literal for int()" in detail:
            detail = "its port is not a number"
        raise fail(ReportDataError, f"'{shown}' is not a valid database URL: {detail}") from None
    refused = sorted(k for k in parsed.query if k.lower() in DRIVER_SQL_OPTIONS)
    if refused and os.environ.get(ALLOW_DRIVER_SQL) != "1":
        raise fail(ReportDataError, f"source '{shown}': the driver option '{refused[0]}' runs SQL or reads files "
                                    f"on connecting, which a report's source may not do; to allow it, set "
                                    f"{ALLOW_DRIVER_SQL}=1")


# Driver options in a URL's query that make connecting run SQL or read local files:
# MySQL/MariaDB's init command and option files (which may hold one), LOAD DATA LOCAL.
DRIVER_SQL_OPTIONS = frozenset({"init_command", "read_default_file", "read_default_group", "local_infile",
                                "allow_local_infile", "allow_local_infile_in_path", "option_files", "option_groups"})
ALLOW_DRIVER_SQL = "REPORTDSL_ALLOW_DRIVER_SQL"  # the opt-in, for the one running reportdsl


def _absolute(path: str, base_dir: str) -> str:
    path = os.path.expanduser(path)
    if os.path.isabs(path):
        return os.path.normpath(path)
    return os.path.normpath(os.path.join(base_dir or ".", path))


def read_failure(shown: str, rows_read: int, detail: str) -> ReportDataError:
    """The error for a source that fails mid-stream: it says how far reading got."""
    return fail(SourceFailure, f"reading source '{shown}' failed after {rows_read} rows: {detail}")


class Counted(Protocol):
    """A source that counts the rows it delivers (see ``counted_chunks``)."""

    shown: str
    rows_read: int

    def close(self) -> None: ...


T = TypeVar("T")


def counted_chunks(stream: Counted, fetch: Callable[[], list[T]],
                   explain: Callable[[BaseException], str | None]) -> Iterator[list[T]]:
    """Lists of rows from ``fetch()`` until it gives none, counted in
    ``stream.rows_read``; an error ``explain(exc)`` has words for becomes
    ``read_failure``; ``stream`` is closed at the end, however it ends."""
    try:
        while True:
            try:
                rows = fetch()
            except Exception as exc:  # noqa: BLE001 - explain() says which errors are the source's
                detail = explain(exc)
                if detail is None:
                    raise
                raise read_failure(stream.shown, stream.rows_read, detail) from None
            if not rows:
                return
            stream.rows_read += len(rows)
            yield rows
    finally:
        stream.close()
