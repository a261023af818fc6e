"""Parameter defaults that are expressions (LANGUAGE.md §11, §16): computed when the
report runs from the values actually given (``--param`` and the API included) of the
parameters declared before them; a failing default names the parameter."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from decimal import Decimal

import pytest
from click.testing import CliRunner

import reportdsl
from reportdsl.cli import main
from reportdsl.errors import ReportDataError

EPOCH = "1709251199"  # 2024-02-29T23:59:59 UTC

REPORT = """report r {
  param months: int = 12
  param since: date = add_months(today(), -months)
  param stamp: datetime = now()
  param three: int = 1 + 2
  param cap: decimal = power(2, 10) / 4
  param share: float = 1 / 4
  param label: string = concat("since ", since, " (", months, " months)")
  param plain: date = "2024-01-31"
}
"""


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def parameters(text: str, params=None, tmp_path=None) -> dict:
    report = reportdsl.compile(text, filename="r.report")
    return report.run(params=params, source=[]).to_dict()["parameters"]


def test_defaults_are_computed_from_the_build_clock():
    got = parameters(REPORT)
    assert got == {"months": 12, "since": "2023-02-28", "stamp": "2024-02-29T23:59:59", "three": 3,
                   "cap": Decimal(256), "share": 0.25, "label": "since 2023-02-28 (12 months)",
                   "plain": "2024-01-31"}


def test_a_default_reads_the_values_given_for_earlier_parameters():
    got = parameters(REPORT, {"months": "1"})
    assert got["since"] == "2024-01-29" and got["label"] == "since 2024-01-29 (1 months)"
    got = parameters(REPORT, {"months": 24, "since": dt.date(2020, 5, 31)})  # a given value wins over its default
    assert got["since"] == "2020-05-31" and got["label"] == "since 2020-05-31 (24 months)"
    got = parameters(REPORT, {"months": None})  # a null parameter: the default is null too
    assert got["since"] is None and got["label"] == "since  ( months)"


def test_plain_constant_defaults_stay_constants_in_the_plan():
    plan = reportdsl.compile(REPORT, filename="r.report").plan
    by_name = {p.name: p.default for p in plan.params}
    assert by_name["months"] == 12 and by_name["plain"] == "2024-01-31"
    assert by_name["since"].func == "add_months" and by_name["three"].op == "+"


def test_the_command_line_gives_the_earlier_parameters(tmp_path):
    path = tmp_path / "r.report"
    path.write_text(REPORT.replace("report r {", 'report r {\n  source csv "t.csv"'), encoding="utf-8")
    (tmp_path / "t.csv").write_text("x\n1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(path), "--format", "json", "-o", "-", "--param", "months=6"],
                                env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)["parameters"]
    assert got["since"] == "2023-08-29" and got["months"] == 6


def test_a_computed_default_is_bound_into_the_sql_query(tmp_path):
    db = tmp_path / "t.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE t (d DATE, x INTEGER)")
        con.executemany("INSERT INTO t VALUES (?, ?)", [("2024-02-01", 1), ("2024-01-15", 10), ("2023-12-01", 100)])
    text = ('report r {\n  param days: int = 30\n  param since: date = add_days(today(), -days)\n'
            '  source sql "sqlite:///t.db" query "SELECT * FROM t WHERE d >= :since"\n'
            '  summary { text "{SUM(x)}" }\n}\n')
    report = reportdsl.compile(text, filename=str(tmp_path / "r.report"), base_dir=str(tmp_path))
    assert report.run().to_dict()["totals"]["SUM(x)"] == 1  # since 2024-01-30
    assert report.run(params={"days": 60}).to_dict()["totals"]["SUM(x)"] == 11


@pytest.mark.parametrize("text, given, message", [
    ("param n: decimal = -4\n  param r: decimal = sqrt(n)", {},
     "r.report:3:3: error: the default of parameter 'r' failed: sqrt() of a negative number (-4)"),
    ("param s: string = \"abc\"\n  param t: string = substr(s, 0)", {},
     "the default of parameter 't' failed: substr() needs a start of 1 or more"),
    ("param d: date = \"2024-01-01\"\n  param e: date = add_days(d, 10000000)", {},
     "the default of parameter 'e' failed: add_days(): 2024-01-01 and 10000000 days is outside the years"),
])
def test_a_failing_default_names_the_parameter(text, given, message):
    report = reportdsl.compile(f"report r {{\n  {text}\n}}\n", filename="r.report")
    with pytest.raises(ReportDataError) as caught:
        report.run(params=given, source=[])
    assert message in str(caught.value)


def test_a_default_fails_only_when_it_is_used():
    report = reportdsl.compile("report r {\n  param n: decimal = -4\n  param r: decimal = sqrt(n)\n}\n",
                               filename="r.report")
    assert report.run(params={"n": 16}, source=[]).to_dict()["parameters"]["r"] == Decimal(4)
    assert report.run(params={"r": "1.5"}, source=[]).to_dict()["parameters"]["r"] == Decimal("1.5")


def test_a_default_is_typed_against_its_parameter_before_it_runs():
    from reportdsl.errors import ReportCheckError

    with pytest.raises(ReportCheckError) as caught:
        reportdsl.compile("report r {\n  param n: int = 2\n  param x: int = n / 4\n}\n", filename="r.report")
    assert str(caught.value).splitlines()[0] == (
        "r.report:3:18: error: the default of parameter 'x' must be an integer, but this is a decimal")
