"""Spark sources (``source spark "MASTER" table|query``, ``--source spark:…``) on the test
run's local session (``tests/conftest.py``'s ``spark``): the schema from the analysed
plan, the engine's answer the same as over the same rows as Python values, only the
used columns read, ``where`` and the order pushed into Spark SQL (text in code-point
order), exact decimals, dates, timestamps and nulls, and errors in the user's words."""

from __future__ import annotations

import datetime as dt
import math
import os
import subprocess
import sys
from decimal import Decimal

import pytest

import reportdsl
from reportdsl import api
from reportdsl.engine import run
from reportdsl.engine.runner import columns_read
from reportdsl.engine.stream.result import ResultSink
from reportdsl.errors import ReportCheckError, ReportDataError
from reportdsl.sources import opening
from tests.conftest import SPARK_MASTER

from .test_parquet import _NAMES, REPORTS, _rows

SOURCE = f'source spark "{SPARK_MASTER}" table spark_t'


@pytest.fixture(scope="module")
def data(spark):
    """``spark_t`` (a temporary view) holding ``test_parquet``'s rows, and the same as dicts."""
    from pyspark.sql.types import (
        DateType,
        DecimalType,
        DoubleType,
        IntegerType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    schema = StructType([StructField("id", LongType()), StructField("region", StringType()),
                         StructField("amount", DecimalType(18, 2)), StructField("day", DateType()),
                         StructField("price", DoubleType()), StructField("qty", IntegerType()),
                         StructField("note", StringType())])
    rows = _rows()
    # three partitions, in id order: the view's own order is not the report's
    spark.createDataFrame(rows, schema).repartition(3).createOrReplaceTempView("spark_t")
    yield [dict(zip(_NAMES, r, strict=True)) for r in rows]
    spark.catalog.dropTempView("spark_t")


def _result(folder, source_line: str, body: str, **kw) -> dict:
    report = reportdsl.compile(f"report r {{\n  {source_line}\n{body}\n}}", filename=str(folder / "r.report"),
                               base_dir=str(folder))
    return report.run(**kw).to_dict()


@pytest.mark.parametrize("name", ["groups", "where and sort", "text keys"])
def test_spark_gives_what_python_values_give(data, tmp_path, name):
    # FIRST/LAST follow source order: a Spark table has none, so they are read per
    # group over a unique sort (``where and sort``) or left out
    body = REPORTS[name]
    if name == "groups":
        body = body.replace(" {FIRST(note)} {LAST(note)}", "").replace(" {FIRST(id)} {LAST(id)}", "")
    if name == "text keys":
        body = body.replace(" {FIRST(id)}", "")
    if name == "where and sort":
        body = body.replace("sort by qty, day desc", "sort by qty, day desc, id")
    want = _result(tmp_path, "", body, source=data)
    assert _result(tmp_path, SOURCE, body) == want


def test_check_reads_the_schema(data, tmp_path):
    checked = api.check(f"report r {{\n  {SOURCE}\n}}", base_dir=str(tmp_path))
    assert checked.columns == {"id": "int", "region": "string", "amount": "decimal", "day": "date",
                               "price": "float", "qty": "int", "note": "string"}


def _open(tmp_path, body: str, override=None, want_order=True):
    report = reportdsl.compile(f"report r {{\n  {SOURCE}\n{body}\n}}", filename=str(tmp_path / "r.report"),
                               base_dir=str(tmp_path))
    plan = report.plan
    return opening.open_source(plan, override, {"low": Decimal(10)}, columns_read(plan), want_order)


def test_only_the_used_columns_are_read_and_where_and_order_are_pushed(data, tmp_path):
    rows = _open(tmp_path, REPORTS["where and sort"])
    try:
        assert rows.sql.split(" FROM ", 1)[0] == "SELECT `amount`, `day`, `id`, `price`, `qty`, `region`"
        # the region comparison as code points; the decimal one stays in the engine
        assert "(CAST(`region` AS STRING) <> CAST(:_rdsl_w" in rows.sql and "`amount` >=" not in rows.sql
        assert rows.sql.endswith("ORDER BY CAST(`region` AS STRING) NULLS LAST, `qty` NULLS LAST, "
                                 "`day` DESC NULLS LAST") and rows.ordered
        delivered = [r for chunk in rows.chunks() for r in chunk]
    finally:
        rows.close()
    assert all(r[1] < dt.date(2024, 3, 1) and r[5] != "East" for r in delivered)
    assert all(isinstance(r[0], Decimal) or r[0] is None for r in delivered)
    keys = [(r[5] is None, r[5] or "", r[4], -r[1].toordinal()) for r in delivered]
    assert keys == sorted(keys)  # code-point order ('Zebra' < 'east' < 'Émile' < '😀 smile'), null last


def test_pushed_where_shows_in_the_rows_read(data, tmp_path):
    report = reportdsl.compile(f"report r {{\n  {SOURCE}\n  where qty == 2\n"
                               '  group region { footer { text "{COUNT()}" } }\n}',
                               filename=str(tmp_path / "r.report"), base_dir=str(tmp_path))
    stats = run(report.plan, ResultSink(report.plan), source_text=report.source, pushdown="off")
    assert stats.rows_read == stats.row_count == 100  # the other 500 rows never left Spark
    assert stats.ordered_by == "database"


def test_types_nulls_and_instants_arrive_exact(spark, tmp_path):
    spark.sql("""SELECT * FROM VALUES
        (1, CAST('NaN' AS DOUBLE), CAST(0.10 AS DECIMAL(10,2)), 'a', DATE'2024-02-29',
         TIMESTAMP_NTZ'2024-03-31 02:30:00.123456', TIMESTAMP'2024-03-31 02:30:00.5', true),
        (2, 1.5D, NULL, 'a', NULL, NULL, NULL, false),
        (3, NULL, CAST(12345678901234567890.123456 AS DECIMAL(38,6)), 'b', DATE'0001-01-01',
         TIMESTAMP_NTZ'9999-12-31 23:59:59.999999', TIMESTAMP'1970-01-01 00:00:00', NULL),
        (4, CAST('NaN' AS DOUBLE), -0.05, NULL, DATE'2024-01-01', NULL, NULL, true)
        AS v(id, f, d, k, day, ntz, ts, b)""").createOrReplaceTempView("spark_types")
    source = f'source spark "{SPARK_MASTER}" table spark_types'
    checked = api.check(f"report r {{\n  {source}\n}}", base_dir=str(tmp_path))
    assert checked.columns == {"id": "int", "f": "float", "d": "decimal", "k": "string", "day": "date",
                               "ntz": "datetime", "ts": "datetime", "b": "bool"}
    result = _result(tmp_path, source, """
  group f { footer { text "{COUNT()}" } }
  summary { text "{SUM(d)} {COUNT(d)} {COUNT(f)} {MAX(f)} {SUM(f)} {MIN(day)} {MAX(ntz)} {MAX(ts)} {MIN(ts)}" }""")
    totals = result["totals"]
    assert totals["SUM(d)"] == Decimal("12345678901234567890.173456") and totals["COUNT(d)"] == 3
    assert totals["COUNT(f)"] == 3 and math.isnan(totals["MAX(f)"]) and math.isnan(totals["SUM(f)"])
    assert totals["MIN(day)"] == "0001-01-01"
    assert totals["MAX(ntz)"] == "9999-12-31T23:59:59.999999"
    # an instant as its UTC time (the session's zone is the machine's)
    zone = spark.conf.get("spark.sql.session.timeZone")
    import zoneinfo

    local = dt.datetime(2024, 3, 31, 2, 30, 0, 500000, tzinfo=zoneinfo.ZoneInfo(zone))
    assert totals["MAX(ts)"] == local.astimezone(dt.UTC).replace(tzinfo=None).isoformat()
    keys = [g["key"] for g in result["groups"]]
    assert keys[0] == 1.5 and math.isnan(keys[1]) and keys[2] is None  # NaN above numbers, null last
    assert [g["row_count"] for g in result["groups"]] == [1, 2, 1]


def test_a_query_with_parameters_and_its_own_order(data, tmp_path):
    body = """
  param low: int = 3
  group qty { footer { text "{COUNT()} {FIRST(id)} {LAST(id)}" } }"""
    query = f'source spark "{SPARK_MASTER}" query "SELECT id, qty FROM spark_t WHERE qty >= :low ORDER BY id DESC"'
    got = _result(tmp_path, query, body, params={"low": 4})
    want = _result(tmp_path, "", body, params={"low": 4},
                   source=sorted((r for r in data if r["qty"] >= 4), key=lambda r: -r["id"]))
    assert got == want and got["groups"][0]["totals"]["FIRST(id)"] == 598  # the query's order kept


def test_the_source_can_be_replaced_by_spark(data, tmp_path):
    """``--source spark:MASTER`` keeps the report's table (of a sql or a spark source)."""
    body = '  group qty { footer { text "{SUM(amount)}" } }'
    want = _result(tmp_path, "", body, source=data)
    for line in ("source sql \"postgresql://nowhere.invalid/db\" table spark_t",
                 'source spark "spark://nowhere.invalid:7077" table spark_t'):
        report = reportdsl.compile(f"report r {{\n  {line}\n{body}\n}}", filename=str(tmp_path / "r.report"),
                                   base_dir=str(tmp_path), source=f"spark:{SPARK_MASTER}")
        assert report.run(source=f"spark:{SPARK_MASTER}").to_dict() == want


@pytest.mark.parametrize("line, message", [
    ("table no_such_table", r"cannot read spark 'local\[2\]': \[TABLE_OR_VIEW_NOT_FOUND\] The table or view "
                            r"`no_such_table` cannot be found"),
    ('query "SELECT nope FROM spark_t"', r"cannot read spark 'local\[2\]': \[UNRESOLVED_COLUMN"),
    ("", r"a spark source needs 'table NAME' or 'query"),
])
def test_errors_at_check(data, tmp_path, line, message):
    with pytest.raises(ReportCheckError, match=message):
        reportdsl.compile(f'report r {{\n  source spark "{SPARK_MASTER}" {line}\n}}', base_dir=str(tmp_path))


def test_a_spark_connect_url_that_answers_not_is_an_error_without_its_token(tmp_path):
    # without pyspark[connect]'s packages PySpark names the one missing; with them, the
    # connection fails: either way the report's error, the token masked
    with pytest.raises(ReportCheckError, match=r"cannot read spark 'sc://127\.0\.0\.1:1/;token=\*\*\*': ") as info:
        reportdsl.compile('report r {\n  source spark "sc://127.0.0.1:1/;token=secret" table t\n}',
                          base_dir=str(tmp_path))
    assert "secret" not in str(info.value).splitlines()[0]  # the message; the quoted line is the report's


def test_a_second_master_and_an_unreadable_column_are_errors(spark, tmp_path):
    with pytest.raises(ReportCheckError, match=r"this process already runs Spark with master 'local\[2\]'"):
        reportdsl.compile('report r {\n  source spark "local[1]" table spark_t\n}', base_dir=str(tmp_path))
    spark.sql("SELECT 1 AS id, array(1, 2) AS pair").createOrReplaceTempView("spark_arrays")
    report = reportdsl.compile(f'report r {{\n  source spark "{SPARK_MASTER}" table spark_arrays\n'
                               '  summary { text "{COUNT(pair)}" }\n}', base_dir=str(tmp_path))
    with pytest.raises(ReportDataError, match=r"column 'pair' of spark 'local\[2\]' is of type array<int>, "
                                              "which a report cannot read"):
        report.run()


def test_a_failure_while_reading_names_the_source(spark, tmp_path):
    # ANSI mode (Spark 4's default) makes a bad cast fail in the job, after the statement started
    report = reportdsl.compile(f'report r {{\n  source spark "{SPARK_MASTER}" query '
                               '"SELECT CAST(s AS INT) AS n FROM VALUES (\'1\'), (\'x\') AS v(s)"\n'
                               '  summary { text "{SUM(n)}" }\n}', base_dir=str(tmp_path))
    if spark.conf.get("spark.sql.ansi.enabled") != "true":
        pytest.skip("this Spark is not in ANSI mode")
    with pytest.raises(ReportDataError, match=r"'local\[2\]'(: | failed after 0 rows: )\[CAST_INVALID_INPUT\]"):
        report.run()


def test_without_java_the_cli_says_so(tmp_path):
    path = tmp_path / "r.report"
    path.write_text('report r {\n  source spark "local[1]" table t\n}\n', encoding="utf-8")
    env = {**os.environ, "JAVA_HOME": str(tmp_path / "no-java")}
    done = subprocess.run([sys.executable, "-m", "reportdsl", "check", str(path)], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "error: cannot start Spark for 'local[1]': [JAVA_GATEWAY_EXITED]" in done.stderr
    assert "(Spark needs Java 17 or later)" in done.stderr


def test_the_cli_without_pyspark_says_what_to_install(tmp_path):
    """A process without PySpark (a ``-S``-like path that hides it) is told to install the extra."""
    path = tmp_path / "r.report"
    path.write_text(f'report r {{\n  source spark "{SPARK_MASTER}" table t\n}}\n', encoding="utf-8")
    code = ("import sys, builtins\nreal = builtins.__import__\n"
            "def no_pyspark(name, *a, **k):\n"
            "    if name.startswith('pyspark'): raise ImportError(name)\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = no_pyspark\n"
            "from reportdsl.cli import run\nsys.argv = ['reportdsl', 'check', sys.argv[1]]\nrun()\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "reading from Spark needs PySpark, which is not installed (pip install 'reportdsl[spark]')" in done.stderr
