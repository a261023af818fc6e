"""Rows from a SQL database through SQLAlchemy, in chunks, in report order.

In: a URL ``Location`` or a SQLAlchemy ``Engine``/``Connection``; a table or query;
the parameter values; the columns the report reads; the plan (for WHERE and
ORDER BY pushdown). Out: ``SqlRows`` — whether the rows come ordered, and an iterator of
chunks (lists of tuples, one value per column read, in that order).

- The statement is ``SELECT cols FROM table|(query) AS _src [WHERE ...] [ORDER BY ...]``
  (``sql_where``, ``sql_order``); parameters are bound (``:name``), never pasted
  into the text. A query with an ``ORDER BY`` of its own runs as written instead:
  its order is the source order (§15), which a database does not keep for a
  subquery under an outer ``ORDER BY`` (nor MariaDB under a plain SELECT); its rows
  hold its own columns, found by name in the cursor's description.
- SQLAlchemy connects and compiles; rows are read from the driver's cursor with
  ``fetchmany`` (a server-side cursor on PostgreSQL and MySQL/MariaDB, so a result
  is never loaded whole) because SQLAlchemy's Row objects would cost more than
  the whole aggregation loop.
- Connecting and starting the query are retried with exponential backoff on
  transient errors; a failure while reading says how many rows had been read.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from reportdsl.errors import ReportDataError, SourceFailure, fail
from reportdsl.sources.interface import SQL_PUSHDOWN, Conversion, Pushdown, RowSource
from reportdsl.sources.locations import Location, counted_chunks
from reportdsl.sources.sql import retries
from reportdsl.sources.sql.order import OrderKey
from reportdsl.sources.sql.resume import RESUMABLE, Keyset, unique_key
from reportdsl.sources.sql.retries import RETRY_FIRST_DELAY, explain_db_error, is_db_error, is_transient, with_retries
from reportdsl.sources.sql.schema import MYSQL_BIT, make_engine
from reportdsl.sources.sql.statement import bind_value, select_statement
from reportdsl.sources.sql.text import for_sqlalchemy_text

if TYPE_CHECKING:
    import sqlalchemy as sa

    from reportdsl.plan.models import Plan

T = TypeVar("T")

CHUNK_ROWS = 4096
# SQLite runs in-process: small chunks are used while still in the CPU cache, and a
# chunk's tuples die before the garbage collector's youngest generation (700
# objects) would scan them. Measured over 1M rows: 4096-row chunks read ~10 %
# slower than iterating the cursor. Both SQLite paths use it, so they fail alike.
SQLITE_CHUNK_ROWS = 256


class Cursor(Protocol):
    """The part of a DBAPI cursor the SQL sources use."""

    def execute(self, sql: str, args: Any, /) -> object: ...

    def fetchmany(self, size: int, /) -> list[Any]: ...

    def close(self) -> None: ...

    @property
    def description(self) -> Any: ...


class SelectRows:
    """What a SELECT over a table or query is, before a driver reads it: shared by
    ``SqlRows`` and ``sqlite_stream.SqliteRows``. The report's ``where`` and order go
    into the statement where SQL gives the engine's answer; ``ordered`` says, once
    open, whether the order did. A query with an order of its own runs as written:
    its rows hold its own columns (``names``, from the cursor), not just those read."""

    pushdown: ClassVar[Pushdown] = SQL_PUSHDOWN
    exact = True  # rows are exactly the selected columns, in order
    conversion: Conversion = "python"  # typed values from the driver; SQLite's need coercing

    def __init__(self, shown: str, table: str | None, query: str | None, params: dict[str, Any],
                 columns: list[str], plan: Plan | None, want_order: bool):
        self.shown = shown
        self.table = table
        self.query = query
        self.params = params
        self.columns = columns
        self.names = list(columns)
        self.plan = plan
        self.want_order = want_order
        self.ordered = False
        self.read_failed = False  # set when reading failed midway (see _fetch_chunks)
        self.rows_read = 0
        self.source_types: dict[str, str] = {}
        self.text_columns: set[str] = set()  # SQLite TEXT affinity: every value is text
        self.decimal_scales: dict[str, int] = {}  # SQLite DECIMAL(p, s) columns
        self._cursor: Cursor | None = None
        self.unique: list[OrderKey] | None = None  # the table's unique key, to resume a lost read
        self.keyset: Keyset | None = None  # set by ``statement`` when the read can resume
        self.after: Sequence[Any] | None = None  # read only the rows after this one (a resumed read)
        self.last_row: Sequence[Any] | None = None  # the last row delivered

    def statement(self, dialect: str, quote: Callable[[str], str]) -> tuple[str, dict[str, Any]]:
        """The statement to run and its values; sets ``ordered`` and ``exact``."""
        st = select_statement(self.shown, self.table, self.query, self.params, self.columns, self.plan,
                              self.want_order, dialect, quote, self.text_columns, self.unique, self.after)
        self.ordered = st.ordered
        self.keyset = st.keyset
        extra = st.keyset.extra_names if st.keyset is not None else ()
        self.exact = not st.as_written and not extra
        if extra:  # the keys' values follow the columns read: the engine picks those by position
            self.names = [*self.columns, *extra]
        return st.sql, st.binds

    def read_names(self, cursor: Cursor) -> None:
        """For a query run as written: the columns its rows hold, which must include
        every column read."""
        if self.exact:
            return
        self.names = [str(d[0]) for d in cursor.description or ()]
        missing = [c for c in self.columns if c not in self.names]
        if missing:
            raise fail(ReportDataError, f"the query of source '{self.shown}' has no column '{missing[0]}' "
                                        f"(its columns: {', '.join(self.names)})")

    def open(self) -> None:
        """Connect and start the query: rows can then be read with ``chunks()``."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def _fetch_chunks(self, size: int, explain: Callable[[BaseException], str | None],
                      bits: tuple[int, ...] = ()) -> Iterator[list[Any]]:
        """The cursor's rows in chunks; the values at ``bits`` (MySQL BIT columns, which
        the driver gives as bytes) as the integers they hold."""
        if self._cursor is None:
            raise ValueError(f"source '{self.shown}' is not open")

        def marked(exc: BaseException) -> str | None:  # a read that failed: see _drop_connection
            self.read_failed = True
            return explain(exc)

        fetch = self._fetch
        if not bits:
            return counted_chunks(self, lambda: fetch(size), marked)

        def fetch_bits() -> list[Any]:
            rows = list(fetch(size))
            for i, row in enumerate(rows):
                if any(isinstance(row[b], bytes) for b in bits):
                    row = list(row)
                    for b in bits:
                        if isinstance(row[b], bytes):
                            row[b] = int.from_bytes(row[b], "big")
                    rows[i] = row
            if rows:
                self.last_row = rows[-1]
            return rows

        return counted_chunks(self, fetch_bits, marked)

    def _fetch(self, size: int) -> list[Any]:
        """The next rows from the cursor of the moment: a resumed read has a new one."""
        while True:
            cursor = self._cursor
            if cursor is None:
                raise ValueError(f"source '{self.shown}' is not open")
            try:
                rows = cursor.fetchmany(size)
            except Exception as exc:  # noqa: BLE001 - _resume says which errors it reads on after
                if self._resume(exc):
                    continue
                raise
            if rows:
                self.last_row = rows[-1]
            return rows

    def _resume(self, exc: BaseException) -> bool:
        """Whether the read goes on after ``exc``, on a new connection (``SqlRows``)."""
        return False


