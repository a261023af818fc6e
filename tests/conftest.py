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
