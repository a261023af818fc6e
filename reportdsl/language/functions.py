"""Scalar functions (LANGUAGE.md §6, §11), each declared once.

In: nothing. Out: ``FUNCTION_BY_NAME``: lower-case name → ``FunctionDecl``, read by
the checker (arity, argument types, result type), the engine's code generator (the
runtime operation and the inline form), the SQL pushdown (``sql``), and the generated
reference (docs/functions.md).

Argument rules: ``args[i]`` constrains argument ``i``; a variadic function's last rule
applies to the rest. ``null`` and ``any`` pass every rule (they are checked per row).
Result rules: a type name, or ``arg0`` (the first argument's type; ``any`` when that
argument is wrong), ``unify`` (the arguments' common type), ``unify_rest`` (the common
type of all but the first).
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from reportdsl.language.types import DATES, NUMERIC


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


FUNCTIONS = (
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

FUNCTION_BY_NAME: dict[str, FunctionDecl] = {f.name: f for f in FUNCTIONS}
