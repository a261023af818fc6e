"""Sources given at build time: iterables of dicts, DataFrames, URLs and paths,
SQLAlchemy engines; DuckDB through duckdb-engine. Optional packages skip cleanly."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal

import pytest

from reportdsl.errors import ReportDataError

REPORT = """report r {
  source csv "sales.csv" { day: date, price: decimal }
  field amount = qty * price
  group region { footer { text "{COUNT()} {SUM(amount)} {MIN(day)} {MAX(qty)}" } }
  summary { text "{SUM(amount)} {COUNT()}" }
}"""

ROWS = [
    {"region": "N", "qty": 2, "price": Decimal("1.25"), "day": dt.date(2024, 1, 2)},
    {"region": "S", "qty": None, "price": Decimal("3.00"), "day": dt.date(2024, 1, 3)},
    {"region": "N", "qty": 3, "price": Decimal("2.00"), "day": dt.date(2024, 1, 1)},
    {"region": None, "qty": 1, "price": Decimal("0.50"), "day": None},
]
WANT = {
    "totals": {"SUM(amount)": Decimal("9.00"), "COUNT()": 4},
    "groups": [("N", 2, Decimal("8.50"), "2024-01-01", 3), ("S", 1, None, "2024-01-03", None),
               (None, 1, Decimal("0.50"), None, 1)],
}


@pytest.fixture
def report(tmp_path, compile_report):
    lines = ["region,qty,price,day"] + [
        f"{r['region'] or ''},{'' if r['qty'] is None else r['qty']},{r['price']},{r['day'] or ''}" for r in ROWS]
    (tmp_path / "sales.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return compile_report(REPORT)


def _check(result):
    data = result.to_dict()
    assert data["totals"] == WANT["totals"]
    got = [(g["key"],) + tuple(g["totals"].values()) for g in data["groups"]]
    assert got == WANT["groups"]


def test_csv_itself(report, run_result):
    _check(run_result(report))


def test_iterable_of_dicts(report, run_result):
    _check(run_result(report, source=ROWS))
    _check(run_result(report, source=iter(ROWS)))  # a one-shot iterator streams too
    # text and floats where the plan expects dates and decimals are converted
    loose = [dict(r, day=r["day"].isoformat() if r["day"] else None, price=float(r["price"])) for r in ROWS]
    _check(run_result(report, source=loose))


def test_not_rows(report, run_result):
    with pytest.raises(ReportDataError, match="row 2 of the given rows is a tuple"):
        run_result(report, source=[ROWS[0], (1, 2)])
    with pytest.raises(ReportDataError, match="cannot read rows from a dict"):
        run_result(report, source={"a": 1})


def test_pandas_dataframe(report, run_result):
    pd = pytest.importorskip("pandas", reason="pandas is an optional extra (reportdsl[dataframes])")
    frame = pd.DataFrame(ROWS)
    frame["day"] = pd.to_datetime(frame["day"])  # NaT for the missing day
    _check(run_result(report, source=frame))


def test_polars_dataframe(report, run_result):
    pl = pytest.importorskip("polars", reason="polars is an optional extra (reportdsl[dataframes])")
    frame = pl.DataFrame(ROWS)
    _check(run_result(report, source=frame))


def test_dataframe_missing_column(report, run_result):
    pd = pytest.importorskip("pandas", reason="pandas is an optional extra (reportdsl[dataframes])")
    with pytest.raises(ReportDataError, match="has no column 'day'"):
        run_result(report, source=pd.DataFrame({"region": ["N"]}))


def _sqlite(path):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE sales (region TEXT, qty INTEGER, price DECIMAL(10,2), day DATE)")
    con.executemany("INSERT INTO sales VALUES (?, ?, ?, ?)", [
        (r["region"], r["qty"], float(r["price"]), r["day"].isoformat() if r["day"] else None) for r in ROWS])
    con.commit()
    con.close()


def test_url_override_reads_the_reports_table(tmp_path, compile_report, run_result):
    _sqlite(tmp_path / "s.db")
    report = compile_report(REPORT.replace('csv "sales.csv" { day: date, price: decimal }',
                                           'sql "sqlite:///s.db" table sales'))
    _check(run_result(report))
    _sqlite(tmp_path / "other.db")
    _check(run_result(report, source=f"sqlite:///{tmp_path / 'other.db'}"))


def test_sql_override_needs_a_table(report, run_result, tmp_path):
    _sqlite(tmp_path / "s.db")
    with pytest.raises(ReportDataError, match="names no table or query"):
        run_result(report, source=f"sqlite:///{tmp_path / 's.db'}")


def test_report_without_source_needs_one(compile_report, run_result):
    report = compile_report('report r {\n  summary { text "{COUNT()}" }\n}')
    with pytest.raises(ReportDataError, match="the report has no source"):
        run_result(report)
    assert run_result(report, source=[{}, {}]).totals == {"COUNT()": 2}


def test_sqlalchemy_engine_override(tmp_path, compile_report, run_result):
    import sqlalchemy as sa

    _sqlite(tmp_path / "s.db")
    report = compile_report(REPORT.replace('csv "sales.csv" { day: date, price: decimal }',
                                           'sql "sqlite:///s.db" table sales'))
    engine = sa.create_engine(f"sqlite:///{tmp_path / 's.db'}")
    try:
        _check(run_result(report, source=engine))
    finally:
        engine.dispose()


def test_duckdb_through_duckdb_engine(tmp_path, compile_report, run_result):
    duckdb = pytest.importorskip("duckdb", reason="duckdb is an optional extra (reportdsl[duckdb])")
    pytest.importorskip("duckdb_engine", reason="duckdb-engine is an optional extra (reportdsl[duckdb])")
    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    con.execute("CREATE TABLE sales (region VARCHAR, qty INTEGER, price DECIMAL(10,2), day DATE)")
    con.executemany("INSERT INTO sales VALUES (?, ?, ?, ?)", [
        (r["region"], r["qty"], r["price"], r["day"]) for r in ROWS])
    con.close()
    report = compile_report(REPORT.replace('csv "sales.csv" { day: date, price: decimal }',
                                           'sql "duckdb:///s.duckdb" table sales'))
    _check(run_result(report))
