"""The database servers of tests/engine, for the differential tests."""

from tests.engine.conftest import mariadb_engine, mariadb_prefix, pg_engine, pg_schema  # noqa: F401
