"""What each SQL database can compute for a report exactly as the engine does.

In: nothing (declarations only). Out: ``CAPABILITIES``, one ``Dialect`` per SQLAlchemy
dialect name; ``dialect_of(name)``. The builder (``builder``) and the analysis
(``analysis``) read these and assume nothing else about a database: a dialect not
listed here is never pushed down.

Each entry says, from the database's documentation and this project's tests against
real servers (tests/pushdown/):
- ``grouping_sets``: one ``GROUP BY GROUPING SETS`` gives every level in one scan
  (PostgreSQL, DuckDB); otherwise a ``UNION ALL`` of one ``GROUP BY`` a level.
  MariaDB's ``WITH ROLLUP`` is not used: its rolled-up rows cannot be told apart from
  groups whose key is null (no ``GROUPING()`` before MySQL 8 / MariaDB 11).
- ``filter_clause``: ``AGG(x) FILTER (WHERE c)``; otherwise ``AGG(CASE WHEN c THEN x END)``,
  which every aggregate here skips alike (a null argument).
- ``kinds``: the value kinds whose values the database stores, groups, compares and
  returns as the engine reads them — for group keys, MIN/MAX and COUNT_DISTINCT
  (text only through ``text_form``). SQLite keeps DECIMAL as floats (the engine rounds
  each value to the declared scale) and dates as text in several forms: neither is
  pushed there. MariaDB has zero dates: no dates.
- ``sum_kinds``: the kinds SUM (and AVG's sum) adds exactly — integers unbounded
  (PostgreSQL's and MariaDB's SUM of integers is NUMERIC/DECIMAL; DuckDB's HUGEINT and
  SQLite's 64-bit sum stop with an error on overflow, and an error means the report
  streams) — or, for floats, within CONTRACT.md §8's relative 1e-12.
- ``text_form``: the text's code-point form (LANGUAGE.md §15), whatever the column's
  collation: ``COLLATE "C"`` over the value as ``TEXT`` (PostgreSQL: citext and enums
  set aside), ``COLLATE BINARY`` (SQLite: a column may declare NOCASE), ``COLLATE C``
  over ``VARCHAR`` (DuckDB), the UTF-8 bytes (MariaDB: its ``_bin`` collations pad
  trailing spaces, so ``'a'`` and ``'a '`` would be one group) — ``text_bytes`` says the
  values come back as bytes.
- ``float_sum``: the aggregate that sums floats (DuckDB's ``fsum`` is compensated).
  ``float_sum_cast``: floats are summed as this exact type instead (PostgreSQL's
  NUMERIC: each double becomes a decimal of at least 15 significant digits, within
  5e-15 of it, and those decimals are added exactly). The sum's error is then at most
  5e-15·Σ|x| however many values, where a float sum in the database's order may err by
  n·u·Σ|x| (u the unit roundoff): past ~4,500 values of one sign that bound passes
  CONTRACT.md §8's 1e-12 and the report streams (``execute._float_total``). DuckDB's
  ``fsum`` is Kahan's sum, but its merge of partial sums adds the merged compensation
  with the wrong sign (``KahanSumState::Combine``), an error that grows with the number
  of merges DuckDB chooses, so it gets the plain bound. No exact type holds every double
  on MariaDB (DECIMAL(65, 30) clips), DuckDB or SQLite (DECIMAL(38)).
- ``exact_arithmetic``: ``+ - *`` of integers and decimals without overflow: operands cast
  to NUMERIC (PostgreSQL); MariaDB's integer overflow is an error (so the report streams)
  and its DECIMAL products are exact to 65 digits.
- ``grouping_one_arg``: ``GROUPING()`` takes one column (BigQuery, Spark SQL): the level
  flag is then ``GROUPING(k0) * 2 + GROUPING(k1)``, the same bits.
- ``quote``: the identifier quote where it is not the sqlglot dialect's double quote;
  ``upper_names``: names SQLAlchemy reports in lower case are the database's upper-case
  names, written so (Snowflake: ``"t"`` would name another table than ``t``, ``"T"``).
- ``first_last``: FIRST/LAST as ``FUNC(x, <place in source order>)`` over the rows where
  x is not null. Used where the source has an order SQL can name and print order is
  that order (Parquet through DuckDB: file index and row number, unique, so no ties;
  ``analysis.first_last``); a table has none (§15), so elsewhere FIRST/LAST stream.
  ``percentile_cont`` is declared, not used: no dialect's interpolates decimals exactly
  as the engine does, so MEDIAN/PERCENTILE stream.

The warehouses reached through their SQLAlchemy dialects (a URL ``trino://``,
``bigquery://``, ``snowflake://``, ``clickhouse://`` or ``clickhousedb://``,
``databricks://``) are declared from their documentation alone: no server runs here,
so their SQL is tested as golden files parsed back by sqlglot (tests/pushdown/golden/):
- Trino: exact DECIMAL(38) and BIGINT sums whose overflow is an error; VARCHAR compares
  by code point without collation; GROUPING SETS, ``FILTER``, ``GROUPING(a, b)``.
- BigQuery: INT64/NUMERIC sums whose overflow is an error, but NUMERIC products round
  to 9 places (no arithmetic pushed); text compared as its UTF-8 ``BYTES`` (a column
  may carry a collation); ``GROUPING`` of one column; no ``FILTER``.
- Snowflake: NUMBER(38, s) sums whose overflow is an error, but a product's scale is
  capped (no arithmetic pushed); text as ``TO_BINARY(x, 'UTF-8')`` (a column may carry
  a collation); GROUPING SETS; no ``FILTER``.
- ClickHouse: integer and decimal sums wrap or saturate silently (only float sums are
  pushed, and their error bound is checked); ``String`` compares by bytes; its GROUPING
  SETS fill the keys of rolled-up levels with default values unless
  ``group_by_use_nulls`` is set, so a ``UNION ALL`` of GROUP BYs is used; no ``FILTER``
  (its ``-If`` combinators are not needed: CASE WHEN skips alike).
- Databricks (Spark SQL): outside ANSI mode (the default on clusters before Runtime 15)
  an integer sum wraps and a decimal sum overflows to null, silently: only float sums
  are pushed; text as ``CAST(x AS BINARY)`` (Runtime 16 columns may carry collations);
  GROUPING SETS, ``FILTER``, ``GROUPING`` of one column, backquoted names.
Where a part has no exact form there, that part makes the report stream (``analysis``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    name: str  # SQLAlchemy's dialect name
    sqlglot: str  # sqlglot's dialect name
    grouping_sets: bool
    filter_clause: bool
    kinds: frozenset[str]
    sum_kinds: frozenset[str]
    text_form: str  # SQL around "{x}" that compares by code point
    text_bytes: bool = False
    float_sum: str = "SUM"
    float_sum_cast: str | None = None  # an exact type floats are summed as
    exact_arithmetic: str | None = None  # the cast for exact operands ("NUMERIC"), "native", or None
    grouping_one_arg: bool = False  # GROUPING(k) of one key only
    quote: str = ""  # the identifier quote, where not sqlglot's default for the dialect
    # the database folds unquoted names to upper case and its SQLAlchemy dialect reports
    # them in lower case (Snowflake): a lower-case name is written in upper case
    upper_names: bool = False
    # FIRST/LAST as "<func>(x, <source order>)" where the source has an order (ARG_MIN:
    # used on Parquet), and whether percentile_cont exists (declared, not used)
    first_last: str | None = None
    percentile_cont: bool = False

    @property
    def aggregates(self) -> tuple[str, ...]:
        """The aggregate functions computed here (the others have no exact SQL form
        yet: FIRST/LAST need source order, ``first_last``; MEDIAN/PERCENTILE/STDDEV/
        VARIANCE exact decimals)."""
        return ("sum", "count", "avg", "min", "max", "count_distinct")


_SQLITE = Dialect(
    name="sqlite", sqlglot="sqlite", grouping_sets=False, filter_clause=True,
    kinds=frozenset({"int", "float", "string"}), sum_kinds=frozenset({"int", "float"}),
    text_form="{x} COLLATE BINARY",
)
_POSTGRESQL = Dialect(
    name="postgresql", sqlglot="postgres", grouping_sets=True, filter_clause=True,
    kinds=frozenset({"int", "decimal", "float", "string", "date", "bool"}),
    sum_kinds=frozenset({"int", "decimal", "float"}),
    text_form='CAST({x} AS TEXT) COLLATE "C"', exact_arithmetic="NUMERIC", percentile_cont=True,
    float_sum_cast="NUMERIC",
)
_DUCKDB = Dialect(
    name="duckdb", sqlglot="duckdb", grouping_sets=True, filter_clause=True,
    kinds=frozenset({"int", "decimal", "float", "string", "date", "bool"}),
    sum_kinds=frozenset({"int", "decimal", "float"}),
    text_form="CAST({x} AS VARCHAR) COLLATE C", float_sum="FSUM", first_last="ARG_MIN", percentile_cont=True,
)
_MARIADB = Dialect(
    name="mariadb", sqlglot="mysql", grouping_sets=False, filter_clause=False,
    kinds=frozenset({"int", "decimal", "float", "string"}),
    sum_kinds=frozenset({"int", "decimal", "float"}),
    text_form="CAST(CONVERT({x} USING utf8mb4) AS BINARY)", text_bytes=True, exact_arithmetic="native",
)

_ALL_KINDS = frozenset({"int", "decimal", "float", "string", "date", "bool"})
_TRINO = Dialect(
    name="trino", sqlglot="trino", grouping_sets=True, filter_clause=True,
    kinds=_ALL_KINDS, sum_kinds=frozenset({"int", "decimal", "float"}),
    text_form="CAST({x} AS VARCHAR)", exact_arithmetic="native", first_last="MIN_BY",
)
_BIGQUERY = Dialect(
    name="bigquery", sqlglot="bigquery", grouping_sets=True, filter_clause=False,
    kinds=_ALL_KINDS, sum_kinds=frozenset({"int", "decimal", "float"}),
    text_form="CAST({x} AS BYTES)", text_bytes=True, grouping_one_arg=True, quote="`",
    percentile_cont=True,
)
_SNOWFLAKE = Dialect(
    name="snowflake", sqlglot="snowflake", grouping_sets=True, filter_clause=False,
    kinds=_ALL_KINDS, sum_kinds=frozenset({"int", "decimal", "float"}),
    text_form="TO_BINARY({x}, 'UTF-8')", text_bytes=True, first_last="MIN_BY", percentile_cont=True,
    upper_names=True,
)
_CLICKHOUSE = Dialect(
    name="clickhouse", sqlglot="clickhouse", grouping_sets=False, filter_clause=False,
    kinds=frozenset({"int", "decimal", "float", "string", "date"}), sum_kinds=frozenset({"float"}),
    text_form="{x}", first_last="argMin",
)
_DATABRICKS = Dialect(
    name="databricks", sqlglot="databricks", grouping_sets=True, filter_clause=True,
    kinds=frozenset({"int", "decimal", "float", "string", "date"}), sum_kinds=frozenset({"float"}),
    text_form="CAST({x} AS BINARY)", text_bytes=True, grouping_one_arg=True, quote="`",
    first_last="MIN_BY", percentile_cont=True,
)

CAPABILITIES: dict[str, Dialect] = {
    "sqlite": _SQLITE,
    "postgresql": _POSTGRESQL,
    "duckdb": _DUCKDB,
    "mariadb": _MARIADB,
    "mysql": _MARIADB,  # SQLAlchemy names MariaDB "mysql" through the mysql+pymysql URL
    "trino": _TRINO,
    "bigquery": _BIGQUERY,
    "snowflake": _SNOWFLAKE,
    "clickhouse": _CLICKHOUSE,
    "clickhousedb": _CLICKHOUSE,  # clickhouse-connect's dialect
    "databricks": _DATABRICKS,
}


def dialect_of(name: str) -> Dialect | None:
    return CAPABILITIES.get(name)
