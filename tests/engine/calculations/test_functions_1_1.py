"""The functions of LANGUAGE.md §11 through whole reports: each function's values,
null rules and edge cases, over a source with declared column types (the generated
code's typed and inline forms) and over one without (the runtime operations, which
look at the values), and the failures that follow the row-error path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import reportdsl
from reportdsl.errors import ReportDataError

D = dt.date


def _report_text(exprs: dict[str, str], types: dict[str, str] | None, locale: str | None) -> str:
    lines = ["report r {"]
    if locale:
        lines.append(f'  locale "{locale}"')
    if types is not None:
        lines.append('  source csv "t.csv" { ' + ", ".join(f"{k}: {t}" for k, t in types.items()) + " }")
    lines += [f"  field {name} = {expr}" for name, expr in exprs.items()]
    lines.append('  summary { text "' + " ".join(f"{{FIRST({n})}}" for n in exprs) + '" }')
    return "\n".join(lines) + "\n}\n"


def compute(tmp_path, exprs: dict[str, str], row: dict, types: dict[str, str] | None = None,
            locale: str | None = None, on_error: str | None = None) -> dict:
    """Each expression's value on one row (FIRST of a field: dates come back as ISO text)."""
    if types is not None:
        (tmp_path / "t.csv").write_text(",".join(types) + "\n", encoding="utf-8")
    text = _report_text(exprs, types, locale)
    report = reportdsl.compile(text, filename=str(tmp_path / "r.report"), base_dir=str(tmp_path))
    totals = report.run(source=[row]).to_dict()["totals"]
    return {name: totals[f"FIRST({name})"] for name in exprs}


TYPED = [True, False]


def one(tmp_path, expr: str, row: dict, types: dict[str, str], typed: bool, **kw):
    return compute(tmp_path, {"v": expr}, row, types if typed else None, **kw)["v"]


# ---- dates -------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", TYPED)
def test_add_months_clamps_to_the_end_of_the_month(tmp_path, typed):
    exprs = {"a": "add_months(d, 1)", "b": "add_months(d, -1)", "c": "add_months(d, 13)", "e": "add_months(d, -12)",
             "f": "add_months(leap, 12)", "g": "add_months(leap, 48)", "h": "add_months(d, n)"}
    row = {"d": D(2024, 1, 31), "leap": D(2024, 2, 29), "n": None}
    types = {"d": "date", "leap": "date", "n": "int"}
    got = compute(tmp_path, exprs, row, types if typed else None)
    assert got == {"a": "2024-02-29", "b": "2023-12-31", "c": "2025-02-28", "e": "2023-01-31",
                   "f": "2025-02-28", "g": "2028-02-29", "h": None}


@pytest.mark.parametrize("typed", TYPED)
def test_days_between_add_days_and_the_date_operators(tmp_path, typed):
    exprs = {"a": "days_between(d, e)", "b": "days_between(e, d)", "c": "add_days(d, 1)", "f": "add_days(d, -366)",
             "g": "e - d", "h": "d + 1", "i": "1 + d", "j": "d - 1", "k": "d - n", "m": "days_between(t, u)",
             "p": "d + 2 - 2 == d"}
    row = {"d": D(2024, 2, 28), "e": D(2024, 3, 1), "n": None,
           "t": dt.datetime(2024, 1, 1, 23, 59), "u": dt.datetime(2024, 1, 2, 0, 1)}
    types = {"d": "date", "e": "date", "n": "int", "t": "datetime", "u": "datetime"}
    got = compute(tmp_path, exprs, row, types if typed else None)
    assert got == {"a": 2, "b": -2, "c": "2024-02-29", "f": "2023-02-27", "g": 2, "h": "2024-02-29",
                   "i": "2024-02-29", "j": "2024-02-27", "k": None, "m": 1, "p": True}


