"""Differential test of the §11 functions and date operators: random rows (dates
around year ends and leap days, ISO week edges, text with non-ASCII white space and
astral characters, negative numbers and zeros, nulls) through every function in a
report, and the same through DuckDB SQL — value for value, null for null.

Each row is its own group (``group rid``), so ``FIRST(v)`` in its header is the
row's value. The report runs over the rows with declared column types (the generated
code's typed forms) and without (the runtime operations that look at the values).
The normal run checks a small sample (a few seconds); ``-m deep`` checks thousands
(``REPORTDSL_DEEP_EXAMPLES``).
"""

from __future__ import annotations

import datetime as dt
import math
import os
from decimal import Decimal

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reportdsl

DEEP = int(os.environ.get("REPORTDSL_DEEP_EXAMPLES", "2000"))
_SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}

# column: (report type, DuckDB type)
COLUMNS = {
    "d1": ("date", "DATE"), "d2": ("date", "DATE"), "t": ("datetime", "TIMESTAMP"),
    "k": ("int", "INTEGER"), "m": ("int", "INTEGER"), "i": ("int", "BIGINT"), "j": ("int", "BIGINT"),
    "x": ("decimal", "DECIMAL(18,4)"), "y": ("decimal", "DECIMAL(18,4)"), "f": ("float", "DOUBLE"),
    "s": ("string", "VARCHAR"), "p": ("string", "VARCHAR"), "fill": ("string", "VARCHAR"),
    "st": ("int", "INTEGER"), "ln": ("int", "INTEGER"), "w": ("int", "INTEGER"), "b": ("bool", "BOOLEAN"),
}
# Unicode's White_Space property as PropList.txt lists it (not taken from the engine)
_WHITE_SPACE = [*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F,
                0x205F, 0x3000]
_WS_SQL = " || ".join(f"chr({c})" for c in _WHITE_SPACE)

# (report expression, DuckDB SQL, how to compare: "eq" exactly, "approx" as floats)
FUNCTIONS = [
    ("days_between(d1, d2)", "date_diff('day', d1, d2)", "eq"),
    ("days_between(t, d2)", "date_diff('day', CAST(t AS DATE), d2)", "eq"),
    ("add_days(d1, m)", "d1 + m", "eq"),
    ("add_months(d1, k)", "CAST(d1 + to_months(k) AS DATE)", "eq"),
    ('date_trunc("year", d1)', "CAST(date_trunc('year', d1) AS DATE)", "eq"),
    ('date_trunc("quarter", d1)', "CAST(date_trunc('quarter', d1) AS DATE)", "eq"),
    ('date_trunc("month", d1)', "CAST(date_trunc('month', d1) AS DATE)", "eq"),
    ('date_trunc("week", d1)', "CAST(date_trunc('week', d1) AS DATE)", "eq"),
    ('date_trunc("week", t)', "date_trunc('week', t)", "eq"),
    ("quarter(d1)", "quarter(d1)", "eq"),
    ("week(d1)", "week(d1)", "eq"),
    ("week(t)", "week(t)", "eq"),
    ("weekday(d1)", "isodow(d1)", "eq"),
    ("hour(t)", "hour(t)", "eq"),
    ("minute(t)", "minute(t)", "eq"),
    ("month_name(d1)", "monthname(d1)", "eq"),
    ("day_name(d1)", "dayname(d1)", "eq"),
    ("d2 - d1", "d2 - d1", "eq"),
    ("d1 + m", "d1 + m", "eq"),
    ("m + d1", "d1 + m", "eq"),
    ("d1 - m", "d1 - m", "eq"),
    ("substr(s, st, ln)", "substr(s, st, ln)", "eq"),
    ("substr(s, st)", "substr(s, st)", "eq"),
    ("left(s, ln)", "left(s, ln)", "eq"),
    ("right(s, ln)", "right(s, ln)", "eq"),
    ("trim(s)", f"trim(s, {_WS_SQL})", "eq"),
    ("replace(s, p, fill)", "CASE WHEN fill IS NULL THEN NULL WHEN p = '' THEN s ELSE replace(s, p, fill) END",
     "eq"),
    ("concat(s, i, p)", "concat(s, i, p)", "eq"),
    ("contains(s, p)", "contains(s, p)", "eq"),
    ("starts_with(s, p)", "starts_with(s, p)", "eq"),
    ("ends_with(s, p)", "ends_with(s, p)", "eq"),
    ("pad_left(s, w, fill)", "CASE WHEN fill IS NULL THEN NULL WHEN length(s) >= w THEN s ELSE lpad(s, w, fill) END",
     "eq"),
    ("floor(x)", "floor(x)", "eq"),
    ("ceil(x)", "ceil(x)", "eq"),
    ("floor(f)", "floor(f)", "eq"),
    ("ceil(f)", "ceil(f)", "eq"),
    ("sqrt(abs(x))", "sqrt(abs(x))", "approx"),
    ("sqrt(abs(f))", "sqrt(abs(f))", "eq"),
    ("sqrt(abs(i))", "sqrt(abs(i))", "approx"),
    ("power(x, ln)", "pow(x, ln)", "approx"),
    ("power(f, ln)", "pow(f, ln)", "approx"),
    ("mod(i, j)", "TRY(i % j)", "eq"),
    ("i % j", "TRY(i % j)", "eq"),
    ("mod(x, y)", "TRY(x % y)", "eq"),
    ("greatest(i, j, k)", "greatest(i, j, k)", "eq"),
    ("least(x, y)", "least(x, y)", "eq"),
    ("greatest(d1, d2)", "greatest(d1, d2)", "eq"),
    ("least(s, p)", "least(s, p)", "eq"),
    ("nullif(i, j)", "nullif(i, j)", "eq"),
    ("nullif(s, p)", "nullif(s, p)", "eq"),
    ("case(b, s, i > j, p, fill)", "CASE WHEN b THEN s WHEN i > j THEN p ELSE fill END", "eq"),
]

