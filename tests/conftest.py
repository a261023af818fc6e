"""Shared test fixtures: paths to the golden .report files and the examples."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
EXAMPLES = ROOT / "examples"


def missing(reason: str) -> NoReturn:
    """A server, runtime or facility a test needs is not here: skip with the reason,
    or fail where it must be (CI sets ``REPORTDSL_REQUIRE_SERVERS=1``)."""
    if os.environ.get("REPORTDSL_REQUIRE_SERVERS") == "1":
        pytest.fail(reason + " (REPORTDSL_REQUIRE_SERVERS=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-visuals", action="store_true", default=False,
        help="write the pages the visual tests render as their new reference pictures "
             "(tests/render/visuals/); look at them, then commit them",
    )


# ---- Spark (``source spark``): one local session for the whole test run -------------

SPARK_MASTER = "local[2]"
_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c: %m%n
"""


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    """The test run's one SparkSession (``SPARK_MASTER``; starting one costs ~10 s): no UI,
    two shuffle partitions, log4j at ERROR. Reports over ``source spark "local[2]"`` use
    it, and see the temporary views the tests make in it."""
    import shutil

    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing("Spark needs Java (17 or later), which is not installed")
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pyspark.sql import SparkSession
    except ImportError:
        missing("pyspark is not installed (pip install '.[test]')")
    folder = tmp_path_factory.mktemp("spark")
    (folder / "log4j2.properties").write_text(_LOG4J)
    session = (SparkSession.builder.master(SPARK_MASTER).appName("reportdsl-tests")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.warehouse.dir", str(folder / "warehouse"))
               .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{folder}/log4j2.properties")
               .getOrCreate())
    yield session
    session.stop()
