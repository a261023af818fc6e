"""``reportdsl fmt REPORT… [--check]`` (CONTRACT.md §7): rewrites, lists, exit status;
files with errors, or that fmt cannot format safely, are never touched."""

from __future__ import annotations

import os
import subprocess
import sys

from click.testing import CliRunner

from reportdsl.cli import main
from reportdsl.fmt import printer as fmt_printer

MESSY = 'report r {title "x"\n  group g{keep_together}}\n'
TIDY = 'report r {\n  title "x"\n\n  group g {\n    keep_together\n  }\n}\n'


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_check_lists_what_would_change_and_changes_nothing(tmp_path):
    messy, tidy = _write(tmp_path / "messy.report", MESSY), _write(tmp_path / "tidy.report", TIDY)
    result = CliRunner().invoke(main, ["fmt", "--check", str(messy), str(tidy)])
    assert result.exit_code == 1
    assert result.output == f"{messy}: would be reformatted\n"
    assert messy.read_text(encoding="utf-8") == MESSY


def test_check_of_tidy_files_exits_0(tmp_path):
    tidy = _write(tmp_path / "tidy.report", TIDY)
    result = CliRunner().invoke(main, ["fmt", "--check", str(tidy)])
    assert (result.exit_code, result.output) == (0, "")


def test_fmt_rewrites_in_place_keeping_permissions(tmp_path):
    messy = _write(tmp_path / "messy.report", MESSY)
    messy.chmod(0o640)
    result = CliRunner().invoke(main, ["fmt", str(messy)])
    assert (result.exit_code, result.output) == (0, f"{messy}: formatted\n")
    assert messy.read_text(encoding="utf-8") == TIDY
    assert messy.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["messy.report"]  # nothing left aside
    again = CliRunner().invoke(main, ["fmt", str(messy)])
    assert (again.exit_code, again.output) == (0, "")


def test_windows_line_ends_become_newlines(tmp_path):
    path = tmp_path / "crlf.report"
    path.write_bytes(TIDY.replace("\n", "\r\n").encode())
    assert CliRunner().invoke(main, ["fmt", "--check", str(path)]).exit_code == 1
    assert CliRunner().invoke(main, ["fmt", str(path)]).exit_code == 0
    assert path.read_bytes() == TIDY.encode()


def test_a_syntax_error_is_reported_like_check_and_the_file_kept(tmp_path):
    bad = _write(tmp_path / "bad.report", "report r { title }\n")
    good = _write(tmp_path / "good.report", MESSY)
    proc = subprocess.run([sys.executable, "-m", "reportdsl", "fmt", str(bad), str(good)],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"{bad}:1:18: error: expected '{{' or a string, found '}}'")
    assert "Traceback" not in proc.stderr
    assert bad.read_text(encoding="utf-8") == "report r { title }\n"
    assert good.read_text(encoding="utf-8") == TIDY  # the other files are still formatted
    checked = subprocess.run([sys.executable, "-m", "reportdsl", "check", str(bad)], capture_output=True, text=True)
    assert checked.stderr == proc.stderr


def test_a_refusal_leaves_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(fmt_printer, "GROUP_FLAGS", ())
    path = _write(tmp_path / "r.report", MESSY)
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.exit_code == 1
    assert "fmt would change the report" in result.output and "left as it is" in result.output
    assert path.read_text(encoding="utf-8") == MESSY


def test_a_missing_file(tmp_path):
    result = CliRunner().invoke(main, ["fmt", str(tmp_path / "none.report")])
    assert result.exit_code == 1
    assert "no such report file" in result.output


def test_standard_input_to_standard_output():
    result = CliRunner().invoke(main, ["fmt", "-"], input=MESSY)
    assert (result.exit_code, result.output) == (0, TIDY)
    checked = CliRunner().invoke(main, ["fmt", "--check", "-"], input=MESSY)
    assert (checked.exit_code, checked.output) == (1, "-: would be reformatted\n")


def test_a_link_to_a_report_formats_the_report(tmp_path):
    real = _write(tmp_path / "real.report", MESSY)
    link = tmp_path / "link.report"
    link.symlink_to(real)
    assert CliRunner().invoke(main, ["fmt", str(link)]).exit_code == 0
    assert link.is_symlink() and real.read_text(encoding="utf-8") == TIDY
