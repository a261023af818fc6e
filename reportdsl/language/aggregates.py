"""Aggregates (LANGUAGE.md §6), each declared once.

In: nothing. Out: ``AGGREGATE_BY_NAME``: lower-case name → ``AggregateDecl``, read by
the checker (arity, argument type, result type), the planner (which calls are
aggregates), the engine (``primitives``: the per-row state it keeps, shared between
calls over the same argument) and the SQL pushdown (``sql``).

Result rules as in ``functions``: a type name, ``arg0``, or ``avg`` (an integer
argument averages to a decimal). Every aggregate skips nulls; of no value, COUNT is 0
and the others are null. Any aggregate takes a filter (``AGG(e where COND)``, §10): the
rows where COND is not true do not reach it. ``fraction``: the second argument is a
constant from 0 to 1 (PERCENTILE's p). ``dialect_sql`` spells the aggregate where a
dialect has its own name for it (documentation and pushdown metadata).
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from reportdsl.language.functions import Arg
from reportdsl.language.types import NUMERIC, ORDERED


class AggregateDecl(NamedTuple):
    name: str
    min_args: int
    max_args: int
    arg: Arg
    result: str
    doc: str
    primitives: tuple[str, ...]  # the engine's per-row state: nul sum min max first last set moments values
    sql: str | None = None  # the SQL aggregate ({0}: the argument), where one gives the same answer
    dialect_sql: Mapping[str, str] = MappingProxyType({})  # per dialect ({1}: the fraction), where it differs
    fraction: bool = False  # the second argument is a constant in [0, 1]

    def sql_for(self, dialect: str) -> str | None:
        return self.dialect_sql.get(dialect, self.sql)

    @property
    def shown(self) -> str:
        return self.name.upper()

    @property
    def arity_text(self) -> str:
        low, high = self.min_args, self.max_args
        return str(low) if low == high else f"{low} or {high}"


AGGREGATES = (
    AggregateDecl("sum", 1, 1, Arg(NUMERIC, "numbers"), "arg0", "the sum; decimals exactly, floats correctly rounded",
                  ("nul", "sum"), "SUM({0})"),
    AggregateDecl("count", 0, 1, Arg(None), "int", "`COUNT()`: rows; `COUNT(e)`: non-null values",
                  ("nul",), "COUNT({0})"),
    AggregateDecl("avg", 1, 1, Arg(NUMERIC, "numbers"), "avg", "the mean; of integers or decimals a decimal",
                  ("nul", "sum"), "AVG({0})"),
    AggregateDecl("min", 1, 1, Arg(ORDERED, "values that can be ordered"), "arg0", "the smallest value",
                  ("min",), "MIN({0})"),
    AggregateDecl("max", 1, 1, Arg(ORDERED, "values that can be ordered"), "arg0", "the largest value",
                  ("max",), "MAX({0})"),
    AggregateDecl("count_distinct", 1, 1, Arg(None), "int", "the number of distinct non-null values",
                  ("set",), "COUNT(DISTINCT {0})"),
    AggregateDecl("first", 1, 1, Arg(None), "arg0", "the first non-null value, in print order", ("first",)),
    AggregateDecl("last", 1, 1, Arg(None), "arg0", "the last non-null value, in print order", ("last",)),
    AggregateDecl("stddev", 1, 1, Arg(NUMERIC, "numbers"), "avg",
                  "the sample standard deviation; null for fewer than two values", ("moments",), None,
                  MappingProxyType({d: "STDDEV_SAMP({0})" for d in ("postgresql", "duckdb", "mysql", "mariadb")})),
    AggregateDecl("variance", 1, 1, Arg(NUMERIC, "numbers"), "avg",
                  "the sample variance; null for fewer than two values", ("moments",), None,
                  MappingProxyType({d: "VAR_SAMP({0})" for d in ("postgresql", "duckdb", "mysql", "mariadb")})),
    AggregateDecl("median", 1, 1, Arg(NUMERIC, "numbers"), "avg",
                  "the middle value, halfway between the two middle ones for an even count", ("values",), None,
                  MappingProxyType({"postgresql": "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY {0})",
                                    "duckdb": "QUANTILE_CONT({0}, 0.5)"})),
    AggregateDecl("percentile", 2, 2, Arg(NUMERIC, "numbers"), "avg",
                  "`PERCENTILE(e, p)`: the value below which the fraction p (a constant from 0 to 1) "
                  "lies, interpolated linearly between the two nearest values", ("values",), None,
                  MappingProxyType({"postgresql": "PERCENTILE_CONT({1}) WITHIN GROUP (ORDER BY {0})",
                                    "duckdb": "QUANTILE_CONT({0}, {1})"}), fraction=True),
)

AGGREGATE_BY_NAME: dict[str, AggregateDecl] = {a.name: a for a in AGGREGATES}
