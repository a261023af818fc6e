"""`reportdsl build` end to end: outputs, formats, parameters, exit codes, atomicity."""

from __future__ import annotations

import json
import subprocess
import sys

from pypdf import PdfReader

from .conftest import EXAMPLES, FIXTURES

REPORT = EXAMPLES / "sales_by_region.report"


def build(*args, cwd):
    return subprocess.run([sys.executable, "-m", "reportdsl.cli", "build", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


def test_default_output_is_a_pdf_named_after_the_report(tmp_path):
    proc = build(REPORT, "--param", "since=2024-11-01", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "sales_by_region.pdf").pages)
    assert "Sales by Region" in text
    assert "Page 1 of" in text
    assert "Grand total" in text


def test_json_result_matches_the_api(tmp_path):
    proc = build(REPORT, "-o", "out.json", "--param", "since=2024-06-01", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "out.json").read_text())
    assert data["report"] == "sales_by_region"
    assert data["parameters"]["since"] == "2024-06-01"
    assert data["row_count"] == sum(g["row_count"] for g in data["groups"])
    assert data["groups"][0]["group"] == "region" and "groups" in data["groups"][0]
    assert "groups" not in data["groups"][0]["groups"][0]


def test_png_pages_use_the_page_number_pattern(tmp_path):
    proc = build(FIXTURES / "ok" / "minimal.report", "-o", "page{n}.png", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "page1.png").read_bytes().startswith(b"\x89PNG")


def test_bad_parameter_exits_1_names_it_and_keeps_the_previous_output(tmp_path):
    previous = tmp_path / "sales_by_region.pdf"
    previous.write_bytes(b"previous build")
    proc = build(REPORT, "--param", "since=2024-13-01", cwd=tmp_path)
    assert proc.returncode == 1
    assert "since" in proc.stderr and "Traceback" not in proc.stderr
    assert previous.read_bytes() == b"previous build"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sales_by_region.pdf"]


def test_malformed_param_is_a_usage_error(tmp_path):
    proc = build(REPORT, "--param", "since", cwd=tmp_path)
    assert proc.returncode == 2


def test_source_replaces_a_report_source_that_is_not_there(tmp_path):
    """`--source` is what the build reads: the report's own source need not be
    reachable (a report written against a production database, run over a CSV), and
    the schema comes from the replacement; a missing replacement is the error."""
    (tmp_path / "r.report").write_text(
        'report r {\n  source sql "postgresql+psycopg://nobody@127.0.0.1:1/none" table t\n'
        '  summary { text "{SUM(amount)} over {COUNT()} rows" }\n}\n', encoding="utf-8")
    (tmp_path / "local.csv").write_text("amount\n1.5\n2.25\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "reportdsl", "build", "r.report", "-o", "r.json",
                           "--source", "local.csv"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["totals"]["SUM(amount)"] == 3.75
    done = subprocess.run([sys.executable, "-m", "reportdsl", "build", "r.report", "-o", "r.json",
                           "--source", "gone.csv"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "r.report: error: --source: cannot open source 'gone.csv'" in done.stderr
