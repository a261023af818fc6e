"""Which files a preview watches (``reportdsl.preview.dependencies``) and a build that
a newer change cancels (``reportdsl.preview.builds``)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import reportdsl
from reportdsl.plan.models import Plan, SourceSpec
from reportdsl.preview.builds import Builder
from reportdsl.preview.dependencies import dependencies
from reportdsl.preview.rebuilds import Rebuilds

from ..conftest import EXAMPLES
from .conftest import report_text, rows_csv


def test_the_data_file_and_images_of_an_example(monkeypatch):
    monkeypatch.chdir(EXAMPLES.parent)
    report = Path("examples/orders_jsonl.report")
    watch = dependencies(report, reportdsl.compile_file(report).plan, None)
    assert watch.files == {EXAMPLES / "orders_jsonl.report", EXAMPLES / "data/orders.jsonl",
                           EXAMPLES / "assets/logo.png"}
    assert watch.folders == {EXAMPLES, EXAMPLES / "data", EXAMPLES / "assets"}
    assert watch.concerns(str(EXAMPLES / "data/orders.jsonl"))
    assert not watch.concerns(str(EXAMPLES / "data/sales.csv"))


def test_a_sqlite_file_a_template_and_its_neighbours(tmp_path):
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl/mine.typ.j2").write_text('{% extends "builtin/report.typ.j2" %}', encoding="utf-8")
    report = tmp_path / "r.report"
    report.write_text('report r {\n  source sql "sqlite:///db/sales.db" table sales\n'
                      '  template "tpl/mine.typ.j2"\n  detail { column a "A" = 1 }\n}\n', encoding="utf-8")
    plan = Plan.model_construct(name="r", filename=str(report), base_dir=str(tmp_path), template="tpl/mine.typ.j2",
                                source=SourceSpec.model_construct(kind="sql", location="sqlite:///db/sales.db",
                                                                  span=(0, 0)))
    watch = dependencies(report, plan, None)
    assert watch.files == {report, tmp_path / "db/sales.db", tmp_path / "tpl/mine.typ.j2"}
    assert watch.concerns(str(tmp_path / "tpl/_parts.typ.j2"))  # an included neighbour
    assert not watch.concerns(str(tmp_path / "tpl/notes.txt"))


def test_source_override_server_urls_and_a_broken_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text(rows_csv(2), encoding="utf-8")
    report = tmp_path / "live.report"
    report.write_text(report_text(), encoding="utf-8")
    plan = reportdsl.compile_file(report).plan
    assert dependencies(report, plan, None).files == {report, tmp_path / "data.csv"}
    assert dependencies(report, plan, "other.jsonl").files == {report, tmp_path / "other.jsonl"}
    assert dependencies(report, plan, "postgresql://db.example/sales").files == {report}
    before = dependencies(report, plan, None)
    # a report that does not compile keeps watching what it read before
    assert dependencies(report, None, None, before).files == before.files
    assert dependencies(report, None, None).files == {report}


def test_a_cancelled_build_is_superseded_and_a_good_one_has_pages(tmp_path):
    (tmp_path / "data.csv").write_text(rows_csv(2), encoding="utf-8")
    (tmp_path / "live.report").write_text(report_text(), encoding="utf-8")
    compiled: list[bool] = []
    builder = Builder(str(tmp_path / "live.report"), params={}, source=None, format="svg",
                      allow_outside_paths=False, on_compiled=lambda: compiled.append(True))
    cancel = threading.Event()
    cancel.set()
    outcome = builder.build(cancel)
    assert outcome.superseded and outcome.pages is None and outcome.error is None
    outcome = builder.build(threading.Event())
    assert not outcome.superseded and outcome.error is None
    assert len(outcome.pages) == 1 and outcome.pages[0].startswith(b"<svg")
    assert compiled == [True]  # once, after the first report that compiled
    assert outcome.watch.files == {tmp_path / "live.report", tmp_path / "data.csv"}


def test_a_change_during_a_build_cancels_it_and_builds_again(tmp_path):
    """The first build reads 400,000 rows (about a second); a change 0.15 s in stops it
    (after the compile, or at the engine's next progress point), and the one build that
    finishes is the newer one: had the first run to its end, it would be a finished
    build of its own."""
    (tmp_path / "data.csv").write_text(rows_csv(400_000), encoding="utf-8")
    (tmp_path / "live.report").write_text('report big {\n  source csv "data.csv" { id: int, amount: int }\n'
                                          '  summary { text "{SUM(amount)}" }\n}\n', encoding="utf-8")
    builder = Builder(str(tmp_path / "live.report"), params={}, source=None, format="svg",
                      allow_outside_paths=False)
    outcomes = []
    build = builder.build
    builder.build = lambda cancel: outcomes.append(build(cancel)) or outcomes[-1]  # type: ignore[method-assign]

    async def edit_during_the_first_build():
        rebuilds = Rebuilds(builder, log=False)
        running = asyncio.create_task(rebuilds.run())
        await asyncio.sleep(0.15)
        rebuilds.request()
        started = time.monotonic()
        while rebuilds.state.version == 0 and time.monotonic() - started < 120:
            await asyncio.sleep(0.05)
        rebuilds.stop()
        running.cancel()
        return rebuilds.state

    # on a thread of its own: Playwright's browser, when the browser tests ran first,
    # holds this thread's event loop
    result: list = []
    runner = threading.Thread(target=lambda: result.append(asyncio.run(edit_during_the_first_build())))
    runner.start()
    runner.join(timeout=180)
    (state,) = result
    assert [o.superseded for o in outcomes] == [True, False]
    assert state.version == 1 and state.error is None and len(state.pages) == 1
