"""The check/plan/parse commands: exit codes, output, no tracebacks (CONTRACT.md §1)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

import reportdsl
from reportdsl.cli import main
from reportdsl.plan import Plan

from ..conftest import EXAMPLES, FIXTURES

EXAMPLE_REPORTS = sorted(EXAMPLES.glob("*.report"))


@pytest.mark.parametrize("path", EXAMPLE_REPORTS, ids=lambda p: p.stem)
def test_every_example_checks(path):
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{path}: ok"


def test_plan_prints_json_that_round_trips():
    result = CliRunner().invoke(main, ["plan", str(EXAMPLES / "sales_by_region.report")])
    assert result.exit_code == 0, result.output
    plan = Plan.model_validate_json(result.output)
    assert plan.name == "sales_by_region"
    assert [g.name for g in plan.groups] == ["region", "customer"]
    assert plan == reportdsl.compile_file(EXAMPLES / "sales_by_region.report").plan


def test_parse_prints_the_ast():
    result = CliRunner().invoke(main, ["parse", str(FIXTURES / "ok" / "minimal.report")])
    assert result.exit_code == 0, result.output
    tree = json.loads(result.output)
    assert tree["node"] == "Report" and tree["name"]["name"] == "minimal"


def test_check_reports_every_file_and_exits_1():
    bad = FIXTURES / "errors" / "unknown_name.report"
    good = FIXTURES / "ok" / "minimal.report"
    proc = subprocess.run(
        [sys.executable, "-m", "reportdsl.cli", "check", str(good), str(bad)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 1
    assert f"{good}: ok" in proc.stdout
    assert "error: unknown name 'revnue' (did you mean 'revenue'?)" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_file_is_a_report_error_not_a_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "reportdsl.cli", "plan", str(tmp_path / "nope.report")],
        capture_output=True, text=True,
    )
    assert proc.returncode == 1
    assert "no such report file" in proc.stderr and "Traceback" not in proc.stderr


def test_usage_error_exits_2():
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2


def test_error_attributes_match_the_contract():
    with pytest.raises(reportdsl.ReportSyntaxError) as caught:
        reportdsl.compile('report r {\n  where x = = 1\n}', filename="r.report")
    err = caught.value
    assert isinstance(err, reportdsl.ReportError)
    assert (err.filename, err.line) == ("r.report", 2)
    assert str(err).startswith("r.report:2:")