_EDGE_DATES = [dt.date(y, m, d) for y, m, d in (
    (2024, 2, 29), (2023, 2, 28), (2024, 1, 31), (2023, 12, 31), (2024, 1, 1), (2020, 12, 31), (2021, 1, 3),
    (2021, 1, 4), (2019, 12, 30), (2026, 1, 1), (2027, 1, 1), (2000, 2, 29), (1900, 2, 28), (2024, 3, 31))]
_DATES = st.sampled_from(_EDGE_DATES) | st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
_TEXT = st.text(alphabet=st.sampled_from("ab A\t\n\u3000\u00a0\u2003\u200bé😀\u0301\x1c\x1fz"), max_size=8)
_SHORT = st.text(alphabet=st.sampled_from("ab é😀\u3000"), max_size=2)


_TIMES = st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2040, 12, 31)).map(lambda v: v.replace(microsecond=0))


def _maybe(strategy):
    return st.none() | strategy


ROWS = st.lists(st.fixed_dictionaries({
    "d1": _maybe(_DATES), "d2": _maybe(_DATES),
    "t": _maybe(_TIMES),
    "k": _maybe(st.integers(-40, 40)), "m": _maybe(st.integers(-1000, 1000)),
    "i": _maybe(st.integers(-20, 20) | st.integers(-10 ** 12, 10 ** 12)), "j": _maybe(st.integers(-5, 5)),
    "x": _maybe(st.decimals(-10 ** 6, 10 ** 6, places=4, allow_nan=False)),
    "y": _maybe(st.decimals(-100, 100, places=4, allow_nan=False)),
    "f": _maybe(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)),
    "s": _maybe(_TEXT), "p": _maybe(_SHORT), "fill": _maybe(st.text(alphabet="*-é😀", min_size=1, max_size=3)),
    "st": _maybe(st.integers(1, 10)), "ln": _maybe(st.integers(0, 10)), "w": _maybe(st.integers(-2, 12)),
    "b": _maybe(st.booleans()),
}), min_size=1, max_size=8)


def reference(rows: list[dict]) -> list[list]:
    """Each function's value on each row, as DuckDB computes it."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (rid BIGINT, " + ", ".join(f'"{c}" {sql}' for c, (_, sql) in COLUMNS.items()) + ")")
    con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * (len(COLUMNS) + 1))})",
                    [(n, *(row[c] for c in COLUMNS)) for n, row in enumerate(rows)])
    select = ", ".join(sql for _, sql, _ in FUNCTIONS)
    return [list(r) for r in con.execute(f"SELECT {select} FROM t ORDER BY rid").fetchall()]


def report_values(tmp_path, rows: list[dict], typed: bool) -> list[list]:
    """Each function's value on each row, as a report computes it."""
    lines = ["report diff {"]
    if typed:
        (tmp_path / "t.csv").write_text(",".join(["rid", *COLUMNS]) + "\n", encoding="utf-8")
        lines.append('  source csv "t.csv" { rid: int, ' + ", ".join(f"{c}: {t}" for c, (t, _) in COLUMNS.items())
                     + " }")
    lines += [f"  field v{n} = {expr}" for n, (expr, _, _) in enumerate(FUNCTIONS)]
    shown = " ".join(f"{{FIRST(v{n})}}" for n in range(len(FUNCTIONS)))
    lines += ["  group rid {", f'    header {{ text "{shown}" }}', "  }", "}"]
    report = reportdsl.compile("\n".join(lines) + "\n", filename=str(tmp_path / "diff.report"),
                               base_dir=str(tmp_path))
    source = [{"rid": n, **row} for n, row in enumerate(rows)]
    groups = report.run(source=source).to_dict()["groups"]
    return [[g["totals"][f"FIRST(v{n})"] for n in range(len(FUNCTIONS))] for g in groups]


def same(got, want, how: str) -> bool:
    if got is None or want is None:
        return got is None and want is None
    if isinstance(want, (dt.date, dt.datetime)):
        return got == want.isoformat(timespec="seconds") if isinstance(want, dt.datetime) else got == want.isoformat()
    if how == "approx":
        return math.isclose(float(got), float(want), rel_tol=1e-12, abs_tol=1e-300)
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, (int, Decimal, float)):
        return isinstance(got, (int, Decimal, float)) and got == want
    return got == want


def check(tmp_path, rows: list[dict], typed: bool) -> None:
    want = reference(rows)
    got = report_values(tmp_path, rows, typed)
    assert len(got) == len(want)
    wrong = [f"row {n} {FUNCTIONS[k][0]}: report {g!r}, DuckDB {w!r} (row {rows[n]!r})"
             for n, (gs, ws) in enumerate(zip(got, want, strict=True))
             for k, (g, w) in enumerate(zip(gs, ws, strict=True)) if not same(g, w, FUNCTIONS[k][2])]
    assert not wrong, "\n".join(wrong[:10])


@settings(max_examples=25, **_SETTINGS)
@given(rows=ROWS, typed=st.booleans())
def test_functions_agree_with_duckdb(tmp_path_factory, rows, typed):
    check(tmp_path_factory.mktemp("f"), rows, typed)


@pytest.mark.deep
@settings(max_examples=DEEP, **_SETTINGS)
@given(rows=ROWS, typed=st.booleans())
def test_deep_functions_agree_with_duckdb(tmp_path_factory, rows, typed):
    check(tmp_path_factory.mktemp("f"), rows, typed)
