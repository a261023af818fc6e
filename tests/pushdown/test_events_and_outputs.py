"""Pushed and streamed runs send the same events: the same calls in the same order,
with the same values and deferred slots (a header's total is deferred, an ``over
report`` value waits for the report's end) — so the JSON result, the Typst document,
XLSX and CSV are the same. Also the command line: ``--pushdown``, ``--stats``,
``plan --sql``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import reportdsl
from reportdsl.engine import run
from reportdsl.engine.stream.events import ReportEnd

from . import data

REPORT = """
report events {{
  title "Events"
  source {source}
  where q >= 0
  page_header {{ text "{{title}}" }}
  columns {{
    column name "Name"
    column rows "Rows" | number
    column share "Share" | percent(1)
  }}
  group g1 {{
    header {{ text "{{g1}} — {{COUNT()}} rows, {{SUM(q) over report}} in all" bold when COUNT() > 10 }}
    footer {{ row {{ name: "{{g1}}", rows: COUNT(), share: SUM(q) / SUM(q) over report }} }}
  }}
  group g2 {{
    footer {{ row {{ name: "{{g2}}", rows: COUNT(), share: SUM(q) / SUM(q) over g1 }} when COUNT() > 1 }}
  }}
  summary {{ text "{{COUNT()}} rows, {{MIN(g1)}} to {{MAX(g1)}}, {{AVG(q) | number(3)}}" }}
}}
"""


class Recorder:
    def __init__(self):
        self.events: list[tuple] = []

    def report_start(self, params, values):
        self.events.append(("report_start", dict(params), dict(values)))

    def group_start(self, level, key, values):
        self.events.append(("group_start", level, key, dict(values)))

    def detail(self, row):
        self.events.append(("detail", row))

    def group_end(self, level, key, row_count, values):
        self.events.append(("group_end", level, key, row_count, dict(values)))

    def resolve(self, slot, value):
        self.events.append(("resolve", slot, value))

    def report_end(self, end: ReportEnd):
        self.events.append(("report_end", dict(end.values), end.row_count, end.no_data, end.skipped_rows))


@pytest.fixture
def report(tmp_path):
    source = data.sqlite_table(tmp_path / "t.db", data.rows(big=False))
    path = tmp_path / "events.report"
    path.write_text(REPORT.format(source=source), encoding="utf-8")
    return path


def test_event_streams_are_identical(report):
    compiled = reportdsl.compile_file(str(report))
    streams = {}
    for mode in ("off", "force"):
        sink = Recorder()
        stats = run(compiled.plan, sink, source_text=compiled.source, pushdown=mode)
        streams[mode] = sink.events
        assert stats.pushdown == ("pushed" if mode == "force" else "off")
    assert any(e[0] == "resolve" for e in streams["off"])  # deferred values are part of it
    assert streams["force"] == streams["off"]


@pytest.mark.parametrize("fmt", ["json", "typ"])
def test_outputs_are_identical(report, fmt):
    compiled = reportdsl.compile_file(str(report))
    pushed = compiled.render(format=fmt, pushdown="force")
    assert pushed == compiled.render(format=fmt, pushdown="off")


def _cli(*args, cwd):
    root = str(Path(reportdsl.__file__).resolve().parent.parent)  # this checkout, also from a worktree
    env = {**os.environ, "PYTHONPATH": root}
    return subprocess.run([sys.executable, "-m", "reportdsl", *args], capture_output=True, text=True, cwd=cwd,
                          env=env)


def test_command_line(report, tmp_path):
    out = _cli("build", str(report), "-o", str(tmp_path / "r.json"), "--stats", "--quiet", "--pushdown", "force",
               cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert '"pushdown": "pushed"' in out.stdout
    out = _cli("plan", "--sql", str(report), cwd=tmp_path)
    assert out.returncode == 0 and out.stdout.startswith("-- pushed down to sqlite")
    assert "UNION ALL" in out.stdout and "COLLATE BINARY" in out.stdout


def test_force_names_what_cannot_be_pushed(tmp_path):
    source = data.sqlite_table(tmp_path / "t.db", data.rows(big=False))
    path = tmp_path / "median.report"
    path.write_text(f'report median {{\n  source {source}\n  group g1 {{\n'
                    '    footer { text "{MEDIAN(q)   over report}" }\n  }\n}\n', encoding="utf-8")
    out = _cli("build", str(path), "-o", str(tmp_path / "m.json"), "--pushdown", "force", cwd=tmp_path)
    assert out.returncode == 1
    assert "median.report:4:21: error: cannot push down: MEDIAN(q) over report has no exact SQL form on sqlite" \
        in out.stderr
    assert "Traceback" not in out.stderr
    out = _cli("plan", "--sql", str(path), cwd=tmp_path)
    assert out.stdout == "-- streams: MEDIAN(q) over report has no exact SQL form on sqlite\n"
    out = _cli("build", str(path), "-o", str(tmp_path / "m.json"), "--stats", "--quiet", cwd=tmp_path)
    assert out.returncode == 0 and '"pushdown": "streamed: MEDIAN(q) over report' in out.stdout
