"""A table that trips pushdown up, loaded into SQLite, PostgreSQL, MariaDB, DuckDB and Spark.

In: a database (a SQLite/DuckDB path, or a SQLAlchemy engine with a schema or table
prefix). Out: the ``source …`` line of a report over it. The table ``t(id, g1, g2, q,
p, f, d)`` holds null keys and values; text keys whose collation order is not code-point
order and which a case-insensitive or pad-space collation would merge ('a', 'A', 'a ',
'Äpfel', '東京', ''), declared case-insensitive where the database lets a column say so;
integers near 2**62, whose sums pass 64 bits; decimals with 20 digits; floats with
negative zero, 0.1-style fractions and, where the database stores them, NaN and
infinities.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

G1 = ["Äpfel", "apple", "Apple", "Zebra", "東京", "", "a", "a ", "A", "zz", None]
G2 = [1, 2, 3, -1, 0, None]
BIG = 2 ** 62 + 12345


def rows(n: int = 300, *, big: bool = True, special_floats: bool = False) -> list[tuple]:
    rng = random.Random(11)
    qs = [None, 0, 1, 2, -2, 10, 7, 7, 5] + ([BIG, -BIG + 3, BIG] if big else [])
    ps = [None, Decimal("0.0000000000"), Decimal("1234567890.1234567891"), Decimal("-0.0000000001"),
          Decimal("199.99"), Decimal("12.30")]
    fs = [None, 0.1, 0.2, -0.3, 1e10, 1.5, 0.0, -0.0] + ([float("nan"), float("inf")] if special_floats else [])
    ds = [None, dt.date(2024, 1, 31), dt.date(2023, 12, 1), dt.date(2024, 2, 29)]
    return [(i, rng.choice(G1), rng.choice(G2), rng.choice(qs), rng.choice(ps), rng.choice(fs), rng.choice(ds))
            for i in range(1, n + 1)]


def sqlite_table(path, data: list[tuple]) -> str:
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER, g1 TEXT COLLATE NOCASE, g2 INTEGER, q INTEGER, p DECIMAL(30,10), "
                "f REAL, d DATE)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", [
        (i, g1, g2, q, None if p is None else str(p), f, None if d is None else d.isoformat())
        for i, g1, g2, q, p, f, d in data])
    con.commit()
    con.close()
    return f'sql "sqlite:///{path}" table t'


def duckdb_table(path, data: list[tuple]) -> str:
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (id INTEGER, g1 VARCHAR COLLATE NOCASE, g2 INTEGER, q BIGINT, "
                "p DECIMAL(30,10), f DOUBLE, d DATE)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", data)
    con.close()
    return f'sql "duckdb:///{path}" table t'


def spark_table(spark, name: str, data: list[tuple]) -> str:
    """A temporary view in the test run's Spark session; from Spark 4 on, ``g1`` is
    declared case-insensitive (``UTF8_LCASE``)."""
    import warnings

    from tests.conftest import SPARK_MASTER

    with warnings.catch_warnings():  # PySpark's check of the installed pandas' version
        warnings.simplefilter("ignore")
        frame = spark.createDataFrame(data, "id INT, g1 STRING, g2 INT, q BIGINT, p DECIMAL(30,10), f DOUBLE, "
                                            "d DATE")
    frame.createOrReplaceTempView(name + "_raw")
    g1 = "g1 COLLATE UTF8_LCASE AS g1" if int(spark.version.split(".")[0]) >= 4 else "g1"
    spark.sql(f"SELECT id, {g1}, g2, q, p, f, d FROM {name}_raw").createOrReplaceTempView(name)
    return f'spark "{SPARK_MASTER}" table {name}'


def server_table(engine, name: str, data: list[tuple], schema: str | None = None) -> None:
    import sqlalchemy as sa

    md = sa.MetaData()
    t = sa.Table(
        name, md,
        sa.Column("id", sa.Integer), sa.Column("g1", sa.String(20)), sa.Column("g2", sa.Integer),
        sa.Column("q", sa.BigInteger), sa.Column("p", sa.Numeric(30, 10)),
        sa.Column("f", sa.Float(53)), sa.Column("d", sa.Date),
        schema=schema, mysql_charset="utf8mb4", mysql_collate="utf8mb4_general_ci",
    )
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(t.insert(), [dict(zip(("id", "g1", "g2", "q", "p", "f", "d"), r, strict=True)) for r in data])
