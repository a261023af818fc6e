"""A full disk (issue 20): the engine's sort, the document's work folder and the output
folder running out of room are errors in the user's terms (exit 1, no traceback), and
leave neither a partial output nor the work folder behind.

Needs a small tmpfs (root may mount one); elsewhere the tests skip with the reason,
unless ``REPORTDSL_REQUIRE_SERVERS=1`` (CI), which makes that a failure."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from ..conftest import missing
from .test_safety_signals import work_folders


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs, mounted for the test."""
    mount = tmp_path / f"small-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        reason = f"cannot mount a small tmpfs here: {done.stderr.strip() or done.returncode}"
        missing(reason)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def _report(folder):
    rows = "".join(f"{'NSEW'[i % 4]},{i},{'n' * 40}\n" for i in range(60_000))
    (folder / "mid.csv").write_text("region,amount,note\n" + rows, encoding="utf-8")
    (folder / "mid.report").write_text(
        'report m {\n  source csv "mid.csv" { amount: int }\n  group region { footer { text "{SUM(amount)}" } }\n'
        '  detail {\n    column a "A" = amount\n    column n "N" = note\n  }\n}\n', encoding="utf-8")


def _build(folder, *args, temp=None):
    env = {**os.environ, "REPORTDSL_NO_AST_CACHE": "1"} | ({"TMPDIR": str(temp)} if temp else {})
    return subprocess.run([sys.executable, "-m", "reportdsl.cli", "build", "mid.report", "--quiet", *args],
                          cwd=folder, env=env, capture_output=True, text=True)


def test_a_full_temporary_folder_is_an_error_that_names_it(tmp_path, small_disk):
    _report(tmp_path)
    done = _build(tmp_path, "-o", "out.pdf", temp=small_disk)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "No space left on device" in done.stderr
    assert str(small_disk) in done.stderr and "TMPDIR" in done.stderr
    assert not (tmp_path / "out.pdf").exists() and work_folders(small_disk) == []


def test_the_engines_sort_on_a_full_disk_is_an_error_that_names_the_folder(tmp_path, small_disk, monkeypatch):
    import tempfile

    import reportdsl
    from reportdsl.engine import run
    from reportdsl.engine.stream.sinks import NullSink

    _report(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(small_disk))
    report = reportdsl.compile_file(tmp_path / "mid.report")
    with pytest.raises(reportdsl.ReportError, match="cannot write the rows to sort in .*No space left"):
        run(report.plan, NullSink(), memory_budget=100_000)  # spills to the small disk


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "csv"])
def test_a_full_output_folder_keeps_the_old_output_and_leaves_no_part(tmp_path, small_disk, fmt):
    _report(tmp_path)
    old = small_disk / f"out.{fmt}"
    old.write_bytes(b"the previous build")
    (small_disk / "filler").write_bytes(b"\0" * (2 * 1024 * 1024 - len(b"the previous build") - 64 * 1024))
    done = _build(tmp_path, "-o", str(old))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert "No space left on device" in done.stderr
    assert old.read_bytes() == b"the previous build"
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", old.name]


@pytest.mark.parametrize(("shape", "what"), [
    ("group region { }\n  detail {\n    column n \"N\" = note\n"
     "    column s \"S\" = amount / SUM(amount) over region whole\n  }",
     "the rows waiting for their group's values"),
    ("group region { }\n  on_error skip\n  group n = note order by SUM(amount) desc limit 1 others \"rest\" { }",
     "the rows to sort"),
    ("group n = note order by SUM(amount) desc limit 1 others \"rest\" { }\n"
     "  detail { column n \"N\" = note }", "the rows waiting for their group's rank"),
])
def test_the_runs_ahead_on_a_full_disk_are_an_error_that_names_the_folder(tmp_path, small_disk, monkeypatch,
                                                                          shape, what):
    # one region of 60,000 rows from a database that orders them: the rows wait for the
    # region's values (or its notes' ranks, or the notes' ranks in the report) past the
    # budget, on the small disk
    import sqlite3
    import tempfile

    import reportdsl
    from reportdsl.engine import run
    from reportdsl.engine.stream.sinks import NullSink

    con = sqlite3.connect(tmp_path / "one.db")
    con.execute("CREATE TABLE t (region TEXT, note TEXT, amount INTEGER)")
    con.executemany("INSERT INTO t VALUES ('N', ?, ?)", [(f"{i % 7}{'n' * 40}", i) for i in range(60_000)])
    con.commit()
    con.close()
    report = reportdsl.compile(f'report o {{\n  source sql "sqlite:///one.db" table t\n'
                               f'  {shape}\n}}\n', filename=str(tmp_path / "o.report"), base_dir=str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", str(small_disk))
    with pytest.raises(reportdsl.ReportError, match=f"cannot write {what} in .*No space left"):
        run(report.plan, NullSink(), source_text=report.source, memory_budget=100_000, pushdown="off")
