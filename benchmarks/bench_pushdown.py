#!/usr/bin/env python3
"""Pushdown benchmark, run by hand; prints figures (no assertions).

In: a PostgreSQL server (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``,
or ``REPORTDSL_TEST_PG``). The benchmark makes its own table in a schema of its own
(``--rows`` rows, default 2,000,000: 8 regions × 5,000 customers, integer quantities,
NUMERIC(12,2) prices, a NUMERIC(4, 2) discount) with ``generate_series`` and drops it after.
Out: on stdout, the best of ``--repeats`` runs of
1. the summary report (region > customer; SUM/COUNT/AVG/MIN/MAX/COUNT_DISTINCT and a
   percent of total) pushed down (``pushdown="force"``), through the JSON result;
2. the same report streamed (``pushdown="off"``): every row crosses into Python;
3. a hand-written ``GROUPING SETS`` query computing the same aggregates, through
   psycopg, rows fetched and nothing else done;
and the ratios pushed / hand-written (goal: <= 1.3) and streamed / pushed.

Usage: ``python benchmarks/bench_pushdown.py [--rows 2000000] [--repeats 3] [--keep] [--spark]``

With ``--parquet``: the same report over Parquet files DuckDB writes itself
(``--rows``, default 20,000,000, and ``--small`` rows, default 2,000,000, for the memory
check; 50,000 customers, each in one of 8 regions: 50,008 groups), each measurement in
a fresh process so that its peak RSS is its own:
1. the report pushed down (``pushdown="force"``): the statement in DuckDB, the groups
   replayed through the engine;
2. a hand-written DuckDB ``GROUPING SETS`` query computing the same numbers (its
   percentages from the sums), with the same DuckDB settings (``parquet.MEMORY_LIMIT``),
   rows fetched (and again with DuckDB's default settings);
   the ratio pushed / hand-written (goal: <= 1.2x), peak RSS (goal: < 1 GB)
   and peak RSS at ``--rows`` / at ``--small`` (goal: <= 1.2x).
``python benchmarks/bench_pushdown.py --parquet [--rows 20000000] [--small 2000000] [--repeats 3]``

``--spark``: the same over Spark local (``local[*]``, PySpark and Java 17+): the table
is written as Parquet files in a temporary folder and read as the view ``sales``; the
report reads it through ``source spark "local[*]" table sales``, and the hand-written
query (``grouping_id`` for the levels) runs through ``spark.sql(...).collect()``.

"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import reportdsl  # noqa: E402

URL = os.environ.get("REPORTDSL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

REPORT = """
report pushdown_bench {{
  source sql "{url}" table sales
  group region {{
    footer {{
      text "{{region}}: {{COUNT()}} lines, {{SUM(quantity)}} units, {{SUM(price)}}, avg {{AVG(price)}}"
      text "{{MIN(price)}} – {{MAX(price)}}, {{COUNT_DISTINCT(customer)}} customers"
      text "{{SUM(price) / SUM(price) over report | percent(1)}} of all sales"
    }}
  }}
  group customer {{
    footer {{
      text "{{customer}}: {{COUNT()}} {{SUM(quantity)}} {{SUM(price)}} {{AVG(price)}} {{MIN(price)}} {{MAX(price)}}"
      text "{{AVG(discount)}} {{SUM(price) / SUM(price) over region | percent(1)}}"
    }}
  }}
  summary {{ text "{{COUNT()}} {{SUM(price)}} {{AVG(quantity)}} {{COUNT_DISTINCT(customer)}}" }}
}}
"""

HAND_WRITTEN = """
SELECT region, customer, GROUPING(region, customer), COUNT(*), SUM(quantity), SUM(price), AVG(price),
       MIN(price), MAX(price), COUNT(DISTINCT customer), AVG(discount), AVG(quantity)
FROM {schema}.sales
GROUP BY GROUPING SETS ((region, customer), (region), ())
"""


def make_table(schema: str, rows: int) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        conn.execute(sa.text(
            f"CREATE TABLE {schema}.sales (id BIGINT, region TEXT, customer TEXT, quantity INTEGER, "
            "price NUMERIC(12, 2), discount NUMERIC(4, 2))"))
        conn.execute(sa.text(
            f"INSERT INTO {schema}.sales SELECT i, 'Region ' || (i % 8), 'Customer ' || (i * 7919 % 5000), "
            "(i % 13) - 2, ((i * 37) % 100000) / 100.0, ((i * 11) % 30) / 100.0 "
            "FROM generate_series(1::bigint, :n) AS i"), {"n": rows})
        conn.execute(sa.text(f"ANALYZE {schema}.sales"))
    engine.dispose()


def drop_table(schema: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def _same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12)
    if a != b:
        print(f"differs: {a!r} != {b!r}")
    return type(a) is type(b) and a == b


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


PARQUET_REPORT = REPORT.replace('source sql "{url}" table sales', 'source parquet "{url}"')

HAND_WRITTEN_DUCKDB = """
SELECT region, customer, GROUPING(region, customer), COUNT(*), SUM(quantity), SUM(price), AVG(price),
       MIN(price), MAX(price), COUNT(DISTINCT customer), AVG(discount), AVG(quantity)
