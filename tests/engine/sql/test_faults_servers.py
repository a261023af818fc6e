"""A database server that goes away mid-read (issue 20): the PostgreSQL backend of a
running build is terminated; its table has no unique key, or the read has no order, so
the read cannot go on where it stopped (``test_faults_resume`` has one that does): the build fails at the
source statement, with the source named, how far it got and why, no traceback
(neither ours nor SQLAlchemy's pool's), and the previous output stays."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from ..conftest import MARIADB_URL, PG_URL


@pytest.mark.parametrize(("keyed", "body", "why"), [
    (False, '  group region { footer { text "{SUM(amount)}" } }\n',
     "table {schema}.big has no primary key or unique key"),
    # a primary key, but a read in no order: it is not sorted just in case it is lost
    (True, "", "the rows are read in no order the database keeps"),
], ids=["no unique key", "unordered read"])
def test_a_postgresql_backend_terminated_mid_read(tmp_path, pg_schema, keyed, body, why):
    engine, schema = pg_schema
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE TABLE "{schema}".big AS SELECT g AS id, (g % 7)::text AS region, '
                             f'g * 1.5 AS amount FROM generate_series(1, 3000000) g'))
        if keyed:
            conn.execute(sa.text(f'ALTER TABLE "{schema}".big ADD PRIMARY KEY (id)'))
    # its own application name: the backend to terminate is this build's, not another test's
    url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}application_name={schema}"
    (tmp_path / "pg.report").write_text(
        f'report pg {{\n  source sql "{url}" table {schema}.big\n'
        + body + '  summary { text "{COUNT()}" }\n}\n', encoding="utf-8")
    (tmp_path / "pg.json").write_text("the previous build", encoding="utf-8")
    # --pushdown off: the rows themselves must stream (a pushed summary reads none)
    build = subprocess.Popen([sys.executable, "-m", "reportdsl.cli", "build", "pg.report", "-o", "pg.json", "--quiet",
                              "--pushdown", "off"],
                             cwd=tmp_path, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "REPORTDSL_NO_AST_CACHE": "1"})
    deadline = time.monotonic() + 60
    terminated = 0
    while not terminated:
        assert build.poll() is None, "the build ended before it could be interrupted"
        assert time.monotonic() < deadline, "the build never started fetching"
        with engine.begin() as conn:
            terminated = conn.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :app AND query LIKE 'FETCH%reportdsl_rows%'"), {"app": schema}).scalar()
        time.sleep(0.05)
    _, err = build.communicate(timeout=60)
    assert build.returncode == 1, err
    assert "Traceback" not in err and "Exception during reset" not in err, err
    # at the source statement, naming it, how far it got and why it could not go on
    assert err.startswith("pg.report:2:3: error: reading source 'postgresql") and "failed after" in err, err
    assert why.format(schema=schema) in err, err
    assert (tmp_path / "pg.json").read_text(encoding="utf-8") == "the previous build"


def test_a_driver_option_that_runs_sql_is_refused_unless_allowed(tmp_path, mariadb_prefix):
    """``init_command`` in a ``--source`` URL (or the report's) would run its SQL on
    connecting: refused, naming the option and the opt-in; with the opt-in it runs."""
    engine, prefix = mariadb_prefix
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE `{prefix}t` (n INT)"))
    (tmp_path / "m.report").write_text(
        f'report m {{\n  source sql "{MARIADB_URL}" table {prefix}t\n  summary {{ text "{{COUNT()}}" }}\n}}\n',
        encoding="utf-8")
    url = f"{MARIADB_URL}&init_command=CREATE%20TABLE%20IF%20NOT%20EXISTS%20{prefix}made%20(x%20INT)"
    env = {k: v for k, v in os.environ.items() if k != "REPORTDSL_ALLOW_DRIVER_SQL"}

    def build(**extra):
        return subprocess.run([sys.executable, "-m", "reportdsl.cli", "build", "m.report", "--source", url,
                               "-o", "m.json", "--quiet"], cwd=tmp_path, capture_output=True, text=True,
                              env={**env, **extra})

    def made() -> bool:
        with engine.connect() as conn:
            return bool(conn.execute(sa.text("SHOW TABLES LIKE :t"), {"t": f"{prefix}made"}).all())

    refused = build()
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "the driver option 'init_command' runs SQL" in refused.stderr
    assert "REPORTDSL_ALLOW_DRIVER_SQL=1" in refused.stderr
    assert not made() and not (tmp_path / "m.json").exists()
    allowed = build(REPORTDSL_ALLOW_DRIVER_SQL="1")
    assert allowed.returncode == 0, allowed.stderr
    assert made()