class SqlRows(SelectRows):
    def __init__(self, target: Location | sa.engine.Engine | sa.engine.Connection, shown: str,
                 table: str | None, query: str | None, params: dict[str, Any],
                 columns: list[str], plan: Plan | None, want_order: bool):
        super().__init__(shown, table, query, params, columns, plan, want_order)
        self.target = target
        self._owned_engine: sa.engine.Engine | None = None
        self._conn: sa.engine.Connection | None = None
        self._own_conn = False
        self._bits: tuple[int, ...] = ()  # positions of MySQL BIT columns in a row
        self._engine: sa.engine.Engine | None = None  # what a lost read reconnects through
        self._unique_read = False
        self.resumes = 0
        self.cannot_resume = ""  # why a lost read did not go on, for the error

    # ---- opening -----------------------------------------------------------------

    def open(self) -> None:
        import sqlalchemy as sa

        target = self.target
        engine: sa.engine.Engine | None
        if isinstance(target, Location):
            if target.sqlite_path is not None and not os.path.exists(target.sqlite_path):
                raise fail(SourceFailure, f"cannot open source '{self.shown}': no such file {target.sqlite_path}")
            self._owned_engine = make_engine(target)
            engine = self._owned_engine
        elif isinstance(target, sa.engine.Connection):
            engine = None
            self._conn = target
        else:
            engine = target
        self._engine = engine
        try:
            self._start(engine)
        except BaseException:
            self.close()
            raise

    def _start(self, engine: sa.engine.Engine | None) -> None:
        if engine is None:  # the caller's Connection: only starting the query is retried
            with_retries(self._execute, self.shown, connecting=False)
            return

        def attempt() -> None:
            # connecting retries inside; a transient failure starting the query reconnects
            self._drop_connection()
            self._conn = with_retries(engine.connect, self.shown, connecting=True)
            self._own_conn = True
            self._execute()

        with_retries(attempt, self.shown, connecting=False)

    def _execute(self) -> None:
        import sqlalchemy as sa

        conn = self._connection()
        dialect = conn.dialect
        sql, binds = self.statement(dialect.name, dialect.identifier_preparer.quote)
        # The catalog is asked only for a read the database orders (only such a read can
        # resume, ``statement.select_statement``): an unordered read costs no query more.
        if (self.ordered and not self._unique_read and self.table and self._engine is not None
                and dialect.name in RESUMABLE):
            try:
                self.unique = unique_key(conn, self.table, dialect.name, dialect.identifier_preparer.quote)
            except Exception as exc:  # noqa: BLE001 - a catalog the user may not read: no resuming, still a read
                if is_db_error(exc) and is_transient(exc, connecting=False):
                    raise  # a lost connection: the attempt is retried
                conn.rollback()  # PostgreSQL refuses anything more in a transaction that failed
                self.unique = None
            self._unique_read = True
            if self.unique:
                sql, binds = self.statement(dialect.name, dialect.identifier_preparer.quote)
        compiled = sa.text(for_sqlalchemy_text(sql)).compile(dialect=dialect)
        values = compiled.construct_params({k: bind_value(v, dialect.name) for k, v in binds.items()})
        positions = getattr(compiled, "positiontup", None)
        args = [values[n] for n in positions] if positions else values
        raw = conn.connection.dbapi_connection
        self._cursor = cursor = _server_side_cursor(raw, dialect)
        cursor.execute(compiled.string, args)
        self.read_names(cursor)
        if dialect.name in ("mysql", "mariadb"):  # BIT(1) is a bool, BIT(n) an int: not bytes
            self._bits = tuple(i for i, d in enumerate(cursor.description or ()) if d[1] == MYSQL_BIT)

    def _connection(self) -> sa.engine.Connection:
        if self._conn is None:
            raise ValueError(f"source '{self.shown}' is not connected")
        return self._conn

    # ---- reading ------------------------------------------------------------------

    def chunks(self) -> Iterator[list[Any]]:
        size = SQLITE_CHUNK_ROWS if self._conn is not None and self._conn.dialect.name == "sqlite" else CHUNK_ROWS

        def explain(exc: BaseException) -> str | None:
            detail = explain_db_error(exc)
            if detail is not None and self.cannot_resume:
                detail += f" (the read cannot go on where it stopped: {self.cannot_resume})"
            return detail

        return self._fetch_chunks(size, explain, self._bits)

    def _resume(self, exc: BaseException) -> bool:
        """After a lost connection, read on from a new one past the last row delivered,
        where the order makes that exact (``resume``); waits 0.25 s, 0.5 s… between
        attempts, at most ``RESUME_LIMIT`` times in one read."""
        if not (is_db_error(exc) and is_transient(exc, connecting=False)):
            return False
        self.cannot_resume = self._why_not_resumable()
        if self.cannot_resume:
            return False
        self.resumes += 1
        self.read_failed = True  # the lost connection is not handed back to the pool
        self._drop_connection()
        self.read_failed = False
        retries.pause(RETRY_FIRST_DELAY * 2 ** (self.resumes - 1))
        self.after = self.last_row  # none yet: the whole read again
        try:
            self._start(self._engine)
        except ReportDataError as err:
            self.read_failed = True
            raise fail(SourceFailure, f"reading source '{self.shown}' failed after {self.rows_read} rows: "
                                        f"{explain_db_error(exc)}; reading on: {err.message}") from None
        return True

    def _why_not_resumable(self) -> str:
        if self.resumes >= RESUME_LIMIT:
            return f"it was lost {self.resumes + 1} times"
        if self._engine is None:
            return "the connection was given by the caller"
        dialect = self._connection().dialect.name if self._conn is not None else ""
        if dialect not in RESUMABLE:
            return f"reading on is for PostgreSQL and MySQL/MariaDB, not {dialect or 'this database'}"
        if self.keyset is None and self.table and not self.ordered:
            return ("the rows are read in no order the database keeps (no `sort by` or group it can "
                    "sort by), so where it stopped is not known")
        if self.keyset is None:
            what = f"table {self.table}" if self.table else "a query"
            return (f"{what} has no primary key or unique key over NOT NULL columns to order by, so where it "
                    "stopped among rows of equal keys is not known")
        return ""

    # ---- closing ------------------------------------------------------------------

    def _drop_connection(self) -> None:
        # closing after a failure must not hide it
        if self._cursor is not None:
            result = getattr(self._cursor, "_result", None)
            if self.read_failed and result is not None:
                # PyMySQL's unbuffered result would read the rest of a lost stream when
                # closed or collected, and print the error it meets as "Exception ignored"
                result.unbuffered_active = False
            with contextlib.suppress(Exception):
                self._cursor.close()
            self._cursor = None
        if self._conn is not None and self._own_conn:
            if self.read_failed:
                # a connection lost mid-read (a server that went away) is not handed back
                # to the pool, whose rollback of it would log SQLAlchemy's own traceback
                with contextlib.suppress(Exception):
                    self._conn.invalidate()
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def close(self) -> None:
        """Close what this read opened; a Connection the caller gave stays open."""
        self._drop_connection()
        if self._owned_engine is not None:
            self._owned_engine.dispose()
            self._owned_engine = None