FROM read_parquet('{path}')
GROUP BY GROUPING SETS ((region, customer), (region), ())
"""


SPARK_MASTER = "local[*]"

SPARK_HAND_WRITTEN = """
SELECT region, customer, grouping_id(region, customer), COUNT(*), SUM(quantity), SUM(price), AVG(price),
       MIN(price), MAX(price), COUNT(DISTINCT customer), AVG(discount), AVG(quantity)
FROM sales
GROUP BY GROUPING SETS ((region, customer), (region), ())
"""


def make_parquet(path: Path, rows: int) -> None:
    import duckdb

    con = duckdb.connect()
    # customer c in region c % 8: 50,000 customers, 8 regions
    con.execute(f"""COPY (
        SELECT i AS id, 'Region ' || (c % 8) AS region, 'Customer ' || c AS customer,
               CAST((i % 13) - 2 AS INTEGER) AS quantity,
               CAST(((i * 37) % 100000) / 100 AS DECIMAL(12, 2)) AS price,
               CAST(((i * 11) % 30) / 100 AS DECIMAL(4, 2)) AS discount
        FROM (SELECT i, (i * 7919) % 50000 AS c FROM range(1, {rows} + 1) t(i))
    ) TO '{path}' (FORMAT parquet)""")
    con.close()


def child(what: str, path: str) -> None:
    """One measurement in this process: its seconds and the process's peak RSS."""
    import duckdb  # imported before the clock starts, for both

    from benchmarks.peak_memory import peak_mb
    from reportdsl.sources.parquet import MEMORY_LIMIT

    t0 = time.perf_counter()
    if what == "pushed":
        folder = str(Path(path).parent)
        report = reportdsl.compile(PARQUET_REPORT.format(url=path), filename=str(Path(folder) / "b.report"),
                                   base_dir=folder)
        result = report.run(pushdown="force")
        assert result.stats["pushdown"] == "pushed", result.stats["pushdown"]
    else:
        # the same settings as a Parquet read: the memory limit and a private spill folder
        # (DuckDB's default spills into ./.tmp)
        # ("hand-default": DuckDB's own defaults, 80 % of the machine's memory)
        spill = tempfile.mkdtemp(prefix="bench-duckdb-")
        config = {"memory_limit": MEMORY_LIMIT} if what == "hand" else {}
        con = duckdb.connect(":memory:", config={**config, "temp_directory": spill})
        rows = con.execute(HAND_WRITTEN_DUCKDB.format(path=path)).fetchall()
        totals = {r[0]: r[5] for r in rows if r[2] == 1}
        [r[5] / totals[r[0]] for r in rows if r[2] == 0 and totals[r[0]]]  # the percentages
        con.close()
        import shutil

        shutil.rmtree(spill, ignore_errors=True)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "rss_mb": peak_mb()}))


def measure(what: str, path: Path, repeats: int) -> tuple[float, float]:
    """Best seconds and the largest peak RSS (MB) over ``repeats`` fresh processes."""
    import subprocess

    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, __file__, "--child", what, str(path)], check=True,
                             capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return min(r["seconds"] for r in runs), max(r["rss_mb"] for r in runs)


def main_parquet(args: argparse.Namespace) -> None:
    rows = args.rows if args.rows_given else 20_000_000
    with tempfile.TemporaryDirectory() as folder:
        big, small = Path(folder) / "big.parquet", Path(folder) / "small.parquet"
        t0 = time.perf_counter()
        make_parquet(big, rows)
        make_parquet(small, args.small)
        print(f"parquet: {rows:,} and {args.small:,} rows ({time.perf_counter() - t0:.1f} s to write)")
        pushed, pushed_rss = measure("pushed", big, args.repeats)
        hand, hand_rss = measure("hand", big, args.repeats)
        default, default_rss = measure("hand-default", big, args.repeats)
        _, small_rss = measure("pushed", small, 1)
    print(f"pushed down:        {pushed:8.3f} s  peak RSS {pushed_rss:7.1f} MB")
    print(f"hand-written query: {hand:8.3f} s  peak RSS {hand_rss:7.1f} MB")
    print(f"hand-written, DuckDB's default settings: {default:8.3f} s  peak RSS {default_rss:7.1f} MB")
    print(f"pushed / hand-written: {pushed / hand:.2f}x (goal <= 1.2x); "
          f"pushed / hand-written with DuckDB's defaults: {pushed / default:.2f}x")
    print(f"peak RSS pushed, {rows:,} rows: {pushed_rss:.1f} MB (goal < 1024 MB)")
    print(f"peak RSS pushed, {args.small:,} rows: {small_rss:.1f} MB; "
          f"ratio {pushed_rss / small_rss:.2f}x (goal <= 1.2x)")


