"""One ``Table`` delivered by every kind of source reportdsl reads.

In: a ``Table`` and a folder (or a database). Out: ``(source_line, run_kwargs)``: the
``source …`` statement of the report (or "" for a run-time source) and what
``Report.run`` needs besides. Each source keeps the table's row order as its source
order; SQL tables get an ``ORDER BY rid`` query so that order is defined (§15).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
import uuid
from decimal import Decimal
from pathlib import Path

from .cases import COLUMNS, Table

_DECLARED = "{ k1: string, k2: int, n: int, d: decimal, f: float, dt: date, s: string }"
LOCAL = ("sqlite", "csv", "jsonl", "dicts", "pandas", "duckdb", "parquet")
SERVERS = ("postgresql", "mariadb")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def load(kind: str, table: Table, folder: Path, engine=None, *, ordered: bool = True) -> tuple[str, dict]:
    """``ordered``: the report depends on source order (FIRST, LAST, ties in ``sort by``),
    so a SQL source is a query with its own ORDER BY (which the engine keeps, §15);
    otherwise a SQL ``table``, so the database sorts for the report (ORDER BY pushdown)."""
    line, kwargs = _LOADERS[kind](table, folder, engine)
    if not ordered and " query " in line and kind != "postgresql":
        name = line.rsplit("FROM ", 1)[1].split(" ORDER BY")[0]
        line = line.split(" query ")[0] + f" table {name}"
    return line, kwargs


def _sqlite(table: Table, folder: Path, _engine) -> tuple[str, dict]:
    path = folder / f"t{uuid.uuid4().hex[:8]}.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (rid INTEGER, k1 TEXT, k2 INTEGER, n INTEGER, d DECIMAL(38,4), f REAL, dt DATE, "
                "s TEXT)")
    as_text = ("d", "dt")  # exact decimals and ISO dates, as SQLite keeps them in text
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
        (i, *(str(v) if k in as_text and v is not None else v for k, v in zip(COLUMNS, row, strict=True)))
        for i, row in enumerate(table.rows)])
    con.commit()
    con.close()
    return f'source sql "sqlite:///{path}" query "SELECT * FROM t ORDER BY rid"', {}


def _csv(table: Table, folder: Path, _engine) -> tuple[str, dict]:
    path = folder / f"t{uuid.uuid4().hex[:8]}.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows([_text(v) for v in row] for row in table.rows)
    return f'source csv "{path}" {_DECLARED}', {}


def _jsonl(table: Table, folder: Path, _engine) -> tuple[str, dict]:
    """JSON has one kind of number: reportdsl reads a fraction as an exact decimal, so
    ``f`` arrives as decimals here (DIFFERENT_TYPES)."""
    path = folder / f"t{uuid.uuid4().hex[:8]}.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for row in table.dicts():
            fields = [f"{json.dumps(k)}: {_json(v)}" for k, v in row.items()]
            out.write("{" + ", ".join(fields) + "}\n")
    return f'source jsonl "{path}"', {}


def _json(value) -> str:
    if isinstance(value, Decimal):
        return str(value)  # a JSON number, exactly as written
    if isinstance(value, float):
        return repr(float(value)) if value == value and abs(value) != float("inf") else "null"
    if isinstance(value, dt.date):
        return json.dumps(value.isoformat())
    return json.dumps(value)


# Columns a source delivers with another type than the table's, by the source's nature:
# a case that reads them is not compared there.
# An untyped source (no source statement) knows no column's type: there `if` and
# `coalesce` give the kind of the branch taken (a decimal where DuckDB, knowing the
# other branch is a float, converts it).
DIFFERENT_TYPES = {"jsonl": {"f"}, "dicts": {"fd", "pick"}, "pandas": {"fd", "pick"}}
# Sources that cannot hold NaN or infinities (SQLite stores NaN as NULL; MariaDB's
# DOUBLE refuses both; pandas takes NaN for a missing value): tables with them are not
# compared there.
NO_SPECIAL_FLOATS = {"sqlite", "mariadb", "pandas"}
# SQLite keeps a DECIMAL column's text as a REAL (NUMERIC affinity) when it has at most
# ~15 significant digits and rounds some longer ones too: wider decimals are not compared.
NARROW_DECIMALS = {"sqlite"}


def _dicts(table: Table, _folder: Path, _engine) -> tuple[str, dict]:
    return "", {"source": table.dicts()}


def _pandas(table: Table, _folder: Path, _engine) -> tuple[str, dict]:
    import pandas as pd

    return "", {"source": pd.DataFrame(table.rows, columns=list(COLUMNS), dtype=object)}


def _duckdb(table: Table, folder: Path, _engine) -> tuple[str, dict]:
    from .reference import connect

    path = folder / f"t{uuid.uuid4().hex[:8]}.duckdb"
    con = connect(table)
    con.execute(f"ATTACH '{path}' AS file")
    con.execute("CREATE TABLE file.t AS SELECT * FROM t")
    con.close()
    return f'source sql "duckdb:///{path}" query "SELECT * FROM t ORDER BY rid"', {}


def _parquet(table: Table, folder: Path, _engine) -> tuple[str, dict]:
    """The rows in two files a glob matches, in name order: their order is the source's."""
    from .reference import connect

    parts = folder / f"p{uuid.uuid4().hex[:8]}"
    parts.mkdir()
    con = connect(table)
    half = len(table.rows) // 2
    for name, rows in (("a", f"rid < {half}"), ("b", f"rid >= {half}")):
        con.execute(f"COPY (SELECT * FROM t WHERE {rows} ORDER BY rid) TO '{parts / name}.parquet' (FORMAT parquet)")
    con.close()
    return f'source parquet "{parts}/*.parquet"', {}


