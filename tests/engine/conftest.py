"""Fixtures for the engine tests: database servers, report compilation, runs.

PostgreSQL (127.0.0.1:5432, user postgres, database ``test``) and MariaDB
(127.0.0.1:3306, root, database ``test``) tests skip with the reason when the server
cannot be reached — unless ``REPORTDSL_REQUIRE_SERVERS=1`` (CI), which makes that a
failure. Each test gets its own schema (PostgreSQL) or table-name prefix (MariaDB)
and drops what it made.
"""

from __future__ import annotations

import os
import uuid

import pytest

from ..conftest import missing

PG_URL = os.environ.get("REPORTDSL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MARIADB_URL = os.environ.get("REPORTDSL_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4")


def _server(url: str, name: str, where: str):
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(url, connect_args=_timeout(url))
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return engine
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        reason = f"{name} not reachable at {where}: {str(exc).splitlines()[0]}"
        missing(reason)


def _timeout(url: str) -> dict:
    if url.startswith("postgresql"):
        return {"connect_timeout": 5}
    if url.startswith("mysql"):
        return {"connect_timeout": 5}
    return {}


@pytest.fixture(scope="session")
def pg_engine():
    engine = _server(PG_URL, "PostgreSQL", "127.0.0.1:5432")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def mariadb_engine():
    engine = _server(MARIADB_URL, "MariaDB", "127.0.0.1:3306")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_schema(pg_engine):
    """A fresh PostgreSQL schema; yields (engine, schema name, URL)."""
    import sqlalchemy as sa

    schema = f"rdsl_{uuid.uuid4().hex[:10]}"
    with pg_engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield pg_engine, schema
    finally:
        with pg_engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def mariadb_prefix(mariadb_engine):
    """A unique table-name prefix in MariaDB's ``test`` database; tables are dropped after."""
    import sqlalchemy as sa

    prefix = f"rdsl_{uuid.uuid4().hex[:10]}_"
    try:
        yield mariadb_engine, prefix
    finally:
        with mariadb_engine.begin() as conn:
            names = conn.execute(sa.text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
                "AND table_name LIKE :p"), {"p": prefix + "%"}).scalars().all()
            for name in names:
                conn.execute(sa.text(f"DROP TABLE `{name}`"))


@pytest.fixture
def compile_report(tmp_path):
    """``compile_report(text)``: the compiled report, relative paths against tmp_path."""
    import reportdsl

    def build(text: str, base_dir=None):
        return reportdsl.compile(text, filename=str((base_dir or tmp_path) / "test.report"),
                                 base_dir=str(base_dir or tmp_path))

    return build


@pytest.fixture
def run_result():
    """``run_result(report, **kw)``: the JSON result (dict) of one run."""
    from reportdsl.engine import run
    from reportdsl.engine.stream.result import ResultSink

    def go(report, **kw):
        sink = ResultSink(report.plan)
        run(report.plan, sink, source_text=report.source, **kw)
        return sink.result

    return go
