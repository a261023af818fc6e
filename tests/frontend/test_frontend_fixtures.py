"""Golden fixtures: one .report file per case, a snapshot per stage.

tests/fixtures/ok/*.report      -> the compiled plan (JSON) snapshot, and a JSON round trip
tests/fixtures/errors/*.report  -> the error text snapshot (exactly what the CLI prints)
"""

from __future__ import annotations

import json

import pytest

import reportdsl
from reportdsl.errors import ReportCheckError, ReportError, ReportSyntaxError
from reportdsl.plan import Plan

from ..conftest import FIXTURES

OK = sorted((FIXTURES / "ok").glob("*.report"))
ERRORS = sorted((FIXTURES / "errors").glob("*.report"))


def relative_name(path) -> str:
    return str(path.relative_to(FIXTURES.parent))


def compile_fixture(path):
    return reportdsl.compile(path.read_text(encoding="utf-8"), filename=relative_name(path), base_dir=str(path.parent))


@pytest.mark.parametrize("path", OK, ids=lambda p: p.stem)
def test_plan_snapshot(path, snapshot):
    plan = compile_fixture(path).plan
    # base_dir is absolute and differs between machines
    dumped = json.loads(plan.model_dump_json(exclude={"base_dir"}))
    assert json.dumps(dumped, indent=1, ensure_ascii=False) == snapshot


@pytest.mark.parametrize("path", OK, ids=lambda p: p.stem)
def test_plan_round_trips(path):
    plan = compile_fixture(path).plan
    assert Plan.model_validate_json(plan.model_dump_json()) == plan


@pytest.mark.parametrize("path", ERRORS, ids=lambda p: p.stem)
def test_error_snapshot(path, snapshot):
    with pytest.raises(ReportError) as caught:
        compile_fixture(path)
    err = caught.value
    assert isinstance(err, (ReportSyntaxError, ReportCheckError))
    assert err.filename == relative_name(path)
    assert err.line is not None and err.column is not None
    # messages name the resolved path of a missing file; it differs between machines
    assert str(err).replace(str(FIXTURES), "<fixtures>") == snapshot
