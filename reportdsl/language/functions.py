"""Scalar functions (LANGUAGE.md §6, §11), each declared once.

In: nothing. Out: ``FUNCTION_BY_NAME``: lower-case name → ``FunctionDecl``, read by
the checker (arity, argument types, result type), the engine's code generator (the
runtime operation and the inline form), the SQL pushdown (``sql``), and the generated
reference (docs/functions.md).

Argument rules: ``args[i]`` constrains argument ``i``; a variadic function's last rule
applies to the rest. ``null`` and ``any`` pass every rule (they are checked per row).
Result rules: a type name, or ``arg0`` (the first argument's type; ``any`` when that
argument is wrong), ``arg1`` (the second's), ``unify`` (the arguments' common type),
``unify_rest`` (the common type of all but the first), ``case`` (the common type of the
values of ``case``), ``numeric`` (the common number type, as ``a % b``), ``exact`` (a
float for a float, else a decimal: ``sqrt``, ``power``).

Codegen strategies: ``call`` (the helper, or the inline form), ``if`` and ``case``
(lazy), ``coalesce``, ``variadic`` (the helper gets a tuple of the arguments, each as a
value of the call's type), ``now``/``today`` (the build's clock), ``fold_constant``,
``round``, ``locale_name`` (the plan adds the report's locale as a last literal argument).
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from reportdsl.language.types import DATES, NUMERIC, ORDERED


class Arg(NamedTuple):
    """What one argument must be: its allowed types and how an error names them.

    Declarations are NamedTuples, not dataclasses: defining one takes ~0.1 ms where a
    frozen dataclass takes ~0.8 ms, and `reportdsl check` defines them all."""

    types: tuple[str, ...] | None  # None: any type
    what: str = "a value"


class FunctionDecl(NamedTuple):
    name: str
    min_args: int
    max_args: int | None  # None: any number
    args: tuple[Arg, ...]
    result: str
    doc: str
    nulls: str = "null in, null out"
    # The engine: the operation in reportdsl.engine.functions that generated code calls
    # (``helper(*args, span_index)``); ``inline`` is a Python form used where every
    # argument's type is in ``inline_types`` ({0} is the first argument, read once, and
    # known not to be null there); ``codegen`` names a special form the generator has.
    helper: str | None = None
    inline: str | None = None
    inline_types: tuple[str, ...] = ()
    codegen: str = "call"
    # Whether, given arguments of the declared types, the call cannot fail on any row
    # (what may stay with the engine while the rest of a ``where`` goes to SQL).
    fail_free: bool = False
    # SQL: dialect → template ({0}, {1}… the arguments' SQL; {args} all, joined by ", "),
    # "*" for every dialect; empty where no SQL form gives the engine's exact answer.
    sql: Mapping[str, str] = MappingProxyType({})
    literal_arg: str | None = None  # a literal first argument is a constant of this type

    def arg(self, i: int) -> Arg:
        return self.args[min(i, len(self.args) - 1)]

    def sql_for(self, dialect: str) -> str | None:
        return self.sql.get(dialect, self.sql.get("*"))

    @property
    def arity_text(self) -> str:
        low, high = self.min_args, self.max_args
        if low == high:
            return str(low)
        if high is not None and high - low == 1:
            return f"{low} or {high}"
        return f"at least {low}"


_NUMBER = Arg(NUMERIC, "a number")
_TEXT = Arg(("string",), "a string")
_DATE = Arg(DATES, "a date")
_ANY = Arg(None)
_DATE_PART_SQL = {
    "sqlite": "CAST(strftime('%{code}', {{0}}) AS INTEGER)",
    "postgresql": "CAST(EXTRACT({part} FROM {{0}}) AS INTEGER)",
    "duckdb": "CAST(EXTRACT({part} FROM {{0}}) AS INTEGER)",
    "mysql": "{part}({{0}})",
    "mariadb": "{part}({{0}})",
}


def _date_part(name: str, code: str) -> FunctionDecl:
    return FunctionDecl(
        name, 1, 1, (_DATE,), "int", f"the {name} of a date, as an integer",
        helper=f"f_{name}", inline=f"{{0}}.{name}", inline_types=DATES, fail_free=True,
        sql={d: t.format(code=code, part=name.upper()) for d, t in _DATE_PART_SQL.items()},
    )


FUNCTIONS: tuple[FunctionDecl, ...] = (
    FunctionDecl("if", 3, 3, (Arg(("bool",), "a true/false condition first"), _ANY, _ANY), "unify_rest",
                 "`if(c, a, b)`: `a` where `c` is true, else `b`",
                 nulls="a null condition counts as false", codegen="if"),
    FunctionDecl("coalesce", 1, None, (_ANY,), "unify", "the first argument that is not null",
                 nulls="skips nulls", codegen="coalesce", sql={"*": "COALESCE({args})"}),
    FunctionDecl("abs", 1, 1, (_NUMBER,), "arg0", "the absolute value",
                 helper="f_abs", inline="abs({0})", inline_types=NUMERIC, fail_free=True, sql={"*": "ABS({0})"}),
    FunctionDecl("round", 1, 2, (_NUMBER, Arg(("int",), "a whole number of decimals")), "arg0",
                 "`round(x[, n])`: `x` to `n` decimals (default 0), halves away from zero",
                 helper="f_round", codegen="round"),
    FunctionDecl("upper", 1, 1, (_TEXT,), "string", "the text in upper case",
                 helper="f_upper", inline="{0}.upper()", inline_types=("string",), fail_free=True),
    FunctionDecl("lower", 1, 1, (_TEXT,), "string", "the text in lower case",
                 helper="f_lower", inline="{0}.lower()", inline_types=("string",), fail_free=True),
    FunctionDecl("len", 1, 1, (_TEXT,), "int", "the number of characters",
                 helper="f_len", inline="len({0})", inline_types=("string",), fail_free=True),
    _date_part("year", "Y"),
    _date_part("month", "m"),
    _date_part("day", "d"),
    FunctionDecl("date", 1, 1, (Arg(("string", *DATES), 'a string such as "2024-01-31"'),), "date",
                 'a date from ISO text (`date("2024-01-31")`) or a datetime',
                 helper="to_date", codegen="fold_constant", literal_arg="date"),
    FunctionDecl("datetime", 1, 1, (Arg(("string", *DATES), 'a string such as "2024-01-31"'),), "datetime",
                 'a datetime from ISO text (`datetime("2024-01-31T08:00:00")`) or a date',
                 helper="to_datetime", codegen="fold_constant", literal_arg="datetime"),
    FunctionDecl("now", 0, 0, (), "datetime", "the build time (fixed by `SOURCE_DATE_EPOCH` when set)",
                 nulls="never null", codegen="now"),
)

# ---- LANGUAGE.md §11 ------------------------------------------------------------------
_DATE_1 = (_DATE,)
_ISO_PART_SQL = {  # ISO week and weekday: only where the database's rule is ISO 8601's
    "week": {"postgresql": "CAST(EXTRACT(WEEK FROM {0}) AS INTEGER)",
             "duckdb": "CAST(EXTRACT(WEEK FROM {0}) AS INTEGER)",
             "mysql": "WEEK({0}, 3)", "mariadb": "WEEK({0}, 3)"},
    "weekday": {"postgresql": "CAST(EXTRACT(ISODOW FROM {0}) AS INTEGER)",
                "duckdb": "CAST(EXTRACT(ISODOW FROM {0}) AS INTEGER)",
                "mysql": "(WEEKDAY({0}) + 1)", "mariadb": "(WEEKDAY({0}) + 1)"},
    "quarter": {"postgresql": "CAST(EXTRACT(QUARTER FROM {0}) AS INTEGER)",
                "duckdb": "CAST(EXTRACT(QUARTER FROM {0}) AS INTEGER)",
                "mysql": "QUARTER({0})", "mariadb": "QUARTER({0})"},
}
DATE_TRUNC_UNITS = ("year", "quarter", "month", "week")

FUNCTIONS_1_1 = (
    # dates
    FunctionDecl("today", 0, 0, (), "date",
                 "the build date (the local date; the UTC date of `SOURCE_DATE_EPOCH` when set)",
                 nulls="never null", codegen="today"),
    FunctionDecl("days_between", 2, 2, (_DATE, _DATE), "int",
                 "`days_between(a, b)`: the days from `a` to `b` (`b` − `a`; of datetimes, their dates)",
                 helper="f_days_between"),
    FunctionDecl("add_days", 2, 2, (_DATE, Arg(("int",), "a whole number of days")), "arg0",
                 "`add_days(d, n)`: the date `n` days after `d` (before it for a negative `n`)",
                 helper="f_add_days"),
    FunctionDecl("add_months", 2, 2, (_DATE, Arg(("int",), "a whole number of months")), "arg0",
                 "`add_months(d, n)`: the same day `n` months later, the month's last day where it "
                 "has no such day (Jan 31 + 1 → Feb 28/29)", helper="f_add_months"),
    FunctionDecl("date_trunc", 2, 2, (Arg(("string",), 'a unit: "year", "quarter", "month" or "week"'), _DATE),
                 "arg1", '`date_trunc("year"|"quarter"|"month"|"week", d)`: the first day of the period '
                 "`d` is in (weeks start on Monday, ISO 8601); a datetime gives its midnight; the unit is "
                 "written as a constant", helper="f_date_trunc"),
    FunctionDecl("quarter", 1, 1, _DATE_1, "int", "the quarter of a date, 1–4",
                 helper="f_quarter", inline="(({0}.month + 2) // 3)", inline_types=DATES, fail_free=True,
                 sql=_ISO_PART_SQL["quarter"]),
    FunctionDecl("week", 1, 1, _DATE_1, "int", "the ISO 8601 week number, 1–53 (week 1 holds the year's "
                 "first Thursday)", helper="f_week", inline="{0}.isocalendar()[1]", inline_types=DATES,
                 fail_free=True, sql=_ISO_PART_SQL["week"]),
    FunctionDecl("weekday", 1, 1, _DATE_1, "int", "the day of the week, 1 = Monday … 7 = Sunday",
                 helper="f_weekday", inline="{0}.isoweekday()", inline_types=DATES, fail_free=True,
                 sql=_ISO_PART_SQL["weekday"]),
    FunctionDecl("hour", 1, 1, _DATE_1, "int", "the hour of a datetime, 0–23 (0 for a date)",
                 helper="f_hour", inline="{0}.hour", inline_types=("datetime",), fail_free=True),
    FunctionDecl("minute", 1, 1, _DATE_1, "int", "the minute of a datetime, 0–59 (0 for a date)",
                 helper="f_minute", inline="{0}.minute", inline_types=("datetime",), fail_free=True),
    # text
    FunctionDecl("substr", 2, 3, (_TEXT, Arg(("int",), "a whole-number position (1 is the first character)"),
                                  Arg(("int",), "a whole-number length")), "string",
                 "`substr(s, start[, length])`: the characters from `start` (1 is the first), `length` of "
                 "them or all the rest; a start of 0 or less or a negative length is an error",
                 helper="f_substr"),
    FunctionDecl("left", 2, 2, (_TEXT, Arg(("int",), "a whole number of characters")), "string",
                 "`left(s, n)`: the first `n` characters (all of a shorter text; a negative `n` is an error)",
                 helper="f_left"),
    FunctionDecl("right", 2, 2, (_TEXT, Arg(("int",), "a whole number of characters")), "string",
                 "`right(s, n)`: the last `n` characters (all of a shorter text; a negative `n` is an error)",
                 helper="f_right"),
    FunctionDecl("trim", 1, 1, (_TEXT,), "string", "the text without Unicode white space at either end",
                 helper="f_trim", fail_free=True),
    FunctionDecl("replace", 3, 3, (_TEXT, _TEXT, _TEXT), "string",
                 "`replace(s, from, to)`: every `from` in `s` replaced by `to` (an empty `from` changes nothing)",
                 helper="f_replace"),
    FunctionDecl("concat", 1, None, (_ANY,), "string",
                 "`concat(a, …)`: the arguments' text joined (numbers, dates and true/false in their plain, "
                 "locale-free form: `1.50`, `2024-01-31`, `true`)", nulls="nulls count as empty text; never null",
                 helper="f_concat", codegen="variadic"),
    FunctionDecl("contains", 2, 2, (_TEXT, _TEXT), "bool", "`contains(s, part)`: whether `part` occurs in `s`",
                 helper="f_contains"),
    FunctionDecl("starts_with", 2, 2, (_TEXT, _TEXT), "bool", "`starts_with(s, part)`: whether `s` begins "
                 "with `part`", helper="f_starts_with"),
    FunctionDecl("ends_with", 2, 2, (_TEXT, _TEXT), "bool", "`ends_with(s, part)`: whether `s` ends with `part`",
                 helper="f_ends_with"),
    FunctionDecl("pad_left", 2, 3, (_TEXT, Arg(("int",), "a whole number of characters"), _TEXT), "string",
                 "`pad_left(s, n[, fill])`: `s` widened to `n` characters by repeating `fill` (default a "
                 "space) on the left; a longer text is unchanged; at most 1 000 000 characters",
                 helper="f_pad_left"),
    # numbers
    FunctionDecl("floor", 1, 1, (_NUMBER,), "arg0", "the largest whole number not above `x` (of its type)",
                 helper="f_floor", fail_free=True),
    FunctionDecl("ceil", 1, 1, (_NUMBER,), "arg0", "the smallest whole number not below `x` (of its type)",
                 helper="f_ceil", fail_free=True),
    FunctionDecl("sqrt", 1, 1, (_NUMBER,), "exact", "the square root (of a negative number an error); "
                 "decimal to 60 significant digits", helper="f_sqrt"),
    FunctionDecl("power", 2, 2, (_NUMBER, _NUMBER), "exact", "`power(x, y)`: `x` to the power `y`; exact for a "
                 "whole `y` ≥ 0 unless a float; an error where there is no real result or it is too large",
                 helper="f_power"),
    FunctionDecl("mod", 2, 2, (_NUMBER, _NUMBER), "numeric", "`mod(a, b)`: the remainder of `a / b`, with the "
                 "sign of `a` (as `a % b`); null where `b` is 0", helper="mod"),
    FunctionDecl("greatest", 1, None, (Arg(ORDERED, "values that compare"),), "unify",
                 "`greatest(a, …)`: the largest argument", nulls="skips nulls; null when all are",
                 helper="f_greatest", codegen="variadic"),
    FunctionDecl("least", 1, None, (Arg(ORDERED, "values that compare"),), "unify",
                 "`least(a, …)`: the smallest argument", nulls="skips nulls; null when all are",
                 helper="f_least", codegen="variadic"),
    FunctionDecl("nullif", 2, 2, (_ANY, _ANY), "arg0", "`nullif(a, b)`: null where `a` equals `b`, else `a`",
                 nulls="`nullif(a, null)` is `a`", helper="f_nullif"),
    # choice
    FunctionDecl("case", 3, None, (_ANY,), "case",
                 "`case(c1, v1, c2, v2, …, default)`: the value after the first true condition, else "
                 "`default` (an odd number of arguments; only what is chosen is computed)",
                 nulls="a null condition counts as false", codegen="case"),
    # locale-aware
    FunctionDecl("month_name", 1, 1, _DATE_1, "string", "the month's name in the report's locale "
                 '(`"März"` for `de_DE`; CLDR\'s stand-alone wide name)', helper="f_month_name",
                 codegen="locale_name"),
    FunctionDecl("day_name", 1, 1, _DATE_1, "string", "the weekday's name in the report's locale "
                 "(CLDR's stand-alone wide name)", helper="f_day_name", codegen="locale_name"),
)

FUNCTIONS = FUNCTIONS + FUNCTIONS_1_1

FUNCTION_BY_NAME: dict[str, FunctionDecl] = {f.name: f for f in FUNCTIONS}