@pytest.mark.parametrize("typed", TYPED)
def test_date_trunc_quarter_week_and_weekday(tmp_path, typed):
    exprs = {"y": 'date_trunc("year", d)', "q": 'date_trunc("quarter", d)', "m": 'date_trunc("month", d)',
             "w": 'date_trunc("week", d)', "wt": 'date_trunc("week", t)', "qn": "quarter(d)", "wk": "week(d)",
             "wd": "weekday(d)", "h": "hour(t)", "mi": "minute(t)", "hd": "hour(d)"}
    row = {"d": D(2024, 8, 18), "t": dt.datetime(2021, 1, 3, 17, 45, 12)}  # a Sunday; 2021-01-03 is in 2020-W53
    types = {"d": "date", "t": "datetime"}
    got = compute(tmp_path, exprs, row, types if typed else None)
    assert got == {"y": "2024-01-01", "q": "2024-07-01", "m": "2024-08-01", "w": "2024-08-12",
                   "wt": "2020-12-28T00:00:00", "qn": 3, "wk": 33, "wd": 7, "h": 17, "mi": 45, "hd": 0}


@pytest.mark.parametrize("day, week, monday", [
    (D(2020, 12, 31), 53, D(2020, 12, 28)),  # a year of 53 ISO weeks
    (D(2021, 1, 3), 53, D(2020, 12, 28)),  # early January in the last year's week 53
    (D(2021, 1, 4), 1, D(2021, 1, 4)),
    (D(2019, 12, 30), 1, D(2019, 12, 30)),  # late December in the next year's week 1
    (D(2024, 2, 29), 9, D(2024, 2, 26)),
])
@pytest.mark.parametrize("typed", TYPED)
def test_iso_weeks_across_years(tmp_path, typed, day, week, monday):
    got = compute(tmp_path, {"w": "week(d)", "m": 'date_trunc("week", d)', "wd": "weekday(m)"}, {"d": day},
                  {"d": "date"} if typed else None)
    assert got == {"w": week, "m": monday.isoformat(), "wd": 1}


