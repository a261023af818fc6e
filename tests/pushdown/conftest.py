"""Fixtures: the pushdown table (``data``) in each database, the server fixtures of
tests/engine (which skip without a server unless REPORTDSL_REQUIRE_SERVERS=1) and
the test run's Spark session (``tests/conftest.py``)."""

from __future__ import annotations

import pytest

from tests.engine.conftest import MARIADB_URL, PG_URL, mariadb_engine, mariadb_prefix, pg_engine, pg_schema  # noqa: F401

from . import data

DATABASES = ("sqlite", "postgresql", "mariadb", "duckdb", "spark")


@pytest.fixture
def database(request, tmp_path, monkeypatch):
    """``database(rows)``: the ``source …`` statement of a report over table ``t`` holding
    ``rows`` in the database named by the test's ``kind`` parameter."""
    kind = request.param

    def load(rows: list[tuple]) -> str:
        if kind == "sqlite":
            return data.sqlite_table(tmp_path / "t.db", rows)
        if kind == "spark":  # the test run's one local session (tests/conftest.py)
            return data.spark_table(request.getfixturevalue("spark"), "spark_pushdown_t", rows)
        if kind == "duckdb":
            pytest.importorskip("duckdb_engine")
            return data.duckdb_table(tmp_path / "t.duckdb", rows)
        if kind == "postgresql":
            engine, schema = request.getfixturevalue("pg_schema")
            data.server_table(engine, "t", rows, schema)
            monkeypatch.setenv("RDSL_PUSHDOWN_URL", f"{PG_URL}?options=-csearch_path%3D{schema}")
            return 'sql env("RDSL_PUSHDOWN_URL") table t'
        engine, prefix = request.getfixturevalue("mariadb_prefix")
        data.server_table(engine, prefix + "t", rows)
        monkeypatch.setenv("RDSL_PUSHDOWN_URL", MARIADB_URL)
        return f'sql env("RDSL_PUSHDOWN_URL") table {prefix}t'

    load.kind = kind  # type: ignore[attr-defined]
    return load