def _server_table(table: Table, engine, name: str, types: dict[str, str], suffix: str = "") -> None:
    import sqlalchemy as sa

    columns = ", ".join(f"{k} {types[t]}" for k, (t, _) in COLUMNS.items())
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE {name} (rid INTEGER, {columns}){suffix}"))
        if table.rows:
            marks = ", ".join(f":{k}" for k in ("rid", *COLUMNS))
            conn.execute(sa.text(f"INSERT INTO {name} VALUES ({marks})"),
                         [{"rid": i, **row} for i, row in enumerate(table.dicts())])


def _postgresql(table: Table, _folder: Path, server) -> tuple[str, dict]:
    engine, schema = server
    name = f"{schema}.t{uuid.uuid4().hex[:8]}"
    _server_table(table, engine, name, {"string": "TEXT", "int": "BIGINT", "decimal": "NUMERIC(38,4)",
                                        "float": "DOUBLE PRECISION", "date": "DATE"})
    url = engine.url.render_as_string(hide_password=False)
    return f'source sql "{url}" query "SELECT * FROM {name} ORDER BY rid"', {}


def _mariadb(table: Table, _folder: Path, server) -> tuple[str, dict]:
    engine, prefix = server
    name = f"{prefix}t{uuid.uuid4().hex[:8]}"
    _server_table(table, engine, name, {"string": "TEXT", "int": "BIGINT", "decimal": "DECIMAL(38,4)",
                                        "float": "DOUBLE", "date": "DATE"},
                  " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")
    url = engine.url.render_as_string(hide_password=False)
    return f'source sql "{url}" query "SELECT * FROM {name} ORDER BY rid"', {}


def _spark(table: Table, _folder: Path, spark) -> tuple[str, dict]:
    """A temporary view in the test run's Spark session (``spark``: the session)."""
    from tests.conftest import SPARK_MASTER

    name = f"spark_diff_{uuid.uuid4().hex[:8]}"
    types = {"string": "STRING", "int": "BIGINT", "decimal": "DECIMAL(38,4)", "float": "DOUBLE", "date": "DATE"}
    schema = ", ".join(["rid BIGINT", *(f"{k} {types[t]}" for k, (t, _) in COLUMNS.items())])
    spark.createDataFrame([(i, *row) for i, row in enumerate(table.rows)], schema).createOrReplaceTempView(name)
    return f'source spark "{SPARK_MASTER}" query "SELECT * FROM {name} ORDER BY rid"', {}


_LOADERS = {"sqlite": _sqlite, "csv": _csv, "jsonl": _jsonl, "dicts": _dicts, "pandas": _pandas,
            "duckdb": _duckdb, "parquet": _parquet, "postgresql": _postgresql, "mariadb": _mariadb,
            "spark": _spark}