def test_today_is_the_date_of_now_and_source_date_epoch_fixes_both(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1709251199")  # 2024-02-29T23:59:59 UTC
    got = compute(tmp_path, {"t": "today()", "n": "now()", "same": "today() == date(now())"}, {"x": 1})
    assert got == {"t": "2024-02-29", "n": "2024-02-29T23:59:59", "same": True}
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    got = compute(tmp_path, {"t": "today()"}, {"x": 1})
    assert got["t"] in {dt.date.today().isoformat(), (dt.date.today() - dt.timedelta(days=1)).isoformat()}


@pytest.mark.parametrize("locale, month, day", [
    ("de_DE", "März", "Sonntag"), ("en_US", "March", "Sunday"), ("fr_FR", "mars", "dimanche"),
    ("ru_RU", "март", "воскресенье"),  # stand-alone: the nominative, not "марта"
])
@pytest.mark.parametrize("typed", TYPED)
def test_month_and_day_names_follow_the_report_locale(tmp_path, typed, locale, month, day):
    from babel.dates import get_day_names, get_month_names

    got = compute(tmp_path, {"m": "month_name(d)", "w": "day_name(d)", "n": "month_name(null)"},
                  {"d": D(2024, 3, 31)}, {"d": "date"} if typed else None, locale=locale)
    assert got == {"m": month, "w": day, "n": None}
    assert month == get_month_names("wide", "stand-alone", locale)[3]  # Babel's CLDR data, not ours
    assert day == get_day_names("wide", "stand-alone", locale)[6]


def test_the_locale_reaches_the_plan_as_a_constant(tmp_path):
    text = 'report r {\n  locale "de_DE"\n  field m = month_name(d)\n}\n'
    plan = reportdsl.compile(text, filename=str(tmp_path / "r.report")).plan
    call = plan.fields[0].expr
    assert call.func == "month_name" and call.args[-1].value == "de_DE"


# ---- text --------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", TYPED)
def test_text_functions_count_code_points(tmp_path, typed):
    exprs = {"a": "substr(s, 2, 2)", "b": "substr(s, 3)", "c": "substr(s, 10)", "e": "substr(s, 1, 0)",
             "f": "left(s, 2)", "g": "right(s, 2)", "h": "left(s, 99)", "i": "right(s, 0)", "j": "len(s)",
             "k": "substr(s, 2, n)", "m": "substr(s, n)"}
    row = {"s": "a😀é\u0301x", "n": None}  # an emoji, and e + a combining accent: two code points
    got = compute(tmp_path, exprs, row, {"s": "string", "n": "int"} if typed else None)
    assert got == {"a": "😀é", "b": "é\u0301x", "c": "", "e": "", "f": "a😀", "g": "\u0301x",
                   "h": "a😀é\u0301x", "i": "", "j": 5, "k": None, "m": None}


@pytest.mark.parametrize("typed", TYPED)
def test_trim_replace_concat_and_the_tests_on_text(tmp_path, typed):
    exprs = {"t": "trim(s)", "r": 'replace(s, "a", "xy")', "re": 'replace(s, "", "-")', "c": 'concat(s, n, "|", i, d)',
             "cn": "concat(n, n)", "co": 'contains(s, "b a")', "ce": 'contains(s, "")',
             "sw": 'starts_with(trim(s), "ab")', "ew": 'ends_with(s, "b")', "cnull": "contains(s, n)"}
    row = {"s": "\u3000\t ab a\u00a0\u2003", "n": None, "i": 7, "d": D(2024, 1, 2)}
    types = {"s": "string", "n": "string", "i": "int", "d": "date"}
    got = compute(tmp_path, exprs, row, types if typed else None)
    assert got == {"t": "ab a", "r": "\u3000\t xyb xy\u00a0\u2003", "re": row["s"],
                   "c": row["s"] + "|72024-01-02", "cn": "", "co": True, "ce": True, "sw": True, "ew": False,
                   "cnull": None}


def test_trim_keeps_what_unicode_does_not_call_white_space(tmp_path):
    got = compute(tmp_path, {"t": "trim(s)"}, {"s": "\x1fab\u200b\x1c"}, {"s": "string"})
    assert got["t"] == "\x1fab\u200b\x1c"  # separators and the zero-width space are not White_Space


@pytest.mark.parametrize("typed", TYPED)
def test_pad_left(tmp_path, typed):
    exprs = {"a": "pad_left(s, 5)", "b": 'pad_left(s, 7, "xy")', "c": 'pad_left(s, 2, "0")', "e": "pad_left(s, -1)",
             "f": 'pad_left(s, 5, n)', "g": 'pad_left(n, 5, "0")', "h": 'pad_left(s, 3, "0")'}
    row = {"s": "abc", "n": None}
    got = compute(tmp_path, exprs, row, {"s": "string", "n": "string"} if typed else None)
    assert got == {"a": "  abc", "b": "xyxyabc", "c": "abc", "e": "abc", "f": None, "g": None, "h": "abc"}


# ---- numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", TYPED)
def test_floor_ceil_sqrt_power_keep_decimals_exact(tmp_path, typed):
    exprs = {"fl": "floor(d)", "ce": "ceil(d)", "fn": "floor(-d)", "cn": "ceil(-d)", "fi": "floor(i)",
             "ff": "floor(f)", "sq": "sqrt(q)", "sqi": "sqrt(i)", "sqf": "sqrt(f)", "pw": "power(d, 3)",
             "pwi": "power(i, 40)", "pwn": "power(i, -2)", "pwf": "power(f, 2)", "pwh": "power(q, 0.5)",
             "cz": "ceil(z)", "p0": "power(0, 0)"}
    row = {"d": Decimal("2.50"), "i": 9, "f": 2.25, "q": Decimal("2.25"), "z": Decimal("-0.5")}
    types = {"d": "decimal", "i": "int", "f": "float", "q": "decimal", "z": "decimal"}
    got = compute(tmp_path, exprs, row, types if typed else None)
    assert got == {"fl": Decimal(2), "ce": Decimal(3), "fn": Decimal(-3), "cn": Decimal(-2), "fi": 9, "ff": 2.0,
                   "sq": Decimal("1.5"), "sqi": Decimal(3), "sqf": 1.5, "pw": Decimal("15.625000"),
                   "pwi": Decimal(9 ** 40), "pwn": Decimal(1) / Decimal(81), "pwf": 5.0625,
                   "pwh": Decimal("1.5"), "cz": Decimal(0), "p0": Decimal(1)}
    assert str(got["cz"]) == "0" and str(got["pw"]) == "15.625000"  # no -0; the exact digits of 2.50³


def test_sqrt_of_a_decimal_has_sixty_digits(tmp_path):
    got = compute(tmp_path, {"r": "sqrt(d)"}, {"d": Decimal(2)}, {"d": "decimal"})
    assert len(got["r"].as_tuple().digits) == 60 and str(got["r"]).startswith("1.41421356237309504880")


@pytest.mark.parametrize("typed", TYPED)
def test_mod_and_percent_take_the_sign_of_the_dividend(tmp_path, typed):
    exprs = {"m1": "mod(a, b)", "m2": "a % b", "m3": "mod(-a, b)", "m4": "mod(a, -b)", "m5": "mod(x, y)",
             "m6": "mod(a, 0)", "m7": "mod(-x, y)", "m8": "mod(fa, fb)"}
    row = {"a": -7, "b": 3, "x": Decimal("-7.5"), "y": Decimal(2), "fa": -7.5, "fb": 2.0}
    types = {"a": "int", "b": "int", "x": "decimal", "y": "decimal", "fa": "float", "fb": "float"}
    got = compute(tmp_path, exprs, row, types if typed else None)
    assert got == {"m1": -1, "m2": -1, "m3": 1, "m4": -1, "m5": Decimal("-1.5"), "m6": None, "m7": Decimal("1.5"),
                   "m8": -1.5}


@pytest.mark.parametrize("typed", TYPED)
def test_greatest_least_and_nullif(tmp_path, typed):
    exprs = {"g": "greatest(i, d, n)", "l": "least(i, d, n)", "gn": "greatest(n, n)", "ln": "least(n)",
             "gs": 'greatest(s, "b")', "gd": "greatest(day, date(\"2024-01-01\"))", "gf": "greatest(i, f)",
             "ni": "nullif(i, 2)", "nn": "nullif(i, n)", "ns": 'nullif(s, "a")', "nd": "nullif(d, 2)"}
    row = {"i": 2, "d": Decimal("1.5"), "n": None, "s": "a", "day": D(2023, 5, 1), "f": 2.5}
    types = {"i": "int", "d": "decimal", "n": "int", "s": "string", "day": "date", "f": "float"}
    got = compute(tmp_path, exprs, row, types if typed else None)
    assert got == {"g": 2, "l": Decimal("1.5"), "gn": None, "ln": None, "gs": "b", "gd": "2024-01-01",
                   "gf": 2.5, "ni": None, "nn": 2, "ns": None, "nd": Decimal("1.5")}
    if typed:  # an int among decimals is a decimal (§15), as in if/coalesce
        assert isinstance(got["g"], Decimal)


def test_greatest_puts_nan_above_every_number(tmp_path):
    got = compute(tmp_path, {"g": "greatest(a, b)", "l": "least(a, b)"}, {"a": float("nan"), "b": 1e308},
                  {"a": "float", "b": "float"})
    assert got["g"] != got["g"] and got["l"] == 1e308


# ---- case --------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", TYPED)
def test_case_picks_the_first_true_condition_and_is_lazy(tmp_path, typed):
    exprs = {"a": 'case(x > 2, "big", x > 1, "mid", "small")', "b": 'case(i > 1, "yes", "no")',
             "c": "case(x > 0, 1, 1 / 0 > 0, 2.5, 3)", "e": 'case(x > 0, "ok", upper(s) == "A", "x", "z")',
             "f": "case(n, 1, 2)"}
    row = {"x": 1.5, "n": None, "i": None, "s": None}
    got = compute(tmp_path, exprs, row, {"x": "float", "n": "bool", "i": "int", "s": "string"} if typed else None)
    assert got == {"a": "mid", "b": "no", "c": 1, "e": "ok", "f": 2}


def test_case_does_not_compute_what_it_does_not_choose(tmp_path):
    # "abc" * 2 fails on every row; case() never reaches it
    got = compute(tmp_path, {"v": 'case(x > 0, x, s * 2 > 0, 0, -1)'}, {"x": 5, "s": "abc"})
    assert got == {"v": 5}


# ---- failures follow the row-error path --------------------------------------------------


@pytest.mark.parametrize("expr, row, message", [
    ("sqrt(x)", {"x": Decimal(-4)}, "sqrt() of a negative number (-4)"),
    ("sqrt(x)", {"x": -1.0}, "sqrt() of a negative number (-1.0)"),
    ("power(x, 2000)", {"x": 10.0}, "power(): 10.0 to the power 2000 is too large for a float"),
    ("power(x, 0.5)", {"x": -4.0}, "power(): -4.0 to the power 0.5 has no real value"),
    ("power(x, 20000)", {"x": 7}, "has more than 10000 digits"),
    ("power(x, -1)", {"x": 0}, "power(): 0 to a negative power (-1) has no value"),
    ("substr(s, x)", {"s": "abc", "x": 0}, "substr() needs a start of 1 or more"),
    ("substr(s, 1, x)", {"s": "abc", "x": -1}, "substr() needs a length of 0 or more, got -1"),
    ("left(s, x)", {"s": "abc", "x": -1}, "left() needs a number of characters of 0 or more"),
    ('pad_left(s, x, "")', {"s": "abc", "x": 5}, "pad_left() needs a fill of at least one character"),
    ("pad_left(s, x)", {"s": "abc", "x": 10 ** 12}, "pad_left() pads to at most 1000000 characters"),
    ("add_days(d, x)", {"d": D(9999, 12, 31), "x": 1}, "add_days(): 9999-12-31 and 1 days is outside the years"),
    ("d + x", {"d": D(1, 1, 1), "x": -1}, "date + days: 0001-01-01 and -1 days is outside the years"),
    ("add_months(d, x)", {"d": D(9999, 12, 1), "x": 1}, "add_months(): 9999-12-01 and 1 months is outside"),
])
@pytest.mark.parametrize("typed", TYPED)
def test_failures_name_the_function_and_the_row(tmp_path, typed, expr, row, message):
    types = {k: {int: "int", float: "float", Decimal: "decimal", str: "string", D: "date"}[type(v)]
             for k, v in row.items()}
    with pytest.raises(ReportDataError) as caught:
        compute(tmp_path, {"v": expr}, row, types if typed else None)
    text = str(caught.value)
    assert message in text and "row 1" in text


def test_on_error_skip_counts_a_failing_function(tmp_path):
    text = 'report r {\n  on_error skip\n  field v = sqrt(x)\n  summary { text "{SUM(v)}" }\n}\n'
    report = reportdsl.compile(text, filename=str(tmp_path / "r.report"))
    result = report.run(source=[{"x": 4}, {"x": -1}, {"x": 9}]).to_dict()
    assert result["totals"]["SUM(v)"] == Decimal(5) and result["skipped_rows"] == 1


def test_datetimes_in_date_arithmetic_fail_per_row_when_the_type_is_not_declared(tmp_path):
    with pytest.raises(ReportDataError, match=r"cannot add a date and time and a number .*days_between"):
        compute(tmp_path, {"v": "d + 1"}, {"d": dt.datetime(2024, 1, 1, 8)})