def spark_main(args: argparse.Namespace) -> None:
    """The benchmark over Spark local: a Parquet table of ``args.rows`` rows."""
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(SPARK_MASTER).appName("bench_pushdown")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", "8")
             # the streamed run sorts 2M rows in the driver's JVM: 1 GB (Spark's default)
             # ran out of heap after the pushed runs (java.lang.OutOfMemoryError)
             .config("spark.driver.memory", "2g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        spark.range(1, args.rows + 1).selectExpr(
            "id", "concat('Region ', id % 8) AS region", "concat('Customer ', id * 7919 % 5000) AS customer",
            "CAST(id % 13 - 2 AS INT) AS quantity", "CAST((id * 37 % 100000) / 100.0 AS DECIMAL(12, 2)) AS price",
            "CAST((id * 11 % 30) / 100.0 AS DECIMAL(4, 2)) AS discount",
        ).write.parquet(f"{folder}/sales")
        spark.read.parquet(f"{folder}/sales").createOrReplaceTempView("sales")
        print(f"table: {args.rows:,} rows as Parquet, the Spark view sales ({time.perf_counter() - t0:.1f} s)")
        text = REPORT.replace('source sql "{url}" table sales', f'source spark "{SPARK_MASTER}" table sales')
        report = reportdsl.compile(text.format(url=""), filename=str(Path(folder) / "bench.report"),
                                   base_dir=folder)
        pushed_result = report.run(pushdown="force")
        assert pushed_result.stats["pushdown"] == "pushed"
        spark.sql(SPARK_HAND_WRITTEN).collect()  # the same warm-up for both
        # alternated, so that the machine's drift (other work on it) hits both alike
        pushed, hand_written = math.inf, math.inf
        for _ in range(args.repeats):
            pushed = min(pushed, best(lambda: report.run(pushdown="force"), 1))
            hand_written = min(hand_written, best(lambda: spark.sql(SPARK_HAND_WRITTEN).collect(), 1))
        print(f"pushed down {pushed:.3f} s, hand-written {hand_written:.3f} s: "
              f"{pushed / hand_written:.2f}x (goal <= 1.3x); now streaming", flush=True)
        streamed_result = report.run(pushdown="off")
        same = _same(json.loads(pushed_result.to_json()), json.loads(streamed_result.to_json()))
        streamed = best(lambda: report.run(pushdown="off"), 1)
    spark.stop()
    _print(pushed, streamed, hand_written, same)


def _print(pushed: float, streamed: float, hand_written: float, same: bool) -> None:
    print(f"pushed down:        {pushed:8.3f} s")
    print(f"streamed:           {streamed:8.3f} s")
    print(f"hand-written query: {hand_written:8.3f} s")
    print(f"pushed / hand-written: {pushed / hand_written:.2f}x (goal <= 1.3x)")
    print(f"streamed / pushed:     {streamed / pushed:.1f}x")
    print(f"JSON results identical (floats to a relative 1e-12, CONTRACT.md §8): {same}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the schema (for EXPLAIN by hand)")
    ap.add_argument("--parquet", action="store_true", help="the report over Parquet files, against DuckDB")
    ap.add_argument("--small", type=int, default=2_000_000, help="--parquet: rows of the memory check")
    ap.add_argument("--spark", action="store_true", help="over Spark local instead of PostgreSQL")
    ap.add_argument("--child", nargs=2, metavar=("WHAT", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    args.rows_given = args.rows is not None
    if args.parquet:
        main_parquet(args)
        return
    if args.rows is None:
        args.rows = 2_000_000
    if args.spark:
        spark_main(args)
        return
    schema = f"rdsl_bench_{uuid.uuid4().hex[:8]}"
    t0 = time.perf_counter()
    make_table(schema, args.rows)
    print(f"table: {args.rows:,} rows in {schema}.sales ({time.perf_counter() - t0:.1f} s)")
    try:
        url = f"{URL}?options=-csearch_path%3D{schema}"
        with tempfile.TemporaryDirectory() as folder:
            text = REPORT.format(url=url)
            report = reportdsl.compile(text, filename=str(Path(folder) / "bench.report"), base_dir=folder)
            pushed_result = report.run(pushdown="force")
            assert pushed_result.stats["pushdown"] == "pushed"
            pushed = best(lambda: report.run(pushdown="force"), args.repeats)
            streamed_result = report.run(pushdown="off")
            same = _same(json.loads(pushed_result.to_json()), json.loads(streamed_result.to_json()))
            streamed = best(lambda: report.run(pushdown="off"), 1)

        import psycopg

        dsn = URL.replace("postgresql+psycopg://", "postgresql://")

        def hand() -> None:
            with psycopg.connect(dsn) as conn:
                conn.execute(HAND_WRITTEN.format(schema=schema)).fetchall()

        hand_written = best(hand, args.repeats)
    finally:
        if not args.keep:
            drop_table(schema)
    _print(pushed, streamed, hand_written, same)


if __name__ == "__main__":
    main()
