"""Random tables and random reports within LANGUAGE.md, for the differential tests.

In: hypothesis draws. Out: ``Table`` (typed columns, rows of Python values, source
order = list order) and ``Case`` (a report over it: group levels, aggregate calls with
their scopes — some filtered, ``AGG(e where COND)``, and the statistical ones of
LANGUAGE.md §10 — an optional ``where``), each able to say itself as report text and as
the SQL DuckDB runs for the reference (reference.py).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import strategies as st

# name -> (language type, DuckDB type)
COLUMNS = {
    "k1": ("string", "VARCHAR"),
    "k2": ("int", "BIGINT"),
    "n": ("int", "BIGINT"),
    "d": ("decimal", "DECIMAL(38,4)"),
    "f": ("float", "DOUBLE"),
    "dt": ("date", "DATE"),
    "s": ("string", "VARCHAR"),
}


# Fields every report defines: name -> (report expression, DuckDB expression, columns read).
# py_upper is Python's str.upper registered in DuckDB: Unicode's default case mapping
# (§15: "ß" upper is "SS"), which DuckDB's own upper does not apply.
FIELDS = {
    "fd": ("coalesce(f, d)", "COALESCE(f, CAST(d AS DOUBLE))", {"f", "d"}),
    "pick": ("if(n > 0, f, d)", "CASE WHEN n > 0 THEN f ELSE CAST(d AS DOUBLE) END", {"n", "f", "d"}),
    "u": ("upper(s)", "py_upper(s)", {"s"}),
    "r": ("round(d, 1)", "round(d, 1)", {"d"}),
}


@dataclass(frozen=True)
class Table:
    rows: list[tuple]  # in COLUMNS order; source order is list order

    def dicts(self) -> list[dict]:
        return [dict(zip(COLUMNS, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Level:
    name: str
    report_key: str | None  # "= EXPR" of the group, or None: the column NAME itself
    sql_key: str
    desc: bool = False

    def text(self) -> str:
        key = f" = {self.report_key}" if self.report_key else ""
        return f"group {self.name}{key}{' desc' if self.desc else ''}"


@dataclass(frozen=True)
class Call:
    func: str  # lower-case
    arg: str | None  # a column name, or None for COUNT()
    filter: tuple[str, str] | None = None  # `where COND`: (report text, SQL)
    fraction: str | None = None  # PERCENTILE's p

    @property
    def written(self) -> str:
        """The call inside a text template's ``{…}`` (its quotes escaped)."""
        inner = ", ".join(x for x in (self.arg, self.fraction) if x)
        if self.filter:
            inner += f"{' ' if inner else ''}where {self.filter[0]}"
        return f"{self.func.upper()}({inner})".replace('"', '\\"')

    @property
    def text(self) -> str:
        """Its JSON key: the call as the parser reads it, white space outside strings removed."""
        return _without_white_space(self.written.replace('\\"', '"'))

    def columns(self) -> set[str]:
        """The columns and fields its argument and filter read."""
        used = {self.arg} if self.arg else set()
        if self.filter:
            used |= {name for name in (*COLUMNS, *FIELDS) if name in self.filter[1].replace("(", " ").split()}
        return used


def _without_white_space(text: str) -> str:
    out, quoted = [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if quoted or not ch.isspace():
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class Case:
    levels: tuple[Level, ...]
    calls: tuple[Call, ...]
    where: tuple[str, str] | None  # (report text, SQL)
    sort: tuple[str, bool] | None = None  # (column, desc): the order inside the innermost group

    def columns(self) -> set[str]:
        """The table columns and fields the report reads."""
        used = {lv.sql_key for lv in self.levels if lv.sql_key in COLUMNS}
        used |= {name for c in self.calls for name in c.columns()}
        for name in sorted(used) + [lv.name for lv in self.levels]:
            used |= FIELDS[name][2] | {name} if name in FIELDS else set()
        used |= {"dt"} if any(lv.name == "y" for lv in self.levels) else set()
        used |= {name for name in COLUMNS if self.where and name in self.where[1].replace("(", " ").split()}
        return used | ({self.sort[0]} if self.sort else set())

    def report(self, source: str) -> str:
        """The report text over ``source`` (a ``source …`` line, or "" for none)."""
        cells = ", ".join(f"{{{c.written}}}" for c in self.calls)
        lines = ["report diff {", f"  {source}" if source else ""]
        lines += [f"  field {name} = {expr}" for name, (expr, _, _) in FIELDS.items()]
        if self.where:
            lines.append(f"  where {self.where[0]}")
        if self.sort:
            lines.append(f"  sort by {self.sort[0]}{' desc' if self.sort[1] else ''}")
        for level in self.levels:
            lines += [f"  {level.text()} {{", f'    footer {{ text "{cells}" }}', "  }"]
        lines += [f'  summary {{ text "{cells}" }}', "}"]
        return "\n".join(line for line in lines if line) + "\n"


# ---- values ----------------------------------------------------------------------

_TEXT = st.sampled_from(["a", "A", "b", "a ", "é", "e\u0301", "Ω", "日本", "z", "ß", "\U0001F600", "İ"])
_KEYS = st.one_of(st.none(), _TEXT)
_SMALL = st.one_of(st.none(), st.integers(-2, 3))
_INTS = st.one_of(st.none(), st.integers(-10**6, 10**6), st.sampled_from([2**62, -(2**62), 2**53 + 1]))
_DECIMALS = st.one_of(st.none(), st.decimals(min_value=Decimal("-99999999999999"), max_value=Decimal("99999999999999"),
                                             places=4, allow_nan=False, allow_infinity=False))
_FLOATS = st.one_of(st.none(), st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
                    st.sampled_from([0.1, 0.2, -0.0, 1e300]))
_SPECIAL_FLOATS = st.sampled_from([math.nan, math.inf, -math.inf])
_DATES = st.one_of(st.none(), st.dates(min_value=dt.date(2019, 12, 25), max_value=dt.date(2021, 1, 6)),
                   st.sampled_from([dt.date(2020, 12, 31), dt.date(2021, 1, 1)]))
_STRINGS = st.one_of(st.none(), _TEXT, st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                                               min_size=1, max_size=6))


