"""STDDEV, VARIANCE, MEDIAN and PERCENTILE (LANGUAGE.md §10) in the engine.

Each case runs over a CSV file with declared types (the typed code paths) and over the
same rows as dicts (a source without types), and must give what an independent
reference gives: the variance from the exact mean (``Fraction``, two passes), rounded
once; the percentile by sorting (NaN above every number, §15) and interpolating at
``p * (n - 1)`` as SQL's ``percentile_cont``. Ints and decimals give exact Decimals;
floats give floats.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest

from reportdsl.engine.aggregates.moments import Moments
from reportdsl.engine.aggregates.order_statistics import RunningValues, Values

CALLS = ("STDDEV(x)", "VARIANCE(x)", "MEDIAN(x)", "PERCENTILE(x,0.9)", "PERCENTILE(x,0)", "PERCENTILE(x,1)",
         "COUNT(x)")


def _report(source: str) -> str:
    cells = " ".join("{" + c.replace(",", ", ") + "}" for c in CALLS)
    return f'report r {{\n  {source}\n  summary {{ text "{cells}" }}\n}}\n'


def _exact_variance(values) -> Fraction | None:
    xs = [Fraction(v) for v in values]
    if len(xs) < 2:
        return None
    mean = sum(xs) / len(xs)
    return sum((x - mean) ** 2 for x in xs) / (len(xs) - 1)


def _decimal_root(q: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        root = (Decimal(q.numerator) / Decimal(q.denominator)).sqrt()
        ctx.prec = 28
        return +root


def _percentile(values, p: str, floats: bool):
    ordered = sorted((v for v in values if v == v), key=lambda v: v) + [v for v in values if v != v]
    if not ordered:
        return None
    if floats:
        rn = float(p) * (len(ordered) - 1)
        lo = math.floor(rn)
        if lo == rn:
            return float(ordered[lo])
        a, b = float(ordered[lo]), float(ordered[lo + 1])
        if math.isnan(a) or math.isnan(b) or a == b:
            return b if math.isnan(b) else a
        if math.isinf(a) or math.isinf(b):  # toward an infinity: it; between both: NaN
            return math.nan if math.isinf(a) and math.isinf(b) else (a if math.isinf(a) else b)
        return float(Fraction(a) + (Fraction(b) - Fraction(a)) * Fraction(rn - lo))  # exact, rounded once
    position = Decimal(p) * (len(ordered) - 1)
    lo = int(position)
    a = Decimal(ordered[lo])
    return a if position == lo else a + (Decimal(ordered[lo + 1]) - a) * (position - lo)


def expected(values: list, floats: bool) -> dict:
    present = [v for v in values if v is not None]
    variance = _exact_variance([v for v in present if not (floats and not math.isfinite(v))])
    special = floats and any(not math.isfinite(v) for v in present)
    out: dict = {"COUNT(x)": len(present)}
    if len(present) < 2:
        out["STDDEV(x)"] = out["VARIANCE(x)"] = None
    elif special:
        out["STDDEV(x)"] = out["VARIANCE(x)"] = math.nan
    elif floats:
        assert variance is not None
        try:
            out["VARIANCE(x)"] = float(variance)
        except OverflowError:
            out["VARIANCE(x)"] = math.inf
        out["STDDEV(x)"] = float(_sqrt_exactish(variance))
    else:
        assert variance is not None
        with localcontext() as ctx:
            ctx.prec = 28
            out["VARIANCE(x)"] = Decimal(variance.numerator) / Decimal(variance.denominator)
        out["STDDEV(x)"] = _decimal_root(variance)
    for p, key in (("0.5", "MEDIAN(x)"), ("0.9", "PERCENTILE(x,0.9)"), ("0", "PERCENTILE(x,0)"),
                   ("1", "PERCENTILE(x,1)")):
        out[key] = _percentile(present, p, floats)
    return out


def _sqrt_exactish(q: Fraction) -> Decimal:
    """The root to 40 digits: its float is the correctly rounded root."""
    with localcontext() as ctx:
        ctx.prec = 40
        return (Decimal(q.numerator) / Decimal(q.denominator)).sqrt()


def same(got, want) -> bool:
    if isinstance(want, float):
        if math.isnan(want):
            return isinstance(got, float) and math.isnan(got)
        return isinstance(got, float) and got == want
    if isinstance(want, Decimal):
        return isinstance(got, Decimal) and got == want
    return got == want and type(got) is type(want)


CASES = {
    "ints": ("int", [1, 2, 3, 4, None]),
    "huge ints stay exact": ("int", [2**62, 2**62 + 1, 2**62 + 3, -(2**62)]),
    "decimals stay exact": ("decimal", [Decimal("0.1"), Decimal("0.2"), Decimal("0.4"), None, Decimal("0.35")]),
    "wide decimals": ("decimal", [Decimal("99999999999999.9999"), Decimal("99999999999999.9998"),
                                  Decimal("-0.0001")]),
    "one value": ("decimal", [Decimal("2.50"), None]),
    "no value": ("int", [None, None]),
    "floats": ("float", [0.1, 0.2, 0.3, -0.0, 7.25]),
    "floats near each other": ("float", [1e12 + 0.125, 1e12 + 0.25, 1e12 + 0.5, 1e12 + 0.125]),
    "floats beyond the square's range": ("float", [1e300, -1e300]),
    "a NaN": ("float", [1.0, math.nan, 3.0]),
    "an infinity": ("float", [1.0, math.inf]),
    "both infinities": ("float", [-math.inf, 2.0, math.inf]),
    "an infinity and a number": ("float", [-math.inf, 0.0]),
    "only infinities": ("float", [-math.inf, -math.inf, math.inf]),
    "one float NaN": ("float", [math.nan]),
}


def _csv_text(value) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


@pytest.mark.parametrize("name", CASES)
def test_statistics_agree_with_an_exact_reference(name, tmp_path, compile_report, run_result):
    kind, values = CASES[name]
    lines = "".join(f"{i},{_csv_text(v)}\n" for i, v in enumerate(values))
    (tmp_path / "t.csv").write_text("id,x\n" + lines, encoding="utf-8")
    typed = run_result(compile_report(_report(f'source csv "t.csv" {{ x: {kind} }}'))).totals
    untyped = run_result(compile_report(_report("")), source=[{"x": v} for v in values]).totals
    want = expected(values, kind == "float")
    for key, value in want.items():
        assert same(typed[key], value), (key, typed[key], value)
        assert same(untyped[key], value), (key, untyped[key], value)


def test_a_float_stddev_is_the_correctly_rounded_root_where_doubles_lose_it():
    # Σx² in doubles cancels to nothing here; the exact sums give the true spread
    values = [1e15 + 1, 1e15 + 2, 1e15 + 3]
    m = Moments("float")
    for v in values:
        m.add(v)
    assert m.variance() == 1.0 and m.stddev() == 1.0


def test_results_of_ints_and_decimals_are_decimals_of_floats_floats():
    ints, floats = Values("exact"), Values("float")
    for v in (1, 2):
        ints.add(v)
        floats.add(float(v))
    assert ints.percentile(Decimal("0.5")) == Decimal("1.5") and isinstance(ints.percentile(Decimal("0.5")), Decimal)
    assert floats.percentile(Decimal("0.5")) == 1.5 and isinstance(floats.percentile(Decimal("0.5")), float)


def test_running_values_peek_without_changing_and_match_a_fresh_sort():
    data = [5, None, 1, 3, 3, -2, 8, None, 0]
    running, seen = RunningValues("exact"), []
    for x in data:
        for p in ("0", "0.25", "0.5", "0.9", "1"):
            with_x = seen + ([x] if x is not None else [])
            want = _percentile(with_x, p, False) if with_x else None
            assert running.peek(x, Decimal(p)) == want
        running.add(x)
        if x is not None:
            seen.append(x)
    assert running.items == sorted(seen)


def test_running_values_with_nan_and_floats():
    running, seen = RunningValues("float"), []
    for x in (2.0, math.nan, 1.0, math.inf, -1.0):
        got, want = running.peek(x, Decimal("0.5")), _percentile(seen + [x], "0.5", True)
        assert got == want or (math.isnan(got) and math.isnan(want))
        running.add(x)
        seen.append(x)


def test_a_text_value_is_an_error_in_untyped_statistics(compile_report, run_result):
    from reportdsl.errors import ReportDataError

    report = compile_report('report r {\n  summary { text "{MEDIAN(x)}" }\n}\n')
    with pytest.raises(ReportDataError, match=r"cannot take a median or percentile of text \('abc'\)"):
        run_result(report, source=[{"x": 1}, {"x": "abc"}])
    report = compile_report('report r {\n  summary { text "{STDDEV(x)}" }\n}\n')
    with pytest.raises(ReportDataError, match=r"cannot take a standard deviation or variance of text"):
        run_result(report, source=[{"x": 1}, {"x": "abc"}])


def test_group_values_are_kept_only_while_some_scope_needs_them(compile_report):
    from reportdsl.engine.aggregates.layout import AggregateLayout

    only_groups = compile_report('report r {\n  group g { footer { text "{MEDIAN(x)} {STDDEV(x)}" } }\n}\n')
    layout = AggregateLayout(only_groups.plan)
    # the report (depth 0) keeps no values: a closing group's list is dropped with it
    assert not any(arg.prims_at.get(0) for arg in layout.args)
    assert all(arg.prims_at[1] == {"values", "moments"} for arg in layout.args)
    with_report = compile_report('report r {\n  group g { footer { text "{MEDIAN(x)}" } }\n'
                                 '  summary { text "{MEDIAN(x)}" }\n}\n')
    layout = AggregateLayout(with_report.plan)
    assert [arg.prims_at for arg in layout.args] == [{0: {"values"}, 1: {"values"}}]


def test_sqlite_decimals_with_statistics_and_filters(tmp_path, compile_report, run_result):
    import sqlite3

    db = tmp_path / "t.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (g TEXT, p DECIMAL(10,2))")
    con.executemany("INSERT INTO t VALUES (?, ?)", [("a", "1.10"), ("a", "2.25"), ("b", "3.00"), ("a", "0.05")])
    con.commit()
    con.close()
    report = compile_report('report r {\n  source sql "sqlite:///t.db" table t\n'
                            '  group g { footer { text "{SUM(p)} {MEDIAN(p)} {VARIANCE(p)}" } }\n'
                            '  summary { text "{SUM(p)} {PERCENTILE(p, 0.25)} {STDDEV(p)}" }\n}\n')
    got = run_result(report).to_dict()
    a = got["groups"][0]["totals"]
    group_a = [Decimal("1.10"), Decimal("2.25"), Decimal("0.05")]
    variance = _exact_variance(group_a)
    assert variance is not None
    with localcontext() as ctx:
        ctx.prec = 28
        want = Decimal(variance.numerator) / Decimal(variance.denominator)
    assert a == {"SUM(p)": Decimal("3.40"), "MEDIAN(p)": Decimal("1.10"), "VARIANCE(p)": want}
    totals = got["totals"]
    assert totals["SUM(p)"] == Decimal("6.40")
    # where nothing reads real values, p is summed as scaled integers: a filtered
    # argument's count is a count, never un-scaled like the sums beside it
    scaled = compile_report('report r {\n  source sql "sqlite:///t.db" table t\n'
                            '  summary { text "{SUM(p)} {COUNT(p where g == \\"a\\")} '
                            '{SUM(p where g == \\"a\\")}" }\n}\n')
    assert run_result(scaled).totals == {"SUM(p)": Decimal("6.40"), 'COUNT(pwhereg=="a")': 3,
                                         'SUM(pwhereg=="a")': Decimal("3.40")}
    assert totals["PERCENTILE(p,0.25)"] == Decimal("0.8375")  # 0.05 + (1.10 - 0.05) * 0.75
    assert totals["STDDEV(p)"] == _decimal_root(_exact_variance([Decimal("1.10"), Decimal("2.25"),
                                                                 Decimal("3.00"), Decimal("0.05")]))


def test_untyped_values_of_mixed_kinds(compile_report, run_result):
    # floats meet decimals as floats (§15): the result is a float, from the exact values
    report = compile_report('report r {\n  summary { text "{VARIANCE(x)} {STDDEV(x)} {MEDIAN(x)} {MEDIAN(y)}" }\n}\n')
    rows = [{"x": Decimal("1.5"), "y": 1}, {"x": 2.5, "y": Decimal("2.5")}, {"x": 4, "y": 3}]
    assert run_result(report, source=rows).totals == {
        "VARIANCE(x)": float(_exact_variance([Decimal("1.5"), 2.5, 4])), "STDDEV(x)": math.sqrt(19 / 12),
        "MEDIAN(x)": 2.5, "MEDIAN(y)": Decimal("2.5"),
    }
