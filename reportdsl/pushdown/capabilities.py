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
- ``exact_arithmetic``: ``+ - *`` of integers and decimals without overflow: operands cast
  to NUMERIC (PostgreSQL); MariaDB's integer overflow is an error (so the report streams)
  and its DECIMAL products are exact to 65 digits.
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
    exact_arithmetic: str | None = None  # the cast for exact operands ("NUMERIC"), "native", or None

    @property
    def aggregates(self) -> tuple[str, ...]:
        """The aggregate functions computed here (the others have no exact SQL form
        yet: FIRST/LAST need source order, MEDIAN/PERCENTILE/STDDEV/VARIANCE exact
        decimals)."""
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
    text_form='CAST({x} AS TEXT) COLLATE "C"', exact_arithmetic="NUMERIC",
)
_DUCKDB = Dialect(
    name="duckdb", sqlglot="duckdb", grouping_sets=True, filter_clause=True,
    kinds=frozenset({"int", "decimal", "float", "string", "date", "bool"}),
    sum_kinds=frozenset({"int", "decimal", "float"}),
    text_form="CAST({x} AS VARCHAR) COLLATE C", float_sum="FSUM",
)
_MARIADB = Dialect(
    name="mariadb", sqlglot="mysql", grouping_sets=False, filter_clause=False,
    kinds=frozenset({"int", "decimal", "float", "string"}),
    sum_kinds=frozenset({"int", "decimal", "float"}),
    text_form="CAST(CONVERT({x} USING utf8mb4) AS BINARY)", text_bytes=True, exact_arithmetic="native",
)
# Spark (``source spark``, run through ``spark.sql``, ``sources/spark.py``): GROUPING SETS
# (its level bits from ``grouping_id``: Spark's GROUPING takes one key) and FILTER.
# Text as ``CAST(x AS STRING)``: UTF8_BINARY (UTF-8 bytes, which order as code points),
# whatever collation a Spark 4 column declares. Integers and decimals are summed
# exactly or not at all: the statements run with ANSI mode on, so a BIGINT sum past 64
# bits or a DECIMAL sum past 38 digits is an error and the report streams (without ANSI
# Spark wraps the one round and makes the other null). Its DECIMAL arithmetic rounds
# to 38 digits and its BIGINT arithmetic wraps without ANSI: no arithmetic is pushed.
# FIRST/LAST stay in the engine: a Spark table has no source order to break ties by,
# and ``first``/``max_by`` pick any row of a tie. Float sums are not compensated (SUM):
# ``execute._float_total`` bounds them. Dates outside years 1-9999 are found by the
# guard (``sources/sql/where.py``).
_SPARK = Dialect(
    name="spark", sqlglot="spark", grouping_sets=True, filter_clause=True,
    kinds=frozenset({"int", "decimal", "float", "string", "date", "bool"}),
    sum_kinds=frozenset({"int", "decimal", "float"}),
    text_form="CAST({x} AS STRING)",
)

CAPABILITIES: dict[str, Dialect] = {
    "sqlite": _SQLITE,
    "postgresql": _POSTGRESQL,
    "duckdb": _DUCKDB,
    "mariadb": _MARIADB,
    "mysql": _MARIADB,  # SQLAlchemy names MariaDB "mysql" through the mysql+pymysql URL
    "spark": _SPARK,
}


def dialect_of(name: str) -> Dialect | None:
    return CAPABILITIES.get(name)
