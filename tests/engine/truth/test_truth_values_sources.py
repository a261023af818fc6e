"""Value semantics that must not depend on the source (issue 13, LANGUAGE.md §15, §16):
floats meeting decimals, NaN and the infinities, dates of untyped sources, `if` and
`coalesce` of mixed number kinds, nulls in `sort by`, `round`, `upper`/`lower`.

Each report runs over the same rows from typed sources (a SQLite table, a CSV file with
declared types) and untyped ones (an iterable of dicts without a source statement, a
pandas DataFrame of Python objects), and must give the same answer, SQL's.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import sqlite3
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

import reportdsl
from reportdsl.engine import run
from reportdsl.engine.stream.sinks import RecordingSink

NAN, INF = math.nan, math.inf
SQL_TYPES = {"int": "INTEGER", "float": "REAL", "decimal": "DECIMAL(10,2)", "date": "DATE", "string": "TEXT"}
TYPED = ("sqlite", "csv")
UNTYPED = ("dicts", "pandas")
EVERY = TYPED + UNTYPED


def _cell(value) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def source(kind: str, folder, columns: dict[str, str], rows: list[tuple]) -> tuple[str, dict]:
    """(the report's source statement, or "" for none; ``run``'s keyword arguments)."""
    if kind == "sqlite":
        path = folder / f"t{uuid.uuid4().hex[:8]}.db"
        con = sqlite3.connect(path)
        con.execute(f"CREATE TABLE t (rid INTEGER, {', '.join(f'{c} {SQL_TYPES[t]}' for c, t in columns.items())})")
        con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * (len(columns) + 1))})",
                        [(i, *(str(v) if isinstance(v, (Decimal, dt.date)) else v for v in row))
                         for i, row in enumerate(rows)])
        con.commit()
        con.close()
        return f'source sql "sqlite:///{path.name}" query "SELECT * FROM t ORDER BY rid"', {}
    if kind == "csv":
        path = folder / f"t{uuid.uuid4().hex[:8]}.csv"
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(columns)
            writer.writerows([_cell(v) for v in row] for row in rows)
        declared = ", ".join(f"{c}: {t}" for c, t in columns.items())
        return f'source csv "{path.name}" {{ {declared} }}', {}
    dicts = [dict(zip(columns, row, strict=True)) for row in rows]
    if kind == "dicts":
        return "", {"source": dicts}
    if kind == "pandas":
        pd = pytest.importorskip("pandas")
        return "", {"source": pd.DataFrame(rows, columns=list(columns), dtype=object)}
    raise ValueError(kind)


@pytest.fixture
def everywhere(tmp_path):
    """``everywhere(body, columns, rows, kinds)``: {kind: (compiled report, run kwargs)}."""

    def build(body: str, columns: dict[str, str], rows: list[tuple], kinds=EVERY) -> dict:
        out = {}
        for kind in kinds:
            line, kwargs = source(kind, tmp_path, columns, rows)
            text = "report r {\n" + (f"  {line}\n" if line else "") + body + "\n}\n"
            out[kind] = (reportdsl.compile(text, filename=str(tmp_path / "r.report")), kwargs)
        return out

    return build


@pytest.fixture
def results(everywhere):
    """``results(body, columns, rows, kinds)``: {kind: the run's ``to_dict()``}."""

    def go(body, columns, rows, kinds=EVERY) -> dict:
        return {kind: report.run(**kwargs).to_dict() for kind, (report, kwargs) in
                everywhere(body, columns, rows, kinds).items()}

    return go


@pytest.fixture
def details(everywhere):
    """``details(body, columns, rows, kinds)``: {kind: the detail rows' values}."""

    def go(body, columns, rows, kinds=EVERY) -> dict:
        out = {}
        for kind, (report, kwargs) in everywhere(body, columns, rows, kinds).items():
            sink = RecordingSink()
            run(report.plan, sink, source_text=report.source, **kwargs)
            out[kind] = [e[1] for e in sink.events if e[0] == "detail"]
        return out

    return go


def same(got, want) -> bool:
    """Equal values of the same kind, NaN equal to NaN, in nested lists and tuples."""
    if isinstance(want, (list, tuple)):
        return (isinstance(got, (list, tuple)) and len(got) == len(want)
                and all(same(g, w) for g, w in zip(got, want, strict=True)))
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(same(got[k], want[k]) for k in want)
    if isinstance(want, float) and isinstance(got, float) and math.isnan(want):
        return math.isnan(got)
    return type(got) is type(want) and got == want


def assert_all(got: dict, want) -> None:
    for kind, value in got.items():
        assert same(value, want), f"{kind}: {value!r}, want {want!r}"


# ---- floats meet decimals (§15) -------------------------------------------------------

FD = {"f": "float", "d": "decimal", "n": "int"}
FD_ROWS = [(0.1, Decimal("1.50"), 1), (0.2, Decimal("2.50"), -1), (None, Decimal("0.10"), 1), (0.3, None, -1)]


def test_a_float_compares_with_a_decimal_as_a_float(results):
    # 0.1 is a decimal literal; the float 0.1 is not exactly 1/10, but compared as floats they are equal
    for where, want in (("f == 0.1", 1), ("f != 0.1", 2), ("f <= 0.1", 1), ("f > 0.1", 2), ("0.2 >= f", 2),
                        ("f == d", 0), ("f < d", 2), ("d == 0.1", 1)):
        got = results(f'  where {where}\n  summary {{ text "{{COUNT()}}" }}', FD, FD_ROWS)
        assert_all({k: v["row_count"] for k, v in got.items()}, want)


def test_a_float_meets_a_decimal_in_arithmetic_as_a_float(results):
    got = results('  summary { text "{SUM(f * 1.5)} {MAX(f + d)} {MIN(d - f)}" }', FD, FD_ROWS)
    assert_all({k: list(v["totals"].values()) for k, v in got.items()},
               [math.fsum([0.1 * 1.5, 0.2 * 1.5, 0.3 * 1.5]), 0.2 + 2.5, 1.5 - 0.1])


def test_if_and_coalesce_of_a_float_and_a_decimal_give_a_float(results):
    body = ('  field pick = if(n > 0, f, d)\n  field fd = coalesce(f, d)\n  field half = if(n > 0, f, 0.5)\n'
            '  field one = coalesce(f, 1)\n'
            '  summary { text "{SUM(pick)} {MAX(pick)} {MAX(fd)} {MIN(fd + 1)} {SUM(half * 2)} {MAX(one)}" }')
    got = results(body, FD, FD_ROWS, TYPED)
    assert_all(_totals(got), [math.fsum([0.1, 2.5]), 2.5, 0.3, 1.1, math.fsum([0.2, 1.0, 1.0]), 1.0])
    # untyped: a branch's kind is known only from its value, and a column of unknown
    # type may hold anything: such calls fail on no row (they raised TypeError)
    body = ('  field half = if(n > 0, f, 0.5)\n  field one = coalesce(f, 1.5)\n'
            '  summary { text "{SUM(half * 2)} {MAX(one)} {MIN(if(n > 0, 2.5, f))}" }')
    for kind, data in results(body, FD, FD_ROWS[:3], UNTYPED).items():
        assert list(data["totals"].values()) == [1.2, 1.5, 0.2], kind
        assert isinstance(data["totals"]["SUM(half*2)"], float)


def test_avg_of_floats_is_a_float_on_every_source(results):
    got = results('  summary { text "{AVG(f)} {AVG(n)} {AVG(d)}" }', FD, [(0.0, Decimal("1.00"), 1)])
    assert_all({k: v["totals"]["AVG(f)"] for k, v in got.items()}, 0.0)
    for v in got.values():
        assert v["totals"]["AVG(n)"] == 1 and isinstance(v["totals"]["AVG(n)"], Decimal)
        assert v["totals"]["AVG(d)"] == 1 and isinstance(v["totals"]["AVG(d)"], Decimal)


def test_untyped_float_sums_are_exact_and_mix_with_ints(results):
    rows = [(1e16, None, 1), (1.0, None, 2), (-1e16, None, 3), (0.5, None, 4)]
    got = results('  summary { text "{SUM(f)} {AVG(f)} {SUM(n)}" }', FD, rows)
    assert_all({k: list(v["totals"].values()) for k, v in got.items()}, [1.5, 0.375, 10])
    got = results('  summary { text "{SUM(x)} {AVG(x)}" }', {"x": "float"}, [(1.0,), (2.0,)], UNTYPED)
    assert_all({k: list(v["totals"].values()) for k, v in got.items()}, [3.0, 1.5])
    mixed = [{"x": 1}, {"x": Decimal("0.5")}, {"x": 0.25}]  # one column of several kinds: a float sum
    report = reportdsl.compile('report r {\n  summary { text "{SUM(x)} {AVG(x)}" }\n}')
    assert list(report.run(source=mixed).totals.values()) == [1.75, 1.75 / 3]


# ---- dates of untyped sources ------------------------------------------------------------


def test_dates_order_on_untyped_sources(results):
    columns = {"day": "date", "n": "int"}
    rows = [(dt.date(2024, 1, 2), 1), (dt.date(2024, 1, 1), 2), (None, 3), (dt.date(2024, 1, 3), 4)]
    for where, want in (('day < date("2024-01-02")', 1), ('day >= date("2024-01-02")', 2),
                        ('day > datetime("2024-01-01T12:00:00")', 2), ('day <= day', 3)):
        got = results(f'  where {where}\n  summary {{ text "{{COUNT()}}" }}', columns, rows)
        assert_all({k: v["row_count"] for k, v in got.items()}, want)


# ---- NaN and the infinities (§15, §16) -----------------------------------------------------

F = {"f": "float", "g": "int"}
SPECIAL = [(INF, 1), (NAN, 2), (1.0, 1), (-INF, 2), (NAN, 1), (None, 2), (2.0, 1)]
# SQLite keeps NaN as NULL and pandas' NaN means null: they are asked about infinities only
WITH_NAN = ("csv", "dicts")


def _totals(got: dict) -> dict:
    return {k: list(v["totals"].values()) for k, v in got.items()}


def test_sums_and_averages_with_nan_or_both_infinities_are_nan(results):
    body = '  summary { text "{SUM(f)} {AVG(f)} {COUNT(f)}" }'
    assert_all(_totals(results(body, F, SPECIAL, WITH_NAN)), [NAN, NAN, 6])
    assert_all(_totals(results(body, F, [(INF, 1), (-INF, 1), (1.0, 1)])), [NAN, NAN, 3])
    assert_all(_totals(results(body, F, [(INF, 1), (1.0, 1), (INF, 1)])), [INF, INF, 3])
    assert_all(_totals(results(body, F, [(-INF, 1), (1.0, 1)])), [-INF, -INF, 2])


def test_nan_is_the_max_wherever_it_stands_and_the_min_only_alone(results):
    body = '  summary { text "{MIN(f)} {MAX(f)} {COUNT_DISTINCT(f)}" }'
    for rows, want in (([(NAN, 1), (1.0, 1), (-1.0, 1)], [-1.0, NAN, 3]),
                       ([(1.0, 1), (NAN, 1), (-1.0, 1)], [-1.0, NAN, 3]),
                       ([(1.0, 1), (-1.0, 1), (NAN, 1), (NAN, 1)], [-1.0, NAN, 3]),
                       ([(NAN, 1), (None, 1), (NAN, 1)], [NAN, NAN, 1]),
                       ([(INF, 1), (NAN, 1), (-INF, 1)], [-INF, NAN, 3])):
        assert_all(_totals(results(body, F, rows, WITH_NAN)), want)
    # in groups, and rolled up into the report
    got = results('  group g { footer { text "{MIN(f)} {MAX(f)} {COUNT_DISTINCT(f)}" } }\n' + body, F, SPECIAL,
                  WITH_NAN)
    assert_all({k: [g["totals"] for g in v["groups"]] for k, v in got.items()},
               [{"MIN(f)": 1.0, "MAX(f)": NAN, "COUNT_DISTINCT(f)": 4},
                {"MIN(f)": -INF, "MAX(f)": NAN, "COUNT_DISTINCT(f)": 2}])
    assert_all(_totals(got), [-INF, NAN, 5])


def test_nan_is_one_group_above_every_number(results):
    for desc, want in (("", [-INF, 1.0, 2.0, INF, NAN, None]), (" desc", [NAN, INF, 2.0, 1.0, -INF, None])):
        got = results(f'  group f{desc} {{ footer {{ text "{{COUNT()}} {{SUM(g)}}" }} }}', F, SPECIAL, WITH_NAN)
        assert_all({k: [g["key"] for g in v["groups"]] for k, v in got.items()}, want)
        nan_group = [g for g in got["csv"]["groups"] if g["key"] != g["key"]]
        assert [g["totals"] for g in nan_group] == [{"COUNT()": 2, "SUM(g)": 3}]
    # infinities from SQLite, which cannot hold NaN
    got = results('  group f { footer { text "{COUNT()}" } }', F, [r for r in SPECIAL if r[0] == r[0]])
    assert_all({k: [g["key"] for g in v["groups"]] for k, v in got.items()}, [-INF, 1.0, 2.0, INF, None])


def test_a_database_that_sorts_nan_gives_the_same_groups(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    pytest.importorskip("duckdb_engine")
    path = tmp_path / "t.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (rid INTEGER, f DOUBLE, g INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [(i, *row) for i, row in enumerate(SPECIAL)])
    con.close()
    for desc, want in (("", [-INF, 1.0, 2.0, INF, NAN, None]), (" desc", [NAN, INF, 2.0, 1.0, -INF, None])):
        report = reportdsl.compile(f'report r {{\n  source sql "duckdb:///{path}" table t\n'
                                   f'  group f{desc} {{ footer {{ text "{{COUNT()}}" }} }}\n}}')
        data = report.run().to_dict()
        assert same([g["key"] for g in data["groups"]], want)
        assert [g["row_count"] for g in data["groups"] if g["key"] != g["key"]] == [2]


def test_sort_by_a_float_puts_nan_above_every_number(details):
    body = '  sort by f{}\n  detail {{ column f "f" = f\n    column g "g" = g }}'
    for desc, want in (("", [-INF, 1.0, 2.0, INF, NAN, NAN, None]), (" desc", [NAN, NAN, INF, 2.0, 1.0, -INF, None])):
        got = details(body.format(desc), F, SPECIAL, WITH_NAN)
        assert_all({k: [r[0] for r in v] for k, v in got.items()}, want)
        assert_all({k: [r[1] for r in v if r[0] != r[0]] for k, v in got.items()}, [2, 1])  # ties: source order


def test_nan_keys_then_sort_keys(details):
    rows = [(NAN, 3), (1.0, 2), (NAN, 1), (NAN, 2)]
    got = details('  sort by g\n  group f { }\n  detail { column g "g" = g }', F, rows, WITH_NAN)
    assert_all(got, [(2,), (1,), (2,), (3,)])


def test_running_aggregates_with_nan_and_infinities(details):
    body = ('  detail { column s "s" = SUM(f)\n    column lo "lo" = MIN(f)\n    column hi "hi" = MAX(f)\n'
            '    column c "c" = COUNT_DISTINCT(f)\n    column a "a" = AVG(f) }')
    got = details(body, F, SPECIAL, WITH_NAN)
    assert_all(got, [(INF, INF, INF, 1, INF), (NAN, INF, NAN, 2, NAN), (NAN, 1.0, NAN, 3, NAN),
                     (NAN, -INF, NAN, 4, NAN), (NAN, -INF, NAN, 4, NAN), (NAN, -INF, NAN, 4, NAN),
                     (NAN, -INF, NAN, 5, NAN)])
    got = details(body, F, [(1.0, 1), (INF, 1), (2.0, 1), (-INF, 1)])
    assert_all(got, [(1.0, 1.0, 1.0, 1, 1.0), (INF, 1.0, INF, 2, INF), (INF, 1.0, INF, 3, INF),
                     (NAN, -INF, INF, 4, NAN)])
    got = details(body, F, [(NAN, 1), (1.0, 1), (-1.0, 1)], WITH_NAN)
    assert_all(got, [(NAN, NAN, NAN, 1, NAN), (NAN, 1.0, NAN, 2, NAN), (NAN, -1.0, NAN, 3, NAN)])


def test_nan_equals_itself_and_is_above_every_number_in_conditions(results):
    rows = [(NAN, 1), (1.0, 2), (INF, 3), (None, 4)]
    for where, want in (("f == f", 3), ("f != f", 0), ("f > 1.5", 2), ("f >= 1", 3), ("f < 1e9", 1),
                        ("f <= 1", 1), ("g < f", 2), ("f > g", 2), ("f <= f", 3)):
        got = results(f'  where {where}\n  summary {{ text "{{COUNT()}}" }}', F, rows, WITH_NAN)
        assert_all({k: v["row_count"] for k, v in got.items()}, want)


def test_json_result_writes_nan_and_infinities_as_strings(everywhere):
    body = '  group g { footer { text "{SUM(f)} {MAX(f)}" } }\n  summary { text "{MIN(f)} {MAX(f)}" }'
    for kind, (report, kwargs) in everywhere(body, F, SPECIAL, WITH_NAN).items():
        result = report.run(**kwargs)
        assert math.isnan(result.totals["MAX(f)"]) and result.totals["MIN(f)"] == -INF, kind
        data = json.loads(result.to_json())  # strict JSON: no bare NaN
        assert data["totals"] == {"MIN(f)": "-Infinity", "MAX(f)": "NaN"}
        assert [g["totals"] for g in data["groups"]] == [{"SUM(f)": "NaN", "MAX(f)": "NaN"},
                                                         {"SUM(f)": "NaN", "MAX(f)": "NaN"}]
        assert "NaN," not in result.to_json() and ": NaN" not in result.to_json()


def test_cli_json_build_with_both_infinities(tmp_path):
    (tmp_path / "t.csv").write_text("f,g\ninf,1\n-inf,1\n2.5,2\n", encoding="utf-8")
    (tmp_path / "r.report").write_text('report r {\n  source csv "t.csv" { f: float }\n'
                                       '  group g { footer { text "{SUM(f)} {AVG(f)}" } }\n'
                                       '  summary { text "{SUM(f)} {MIN(f)} {MAX(f)}" }\n}\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(reportdsl.__file__).parent.parent)}  # this reportdsl
    proc = subprocess.run([sys.executable, "-m", "reportdsl.cli", "build", "r.report", "--format", "json",
                           "-o", "out.json"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert data["totals"] == {"SUM(f)": "NaN", "MIN(f)": "-Infinity", "MAX(f)": "Infinity"}
    assert [g["totals"] for g in data["groups"]] == [{"SUM(f)": "NaN", "AVG(f)": "NaN"},
                                                     {"SUM(f)": 2.5, "AVG(f)": 2.5}]


# ---- sort by: nulls last; round; upper and lower (§15) ---------------------------------------


def test_sort_by_puts_nulls_last_in_both_directions(details):
    columns = {"s": "string", "n": "int", "d": "decimal", "day": "date"}
    rows = [("b", 2, Decimal("2.00"), dt.date(2024, 1, 2)), (None, None, None, None),
            ("a", 1, Decimal("1.00"), dt.date(2024, 1, 1)), ("c", 3, Decimal("3.00"), dt.date(2024, 1, 3)),
            (None, None, None, None)]
    for key in columns:
        for desc, order in (("", [2, 0, 3, 1, 4]), (" desc", [3, 0, 2, 1, 4])):
            got = details(f'  sort by {key}{desc}\n  detail {{ column n "n" = n }}', columns, rows)
            want = [(rows[i][1],) for i in order]
            assert_all(got, want)


def test_round_halves_away_from_zero_in_aggregates(results):
    columns = {"n": "int", "d": "decimal", "f": "float"}
    rows = [(25, Decimal("2.50"), 2.5), (-25, Decimal("-2.50"), -2.5), (15, Decimal("0.50"), 0.5)]
    got = results('  summary { text "{SUM(round(f))} {SUM(round(d))} {SUM(round(n, -1))}" }', columns, rows)
    assert_all(_totals(got), [1.0, Decimal("1"), 20])


def test_round_values(details):
    columns = {"n": "int", "d": "decimal", "f": "float"}
    rows = [(25, Decimal("2.50"), 2.5), (-25, Decimal("-2.50"), -2.5), (15, Decimal("0.50"), 2.675),
            (-15, Decimal("-0.50"), -2.675), (4, Decimal("1.25"), 1e300)]
    body = ('  detail { column a "a" = round(n, -1)\n    column b "b" = round(d)\n    column c "c" = round(f)\n'
            '    column e "e" = round(f, 2)\n    column h "h" = round(d, 1) }')
    got = details(body, columns, rows)
    want = [(30, Decimal("3"), 3.0, 2.5, Decimal("2.5")), (-30, Decimal("-3"), -3.0, -2.5, Decimal("-2.5")),
            (20, Decimal("1"), 3.0, 2.68, Decimal("0.5")), (-20, Decimal("-1"), -3.0, -2.68, Decimal("-0.5")),
            (0, Decimal("1"), 1e300, 1e300, Decimal("1.3"))]
    for kind, values in got.items():
        assert [tuple(type(v) for v in r) for r in values] == [tuple(type(v) for v in r) for r in want], kind
        assert values == want, kind
    got = details('  detail { column c "c" = round(f, 1) }', {"f": "float"}, [(INF,), (-INF,), (NAN,)], WITH_NAN)
    assert_all(got, [(INF,), (-INF,), (NAN,)])


def test_upper_and_lower_use_unicode_default_case_mapping(results):
    columns = {"s": "string"}
    rows = [("straße",), ("İstanbul",), ("ΣΟΦΟΣ",), ("ǆ",)]
    body = '  group u = upper(s) { footer { text "{MIN(lower(s))}" } }'
    got = results(body, columns, rows)
    # keys in code point order; "ß" upper is "SS", final sigma lower is "ς", "İ" lower is "i̇"
    assert_all({k: [g["key"] for g in v["groups"]] for k, v in got.items()}, ["STRASSE", "İSTANBUL", "Ǆ", "ΣΟΦΟΣ"])
    assert_all({k: [g["totals"]["MIN(lower(s))"] for g in v["groups"]] for k, v in got.items()},
               ["straße", "i\u0307stanbul", "ǆ", "σοφος"])
