"""A lost connection mid-read goes on where it stopped (issue 20), on the real servers.

The read of a table with a unique key is ordered by the report's keys and then that key,
so ``resume.Keyset.after(row)`` selects exactly the rows after the last one delivered:
checked here row by row against the order itself (keys with nulls, ties, ``desc``),
and end to end: a build whose PostgreSQL backend is terminated twice
(``pg_terminate_backend``) or whose MariaDB connection is killed (``KILL``) writes
exactly what an uninterrupted build writes. ``test_faults_servers`` has the table
without such a key, whose read cannot resume and fails naming the source.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

import sqlalchemy as sa

from reportdsl.engine.runner import columns_read
from reportdsl.sources.sql.resume import unique_key
from reportdsl.sources.sql.statement import select_statement

from ..conftest import MARIADB_URL, PG_URL

# region and bucket repeat and hold nulls; sorted desc by bucket inside each region
KEYED_REPORT = """report keyed {{
  source sql "{url}" table {table}
  sort by bucket desc
  group region {{
    footer {{
      text "{{region}} {{COUNT()}} {{SUM(n)}} {{MIN(n)}} {{MAX(n)}} {{FIRST(n)}} {{LAST(n)}}"
      text "{{FIRST(code)}} {{LAST(code)}} {{COUNT(bucket)}}"
    }}
  }}
  summary {{ text "{{COUNT()}} {{SUM(n)}}" }}
}}
"""


def _pg_rows(conn, table: str, count: int) -> None:
    conn.execute(sa.text(
        f"CREATE TABLE {table} AS SELECT 'c' || (g % 3) AS code, g AS n, "
        "CASE WHEN g % 11 = 0 THEN NULL ELSE 'r' || (g % 5) END AS region, "
        f"CASE WHEN g % 7 = 0 THEN NULL ELSE g % 3 END AS bucket FROM generate_series(1, {count}) g"))
    conn.execute(sa.text(f"ALTER TABLE {table} ADD PRIMARY KEY (code, n)"))  # text, then a number


def test_after_each_row_come_exactly_the_rows_after_it(pg_schema, compile_report):
    """For every row of a small table (ties, nulls in both keys), the resumed statement
    reads exactly the rows that follow it in the first statement's order."""
    engine, schema = pg_schema
    table = f"{schema}.keyed"
    with engine.begin() as conn:
        _pg_rows(conn, table, 90)
    plan = compile_report(KEYED_REPORT.format(url=PG_URL, table=table)).plan
    columns = columns_read(plan)
    with engine.connect() as conn:
        quote = conn.dialect.identifier_preparer.quote
        unique = unique_key(conn, table, "postgresql", quote)
        assert unique is not None and len(unique) == 2

        def read(after=None):
            st = select_statement("keyed", table, None, {}, columns, plan, True, "postgresql", quote,
                                  unique=unique, after=after)
            return [tuple(r) for r in conn.execute(sa.text(st.sql), st.binds)]

        rows = read()
        assert len(rows) == 90 and len(set(rows)) == 90
        assert any(r[columns.index("region")] is None for r in rows)
        for i, row in enumerate(rows):
            assert read(row) == rows[i + 1:], f"after row {i}: {row}"


def _interrupted_build(tmp_path, report: str, kill: Callable[[], int], times: int) -> tuple[str, str]:
    """(the output of a build whose connection ``kill()`` cuts ``times`` times while
    it streams, the output of the same build left alone)."""
    (tmp_path / "r.report").write_text(report, encoding="utf-8")
    env = {**os.environ, "REPORTDSL_NO_AST_CACHE": "1"}
    command = [sys.executable, "-m", "reportdsl.cli", "build", "r.report", "--quiet", "--pushdown", "off", "-o"]
    (tmp_path / "cut.json").write_text("the previous build", encoding="utf-8")
    build = subprocess.Popen([*command, "cut.json"], cwd=tmp_path, stderr=subprocess.PIPE, text=True, env=env)
    killed = 0
    deadline = time.monotonic() + 120
    while killed < times:
        assert build.poll() is None, f"the build ended after {killed} of {times} cuts: {build.stderr.read()}"
        assert time.monotonic() < deadline, "the build never streamed"
        killed += kill()
        time.sleep(0.05)
    _, err = build.communicate(timeout=120)
    assert build.returncode == 0 and err == "", err
    whole = subprocess.run([*command, "whole.json"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert whole.returncode == 0, whole.stderr
    return (tmp_path / "cut.json").read_text(encoding="utf-8"), (tmp_path / "whole.json").read_text(encoding="utf-8")


def test_a_postgresql_read_resumes_after_its_backend_is_terminated(tmp_path, pg_schema):
    engine, schema = pg_schema
    table = f"{schema}.keyed"
    with engine.begin() as conn:
        _pg_rows(conn, table, 600_000)

    def terminate() -> int:
        with engine.begin() as conn:
            # idle between two FETCHes: rows have reached the engine
            streaming = conn.execute(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE application_name = :app AND query LIKE 'FETCH%reportdsl_rows%' "
                "AND state = 'idle in transaction'"), {"app": schema}).scalars().all()
            if not streaming:
                return 0
            return conn.execute(sa.text("SELECT count(pg_terminate_backend(pid)) FROM unnest(CAST(:p AS int[])) pid"),
                                {"p": streaming}).scalar() or 0

    # its own application name: the backends to terminate are this build's, not another test's
    url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}application_name={schema}"
    cut, whole = _interrupted_build(tmp_path, KEYED_REPORT.format(url=url, table=table), terminate, times=2)
    assert '"row_count": 600000' in whole
    assert cut == whole


def test_a_mariadb_read_resumes_after_its_connection_is_killed(tmp_path, mariadb_prefix):
    engine, prefix = mariadb_prefix
    table = f"{prefix}keyed"
    with engine.begin() as conn:
        conn.execute(sa.text(
            f"CREATE TABLE `{table}` (code VARCHAR(4) NOT NULL, n INT NOT NULL, region VARCHAR(8), bucket INT, "
            "PRIMARY KEY (code, n))"))
        conn.execute(sa.text(
            f"INSERT INTO `{table}` SELECT CONCAT('c', seq % 3), seq, IF(seq % 11 = 0, NULL, CONCAT('r', seq % 5)), "
            "IF(seq % 7 = 0, NULL, seq % 3) FROM seq_1_to_400000"))

    def kill() -> int:
        with engine.begin() as conn:
            # sending rows (not sorting them): rows have reached the engine
            ids = conn.execute(sa.text(
                "SELECT id FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND info LIKE :q "
                "AND state IN ('Writing to net', 'Sending data')"), {"q": f"SELECT%{table}%"}).scalars().all()
            if ids:
                time.sleep(0.3)
            for i in ids:
                conn.execute(sa.text(f"KILL CONNECTION {int(i)}"))
            return len(ids)

    cut, whole = _interrupted_build(tmp_path, KEYED_REPORT.format(url=MARIADB_URL, table=table), kill, times=1)
    assert '"row_count": 400000' in whole
    assert cut == whole
