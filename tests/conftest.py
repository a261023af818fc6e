"""Shared test fixtures: paths to the golden .report files and the examples."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-visuals", action="store_true", default=False,
        help="write the pages the visual tests render as their new reference pictures "
             "(tests/render/visuals/); look at them, then commit them",
    )
