"""Apache Spark sources (``source spark "MASTER-OR-URL" table NAME | query "…"``), through PySpark.

In: a ``Location`` of kind ``spark`` (a master — ``local[*]``, ``spark://host:7077``,
``yarn``, ``k8s://…`` — or a Spark Connect ``sc://`` URL), the table or query, and for a
run the parameter values, the columns the report reads, the plan (its ``where`` and
order) and whether rows must come in report order. Out: ``session`` (the process's
SparkSession for that master), ``describe_spark`` (column names and Spark types, from
the analysed plan: no job runs), ``report_type``, ``SparkRows`` (the row source) and
``pushed_statements`` (runs a pushed-down report's statements, ``pushdown/execute.py``).

- One session per process and master: a classic session already running for the same
  master (a notebook's, the tests') is used as it is; one for another master is an
  error (a process holds one SparkContext). A session this module starts has no
  console progress bar, and PySpark's own JSON log of a failed query is silenced: the
  report says what failed, once, in its own words.
- The statement is ``SELECT cols FROM table|(query) AS _src [WHERE …] [ORDER BY …]``,
  run with ``spark.sql`` and its named parameter markers (``:name``, Spark's own, so
  values are bound, never pasted). ``where`` and the order are the SQL sources'
  translations (``sql/where.py``, ``sql/order.py``) in the ``spark`` dialect: text
  compared as ``CAST(x AS STRING)``, whose collation is UTF8_BINARY (UTF-8 byte order is
  code-point order); nulls last. A query with an ``ORDER BY`` of its own is run as
  written (its order is the source order, §15). Rows stream with ``toLocalIterator``,
  one partition at a time, in the statement's order.
- Values arrive typed and exact: DECIMAL(p, s) as ``Decimal`` of ``s`` places, DATE as
  ``date``, TIMESTAMP_NTZ as ``datetime``, TIMESTAMP (an instant) as its UTC time
  without a zone (read as ``unix_micros``: PySpark would give the Python process's
  local time, ambiguous at a daylight-saving change), FLOAT/DOUBLE as floats (NaN
  kept). Arrays, maps, structs, binaries and intervals have no report type.
- PySpark is an optional dependency (``pip install 'reportdsl[spark]'``, and Java 17+);
  this module imports it only when a Spark source is described or read.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import itertools
import logging
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from reportdsl.errors import ReportDataError, fail
from reportdsl.sources.interface import SQL_PUSHDOWN, Conversion, Pushdown, RowSource
from reportdsl.sources.locations import Location, counted_chunks
from reportdsl.sources.sql.order import order_by
from reportdsl.sources.sql.text import has_own_order, query_parameters, strip_statement_end
from reportdsl.sources.sql.where import fits_int64, where_clause

if TYPE_CHECKING:
    from reportdsl.plan.models import Plan

CHUNK_ROWS = 4096
_EPOCH = _dt.datetime(1970, 1, 1)
_INTS = {"byte", "short", "integer", "long"}
_TYPES = {"float": "float", "double": "float", "string": "string", "varchar": "string", "char": "string",
          "date": "date", "timestamp": "datetime", "timestamp_ntz": "datetime", "boolean": "bool"}
# A parameter's value while the schema is read (a typed stand-in: Spark types a NULL as VOID)
_STAND_INS: dict[str, Any] = {"int": 0, "decimal": Decimal(0), "float": 0.0, "string": "", "bool": False,
                              "date": _dt.date(2000, 1, 1), "datetime": _dt.datetime(2000, 1, 1)}


def quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _pyspark(shown: str):
    try:
        import warnings

        with warnings.catch_warnings():  # its check of the installed pandas' version
            warnings.simplefilter("ignore")
            from pyspark.sql import SparkSession
    except ImportError:
        raise fail(ReportDataError, f"cannot read spark '{shown}': reading from Spark needs PySpark, "
                                    "which is not installed (pip install 'reportdsl[spark]')") from None
    return SparkSession


def message(exc: BaseException) -> str:
    """Spark's message, its first line, without its SQLSTATE and JVM noise; for a JVM
    exception PySpark does not translate, its innermost cause's."""
    java = getattr(exc, "java_exception", None)
    if java is not None:
        with contextlib.suppress(Exception):  # a gateway that is gone cannot say more
            while java.getCause() is not None:
                java = java.getCause()
            exc = Exception(str(java.getMessage() or java.toString()))
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    first = re.sub(r"\s*SQLSTATE: \w+;?.*$", "", first)
    return first.removeprefix("An error occurred while calling ").strip() or type(exc).__name__


def _errors() -> tuple[type[BaseException], ...]:
    from py4j.protocol import Py4JError  # type: ignore[import-untyped]  # py4j ships no types
    from pyspark.errors import PySparkException

    return (PySparkException, Py4JError)


def _failure(shown: str, exc: BaseException) -> ReportDataError:
    return fail(ReportDataError, f"cannot read spark '{shown}': {message(exc)}")


