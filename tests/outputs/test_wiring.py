"""XLSX and CSV through the command line and the API (CONTRACT.md §2, §6): from the
extension of -o or --format, --csv-bom, -o -, render() bytes, build() atomically; an
unknown extension is a usage error (exit 2), never a PDF by another name."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import openpyxl
import pytest

import reportdsl
from tests.outputs.support import EXAMPLES

REPORT = EXAMPLES / "sales_by_region.report"


def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "reportdsl.cli", "build", str(REPORT), "--quiet", *map(str, args)],
                          capture_output=True, cwd=cwd)


def test_the_extension_of_o_chooses_xlsx_and_csv(tmp_path):
    for name in ("out.xlsx", "OUT.CSV"):
        proc = cli("-o", name, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr.decode()
    workbook = openpyxl.load_workbook(tmp_path / "out.xlsx", read_only=True)
    assert workbook.active.cell(1, 1).value == "Sales by Region"
    lines = list(csv.reader(io.StringIO((tmp_path / "OUT.CSV").read_text(encoding="utf-8"))))
    assert lines[0] == ["Date", "Product", "Sales rep", "Qty", "Revenue"]
    result = reportdsl.compile_file(str(REPORT)).run()
    assert len(lines) - 1 == result.row_count


def test_format_bom_and_standard_output(tmp_path):
    proc = cli("-o", "-", "--format", "csv", "--csv-bom", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.startswith(b"\xef\xbb\xbfDate,Product,")
    plain = cli("-o", "-", "--format", "csv", cwd=tmp_path)
    assert plain.stdout.startswith(b"Date,Product,")
    assert list(tmp_path.iterdir()) == []  # nothing written beside standard output


@pytest.mark.parametrize("name", ["out.docx", "report.pdf.bak"])
def test_an_unknown_extension_is_a_usage_error(tmp_path, name):
    proc = cli("-o", name, cwd=tmp_path)
    assert proc.returncode == 2
    assert f"no output format has the extension '{name[name.rindex('.'):]}'" in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode() and not (tmp_path / name).exists()


def test_render_returns_bytes_and_build_writes_atomically(tmp_path):
    report = reportdsl.compile_file(str(REPORT))
    xlsx = report.render(format="xlsx")
    assert openpyxl.load_workbook(io.BytesIO(xlsx)).active.cell(1, 1).value == "Sales by Region"
    text = report.render(format="csv", csv_bom=True).decode("utf-8")
    assert text.startswith("\ufeffDate,")
    target = tmp_path / "keep.csv"
    target.write_text("old")
    result = report.build(target)
    assert result.row_count == len(target.read_text(encoding="utf-8").splitlines()) - 1
    assert report.render(format="json").startswith(b"{")
