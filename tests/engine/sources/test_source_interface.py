"""Every row source satisfies ``sources.interface.RowSource``, and does what its
``pushdown`` declares: a source that takes the order delivers rows in report order
and says so (``ordered``); one that takes the ``where`` leaves out the rows it
rejects; any other delivers every row in its own order and claims no order."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys

import pytest

from reportdsl.engine.runner import columns_read
from reportdsl.sources import file_streams, opening, parquet, python_rows, spark
from reportdsl.sources.interface import NO_PUSHDOWN, SQL_PUSHDOWN, RowSource
from reportdsl.sources.sql import sqlite as sql_sqlite
from reportdsl.sources.sql import stream as sql_stream
from tests.conftest import SPARK_MASTER

REPORT = """report r {
  source sql "sqlite:///t.db" table t
  where q > 2
  sort by id
  group g { footer { text "{COUNT()}" } }
  detail { column id "Id" = id
           column q "Q" = q }
}"""

# in file order: ids shuffled, so that the source's own order is not the report's
_rng = random.Random(3)
_IDS = _rng.sample(range(1, 61), 60)
ROWS = [{"id": i, "g": "xyz"[i % 3], "q": i % 7} for i in _IDS]
REPORT_ORDER = [r["id"] for r in sorted(ROWS, key=lambda r: (r["g"], r["id"]))]
KEPT = {r["id"] for r in ROWS if r["q"] > 2}


@pytest.fixture
def files(tmp_path):
    con = sqlite3.connect(tmp_path / "t.db")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, g TEXT, q INTEGER)")
    con.executemany("INSERT INTO t (id, g, q) VALUES (:id, :g, :q)", ROWS)
    # the table's own order is the rowid's: give SQLite no ordered path to the ids
    con.commit()
    con.close()
    (tmp_path / "t.csv").write_text("q,g,id\n" + "".join(f"{r['q']},{r['g']},{r['id']}\n" for r in ROWS),
                                    encoding="utf-8")
    (tmp_path / "t.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    duckdb = pytest.importorskip("duckdb")
    with duckdb.connect() as con:  # the rows in the CSV's order, in two files: a glob reads both
        for name, part in (("t1", "LIMIT 30"), ("t2", "OFFSET 30")):
            con.execute(f"COPY (SELECT * FROM read_csv('{tmp_path / 't.csv'}') {part}) "
                        f"TO '{tmp_path / name}.parquet' (FORMAT parquet)")
    return tmp_path


def _pandas():
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(ROWS)


def _polars():
    pl = pytest.importorskip("polars")
    return pl.DataFrame(ROWS)


def _engine(folder):
    sa = pytest.importorskip("sqlalchemy")
    return sa.create_engine(f"sqlite:///{folder / 't.db'}")


SOURCES = {
    # name: (the override given to open_source, SQLITE_DIRECT, the class expected)
    "sqlite file": (lambda f: None, True, sql_sqlite.SqliteRows),
    "sqlite through SQLAlchemy": (lambda f: None, False, sql_stream.SqlRows),
    "SQLAlchemy engine": (_engine, True, sql_stream.SqlRows),
    "csv": (lambda f: str(f / "t.csv"), True, file_streams.CsvRows),
    "jsonl": (lambda f: str(f / "t.jsonl"), True, file_streams.JsonlRows),
    "parquet": (lambda f: f"parquet:{f / 't*.parquet'}", True, parquet.ParquetRows),
    "iterable": (lambda f: list(ROWS), True, python_rows.IterableRows),
    "pandas": (lambda f: _pandas(), True, python_rows.DataFrameRows),
    "polars": (lambda f: _polars(), True, python_rows.DataFrameRows),
    # the view ``t`` in the test run's Spark session (made by the test)
    "spark": (lambda f: f"spark:{SPARK_MASTER}", True, spark.SparkRows),
}


def test_every_source_class_is_declared():
    declared = set(file_streams.ROW_SOURCES + python_rows.ROW_SOURCES + sql_stream.ROW_SOURCES
                   + sql_sqlite.ROW_SOURCES + parquet.ROW_SOURCES + spark.ROW_SOURCES)
    assert declared == {cls for _, _, cls in SOURCES.values()}


@pytest.mark.parametrize("name", list(SOURCES))
def test_source_satisfies_the_interface_and_its_pushdown(name, files, compile_report, monkeypatch, request):
    override, direct, cls = SOURCES[name]
    if name == "spark":
        session = request.getfixturevalue("spark")
        session.createDataFrame(ROWS).createOrReplaceTempView("t")
        request.addfinalizer(lambda: session.catalog.dropTempView("t"))
    monkeypatch.setattr(opening, "SQLITE_DIRECT", direct)
    report = compile_report(REPORT)
    plan = report.plan
    columns = columns_read(plan)
    rows = opening.open_source(plan, override(files), {}, columns, want_order=True, cwd=str(files))
    try:
        assert type(rows) is cls and isinstance(rows, RowSource)
        # schema
        assert set(columns) <= set(rows.names)
        assert rows.conversion in ("text", "python")
        assert set(rows.text_columns) <= set(rows.names) and set(rows.decimal_scales) <= set(rows.names)
        assert all(isinstance(t, str) for t in rows.source_types.values())
        # rows, in chunks
        at = list(rows.names).index("id")
        delivered = []
        for chunk in rows.chunks():
            assert chunk
            for row in chunk:
                if rows.exact:
                    assert len(row) == len(rows.names)
                delivered.append(int(row[at]))
        assert rows.rows_read == len(delivered)
    finally:
        rows.close()
    rows.close()  # twice is harmless
    # what it declares it takes, it does; what it does not, it leaves alone
    assert rows.pushdown in (NO_PUSHDOWN, SQL_PUSHDOWN)
    assert rows.ordered == rows.pushdown.order_by
    if rows.pushdown.where:
        assert set(delivered) == KEPT
    else:
        assert sorted(delivered) == sorted(_IDS)
    if rows.pushdown.order_by:
        assert delivered == [i for i in REPORT_ORDER if i in set(delivered)]
    else:
        assert delivered == _IDS  # the source's own order: as the rows were given


def test_no_order_is_asked_for_when_none_is_needed(files, compile_report):
    report = compile_report(REPORT.replace("  sort by id\n", "").replace(
        '  group g { footer { text "{COUNT()}" } }\n', ""))
    plan = report.plan
    rows = opening.open_source(plan, None, {}, columns_read(plan), want_order=False)
    try:
        assert rows.pushdown.order_by and not rows.ordered
    finally:
        rows.close()


def test_the_interface_does_not_import_sqlalchemy():
    code = ("import sys\n"
            "import reportdsl.sources.interface, reportdsl.sources.opening, reportdsl.sources.file_streams\n"
            "import reportdsl.sources.python_rows, reportdsl.sources.sql.sqlite, reportdsl.sources.parquet\n"
            "print('sqlalchemy' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