@st.composite
def tables(draw, max_rows: int = 25, special_floats: bool = True) -> Table:
    """Rows of every column type; with ``special_floats``, ``f`` may hold NaN and ±inf."""
    floats = st.one_of(_FLOATS, _SPECIAL_FLOATS) if special_floats and draw(st.booleans()) else _FLOATS
    row = st.tuples(_KEYS, _SMALL, _INTS, _DECIMALS, floats, _DATES, _STRINGS)
    return Table(draw(st.lists(row, min_size=0, max_size=max_rows)))

    
def has_wide_decimals(table: Table) -> bool:
    return any(isinstance(row[3], Decimal) and len(row[3].as_tuple().digits) > 15 for row in table.rows)


def has_special_floats(table: Table) -> bool:
    return any(isinstance(row[4], float) and not math.isfinite(row[4]) for row in table.rows)


_LEVELS = [
    Level("k1", None, "k1"),
    Level("k2", None, "k2"),
    Level("y", "year(dt)", "CAST(year(dt) AS BIGINT)"),
    Level("f", None, "f"),
    Level("u", None, "u"),
]
_AGGREGATES = {
    "sum": ("n", "d", "f", "fd", "pick", "r"),
    "avg": ("n", "d", "f"),
    "count": (None, "k1", "d", "f", "dt"),
    "min": ("k1", "n", "d", "f", "dt", "s", "u", "pick"),
    "max": ("k1", "n", "d", "f", "dt", "s", "u", "pick"),
    "count_distinct": ("k1", "k2", "d", "f", "dt", "s", "u"),
    "first": ("k1", "n", "d", "dt", "s"),
    "last": ("k1", "n", "d", "dt", "s"),
}
_STATISTICS = {
    "stddev": ("n", "d", "f", "fd"),
    "variance": ("n", "d", "f", "r"),
    "median": ("n", "d", "f", "pick"),
    "percentile": ("n", "d", "f"),
}
_CALLS = [Call(func, arg) for func, args in _AGGREGATES.items() for arg in args]
_CALLS += [Call(func, arg) for func, args in _STATISTICS.items() for arg in args if func != "percentile"]
_CALLS += [Call("percentile", arg, fraction=p) for arg in _STATISTICS["percentile"] for p in ("0", "0.25", "0.9", "1")]
# `where COND` inside calls: (report text, DuckDB condition); NaN sorts above every
# number in both (§15), and a null condition drops the row in both
_FILTERS = [
    ("n > 0", "n > 0"),
    ('k1 == "a"', "k1 = 'a'"),
    ("f < 0.5", "f < 0.5"),
    ("not (d >= 0)", "NOT (d >= 0)"),
    ('dt >= date("2020-06-01")', "dt >= DATE '2020-06-01'"),
    ('u != "A" and n != 0', "(u <> 'A' AND n <> 0)"),
    ("k2 > 0 or d < 1", "(k2 > 0 OR d < 1)"),
]
_WHERES = [
    ("n > 0", "n > 0"),
    ('k1 != "a"', "k1 <> 'a'"),
    ("d >= 0 or f < 0", "(d >= 0 OR f < 0)"),
    ('dt >= date("2020-06-01")', "dt >= DATE '2020-06-01'"),
    ("f == 0.1 or f > 0.2", "(f = 0.1 OR f > 0.2)"),
    ('u != "A"', "u <> 'A'"),
]


@st.composite
def cases(draw) -> Case:
    count = draw(st.integers(0, 2))
    picked = draw(st.permutations(_LEVELS))[:count]
    levels = tuple(Level(lv.name, lv.report_key, lv.sql_key, draw(st.booleans())) for lv in picked)
    picked_calls = draw(st.lists(st.sampled_from(_CALLS), min_size=1, max_size=6, unique=True))
    calls = tuple(dict.fromkeys(  # a filtered call is the same call when the filter draws equal
        Call(c.func, c.arg, draw(st.one_of(st.none(), st.sampled_from(_FILTERS))), c.fraction) for c in picked_calls))
    where = draw(st.one_of(st.none(), st.sampled_from(_WHERES)))
    sort = draw(st.one_of(st.none(), st.tuples(st.sampled_from(["s", "n", "d", "dt"]), st.booleans())))
    return Case(levels, calls, where, sort)