def _quiet() -> None:
    """PySpark logs every failed query as JSON on stderr; the report says it once itself."""
    with contextlib.suppress(ImportError):
        from pyspark.logger import PySparkLogger

        for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
            PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)


def session(loc: Location):
    """The process's session for ``loc``'s master or Spark Connect URL."""
    import warnings

    with warnings.catch_warnings():  # PySpark's check of the installed pandas' version
        warnings.simplefilter("ignore", FutureWarning)
        return _session(loc)


def _session(loc: Location):
    SparkSession = _pyspark(loc.shown)
    _quiet()
    errors = _errors()
    if loc.target.startswith("sc://"):
        connect_errors: tuple[type[BaseException], ...] = (*errors, ImportError)
        try:
            return SparkSession.builder.remote(loc.target).getOrCreate()
        except connect_errors as exc:  # without pyspark[connect]'s packages, PySpark says which
            raise _failure(loc.shown, exc) from None
    running = SparkSession.getActiveSession() or getattr(SparkSession, "_instantiatedSession", None)
    if running is not None and getattr(running, "_sc", None) is not None and running._sc._jsc is not None:
        master = running.sparkContext.master
        if master != loc.target:
            raise fail(ReportDataError, f"cannot read spark '{loc.shown}': this process already runs Spark "
                                        f"with master '{master}', and a process has one")
        return running
    starting: tuple[type[BaseException], ...] = (*errors, RuntimeError)
    try:
        spark = (SparkSession.builder.master(loc.target).appName("reportdsl")
                 .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    except starting as exc:  # no Java, or it stopped before PySpark reached it
        hint = " (Spark needs Java 17 or later)" if "JAVA_GATEWAY" in str(exc) else ""
        raise fail(ReportDataError, f"cannot start Spark for '{loc.shown}': {message(exc)}{hint}") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _source(table: str | None, query: str | None, shown: str) -> str:
    if table:
        return ".".join(quote(part) for part in table.split("."))
    if query:
        return f"({strip_statement_end(query)}\n) AS _src"  # own line: the query may end in a -- comment
    raise fail(ReportDataError, f"source '{shown}' names neither a table nor a query")


def _query_binds(query: str | None, params: dict[str, Any], shown: str) -> dict[str, Any]:
    binds = {}
    for name, _ in query_parameters(query or ""):
        if name not in params:
            raise fail(ReportDataError, f"the query of source '{shown}' uses :{name}, "
                                        f"but the report declares no parameter '{name}'")
        binds[name] = params[name]
    return binds


def describe_spark(loc: Location, table: str | None, query: str | None,
                   param_types: dict[str, str] | Any) -> list[tuple[str, Any]]:
    """(column, Spark ``DataType``) of the table or query, from its analysed plan."""
    spark = session(loc)
    stand_ins = {name: _STAND_INS.get(param_types.get(name, ""), "") for name, _ in query_parameters(query or "")}
    try:
        if table:
            frame = spark.table(table)
        else:
            frame = spark.sql(f"SELECT * FROM {_source(table, query, loc.shown)}", args=stand_ins)
        return [(f.name, f.dataType) for f in frame.schema.fields]
    except _errors() as exc:
        raise _failure(loc.shown, exc) from None


def report_type(spark_type: Any) -> str:
    """The report's type of a Spark ``DataType``; ``any`` for one a report cannot read."""
    name = spark_type.typeName()
    if name in _INTS:
        return "int"
    if name == "decimal":
        return "decimal"
    return _TYPES.get(name, "any")


def _instant(spark_type: Any) -> bool:
    return spark_type.typeName() == "timestamp"  # TIMESTAMP WITH LOCAL TIME ZONE, an instant


def _binds_exactly(value: object) -> bool:
    """Whether Spark takes ``value`` as a parameter as it is: a 64-bit integer, a decimal
    of at most 38 digits."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            return False
        digits, exponent = len(value.as_tuple().digits), int(value.as_tuple().exponent)
        return digits + max(exponent, 0) <= 38 and -exponent <= 38
    return fits_int64(value)


def statement(table: str | None, query: str | None, types: dict[str, Any], columns: list[str],
              params: dict[str, Any], plan: Plan | None, want_order: bool, shown: str) -> tuple[str, dict, bool]:
    """The SELECT, its named values, and whether its rows come in report order."""
    binds = _query_binds(query, params, shown)
    selected = ", ".join(f"unix_micros({quote(c)}) AS {quote(c)}" if _instant(types[c]) else quote(c)
                         for c in columns) or "1"
    if query and has_own_order(strip_statement_end(query), "spark"):
        # its order is the source order (§15): a projection keeps it, nothing is pushed
        return f"SELECT {selected} FROM {_source(table, query, shown)}", binds, False
    sql = f"SELECT {selected} FROM {_source(table, query, shown)}"
    plan_types = {c.name: c.type for c in plan.columns} if plan is not None else {}
    # pushed only over columns the plan reads with the source's own type (an override
    # may hold other types than the report was checked against)
    same = {c for c in columns if plan_types.get(c, report_type(types[c])) == report_type(types[c])}
    where = where_clause(plan, "spark", quote, same) if plan is not None else None
    if where is not None:
        values = {**{n: params.get(n) for n, _ in query_parameters(where.condition)}, **where.binds}
        if all(_binds_exactly(v) for v in values.values()):
            sql += f" WHERE {where.condition}"
            binds.update(values)
    ordered = False
    regrouped = plan is not None and any(g.order_by is not None or g.limit is not None for g in plan.groups)
    if want_order and plan is not None and not regrouped:
        ob = order_by(plan, "spark", quote, same)
        if ob is not None:
            ordered = True
            if ob.clause:
                sql += " " + ob.clause
                binds.update(ob.binds)
    return sql, binds, ordered


class SparkRows:
    """The rows of a Spark table or query: exactly the columns read, typed; ``where`` and
    the order pushed where they can be (see the module docstring)."""

    pushdown: ClassVar[Pushdown] = SQL_PUSHDOWN
    exact = True
    conversion: Conversion = "python"
    decimal_scales: dict[str, int] = {}  # values come as Decimal already

    def __init__(self, loc: Location, table: str | None, query: str | None, params: dict[str, Any],
                 columns: list[str], plan: Plan | None, want_order: bool):
        self.shown = loc.shown
        self.names = list(columns)
        self.rows_read = 0
        self.ordered = False
        self._rows: Iterator[Any] | None = None
        declared = dict(describe_spark(loc, table, query, {p.name: p.type for p in plan.params} if plan else {}))
        missing = [c for c in columns if c not in declared]
        if missing:
            raise fail(ReportDataError, f"source '{loc.shown}' has no column '{missing[0]}' "
                                        f"(its columns: {', '.join(declared)})")
        for c in columns:
            if report_type(declared[c]) == "any":
                raise fail(ReportDataError, f"column '{c}' of spark '{loc.shown}' is of type "
                                            f"{declared[c].simpleString()}, which a report cannot read (numbers, "
                                            "text, dates, timestamps and booleans only)")
        self.source_types = {c: report_type(t) for c, t in declared.items()}
        self.text_columns = frozenset(c for c in columns if self.source_types[c] == "string")
        self._instants = tuple(i for i, c in enumerate(columns) if _instant(declared[c]))
        self.sql, self.binds, ordered = statement(table, query, declared, columns, params, plan, want_order,
                                                  loc.shown)
        spark = session(loc)
        self._errors = _errors()
        try:
            frame = spark.sql(self.sql, args=self.binds)
            # one partition at a time: with the next one prefetched, PySpark 4.3 lost the
            # first result of a sorted 2M-row read (TaskResultLost, local[*], 8 partitions)
            self._rows = frame.toLocalIterator(prefetchPartitions=False)
        except self._errors as exc:
            raise _failure(loc.shown, exc) from None
        self.ordered = ordered

    def _fetch(self) -> list[Any]:
        rows = self._rows
        if rows is None:
            raise ValueError(f"source '{self.shown}' is closed")
        chunk: list[Any] = list(itertools.islice(rows, CHUNK_ROWS))
        if self._instants:
            for i, row in enumerate(chunk):
                values = list(row)
                for at in self._instants:
                    if values[at] is not None:
                        values[at] = _EPOCH + _dt.timedelta(microseconds=values[at])
                chunk[i] = values
        return chunk

    def chunks(self) -> Iterator[list[Any]]:
        errors = self._errors

        def explain(exc: BaseException) -> str | None:
            return message(exc) if isinstance(exc, errors) else None

        return counted_chunks(self, self._fetch, explain)

    def close(self) -> None:
        rows, self._rows = self._rows, None
        close = getattr(rows, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):  # closing after a failure must not hide it
                close()


@contextlib.contextmanager
def pushed_statements(loc: Location) -> Iterator[tuple[Callable[[str, dict], list[tuple]], tuple]]:
    """``(execute, errors)``: ``execute(sql, values)`` gives a pushed-down statement's rows
    (``pushdown/execute.py``); ``errors``, what a refused statement raises. Statements run
    with ANSI mode on, so an integer or decimal overflow is an error (the report then
    streams) where Spark without it wraps a BIGINT sum round or makes a decimal null."""
    spark = session(loc)
    key = "spark.sql.ansi.enabled"
    before = spark.conf.get(key, None)
    spark.conf.set(key, "true")

    def execute(sql: str, values: dict) -> list[tuple]:
        named = {k: v for k, v in values.items() if f":{k}" in sql}
        return [tuple(r) for r in spark.sql(sql, args=named).collect()]

    try:
        yield execute, _errors()
    finally:
        if before is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, before)


# mypy checks that this is a row source (``interface.RowSource``)
ROW_SOURCES: tuple[type[RowSource], ...] = (SparkRows,)