RESUME_LIMIT = 5  # connections lost in one read before it fails


def _server_side_cursor(raw: Any, dialect: sa.engine.Dialect) -> Cursor:
    """A cursor that streams: named (PostgreSQL) or unbuffered (MySQL/MariaDB)."""
    name = dialect.name
    driver = getattr(dialect, "driver", "")
    if name == "postgresql" and driver in ("psycopg", "psycopg2", "psycopg_async"):
        cur = raw.cursor(name="reportdsl_rows")
        with contextlib.suppress(AttributeError):
            cur.itersize = CHUNK_ROWS
        return cur
    if name in ("mysql", "mariadb") and driver == "pymysql":
        import pymysql.cursors  # type: ignore[import-untyped]  # PyMySQL ships no types

        return raw.cursor(pymysql.cursors.SSCursor)
    if name in ("mysql", "mariadb") and driver in ("mysqldb", "mysqlconnector"):
        try:
            return raw.cursor(buffered=False) if driver == "mysqlconnector" else raw.cursor(
                __import__("MySQLdb.cursors", fromlist=["SSCursor"]).SSCursor)
        except Exception:  # noqa: BLE001
            return raw.cursor()
    return raw.cursor()


# mypy checks that this is a row source (``interface.RowSource``)
ROW_SOURCES: tuple[type[RowSource], ...] = (SqlRows,)
