#!/usr/bin/env python3
"""Rendering benchmark (issue 4): run by hand, prints figures.

    .venv/bin/python benchmarks/bench_render.py [--rows 10000] [--keep DIR] [--template business]
    .venv/bin/python benchmarks/bench_render.py --page-totals-ab 8   # only what page totals cost

Measures, each in a fresh Python process, best of ``--repeat`` runs (Typst caches layouts between compiles in
one process, which would flatter repeated runs):

1. end-to-end build of a detail report over ``--rows`` rows from SQLite (compile the
   .report, run the engine, write Typst, typeset, write the PDF): rows/s, in-process
   seconds and wall time (with interpreter start and imports);
2. compiling the emitted ``report.typ`` alone with typst, and our overhead: build time
   over compile-alone time (target ≤ 1.10), best against best; and, less at the mercy of
   a noisy machine, each build's time over its own Typst call (the same compile, timed
   in the same process), the median of the runs;
3. the renderer alone (events fed straight to the sink, no engine): µs per row;
4. a one-page report, wall time of the whole ``reportdsl build`` command (target
   ≤ 0.5 s), and of a Python script calling the API, with its split;
5. PDF bytes per detail row and each process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DETAIL_REPORT = """
report bench_detail {
  title "Order lines"
  locale "en_US"
  currency "USD"
  page a4 margin 1.5cm
  source sql "sqlite:///sales.db" table sales
  WHERE
  sort by id
  field revenue = quantity * unit_price
  page_header { text "{title}" bold }
  detail {
    column id       "Id"       = id                        width 1.4cm
    column date     "Date"     = order_date | date("yyyy-MM-dd") width 2cm
    column customer "Customer" = customer_name             width 2fr
    column product  "Product"  = product                   width 2fr
    column qty      "Qty"      = quantity                  width 1.1cm
    column revenue  "Revenue"  = revenue | currency        width 2.4cm
  }
  summary { row { product: "Total", qty: SUM(quantity), revenue: SUM(revenue) } }
  page_footer { text "Page {page} of {pages}" align center }
}
"""

PAGE_TOTALS_FOOTER = """page_footer {
    text "Page total {SUM(revenue) over page | currency}, carried forward {SUM(revenue) running | currency}"
    text "Page {page} of {pages}" align center
  }"""

BUILD = """
import json, sys, time
from benchmarks.peak_memory import peak_mb
t0 = time.perf_counter()
import reportdsl
from reportdsl.render import render_report
import reportdsl.render.typeset.compile as compile_stage
t1 = time.perf_counter()
c1 = time.process_time()
typst_seconds = 0.0
typst_call = compile_stage.typst.compile_with_warnings
def timed_typst(*args, **kwargs):  # Typst's own share of this build, measured in place
    global typst_seconds
    started = time.perf_counter()
    try:
        return typst_call(*args, **kwargs)
    finally:
        typst_seconds += time.perf_counter() - started
compile_stage.typst.compile_with_warnings = timed_typst
report = reportdsl.compile_file(sys.argv[1])
result = render_report(report.plan, "pdf", source_text=report.source, workdir=sys.argv[2])
result.write(sys.argv[3])
t2 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "build": t2 - t1, "cpu": time.process_time() - c1, "run": result.timings["run"],
                  "compile": result.timings["compile"], "typst": typst_seconds, "rows": result.rows,
                  "rss_mb": peak_mb()}))
"""

TYPST_ALONE = """
import json, sys, time
import typst
from benchmarks.peak_memory import peak_mb
from reportdsl.render.typeset.fonts import font_paths  # the fonts a build passes (bundled CJK)
t0 = time.perf_counter()
pdf = typst.compile(sys.argv[1], root=sys.argv[2], font_paths=list(font_paths()), pdf_tags=False)
t1 = time.perf_counter()
print(json.dumps({"compile": t1 - t0, "bytes": len(pdf),
                  "rss_mb": peak_mb()}))
"""

SINK_ALONE = """
import datetime, json, sys, tempfile, time
from decimal import Decimal
sys.path.insert(0, sys.argv[3])
import reportdsl
from benchmarks.data import iter_rows
from reportdsl.engine.stream.events import ReportEnd
from reportdsl.render import TypstDocumentSink
plan = reportdsl.compile_file(sys.argv[1]).plan
rows = [(r[0], datetime.date.fromisoformat(r[1]), r[3], r[4], r[6], r[6] * Decimal(str(r[7])))
        for r in iter_rows(int(sys.argv[2]))]
values = {v.id: 1 for v in plan.values}
with tempfile.TemporaryDirectory() as work:
    t0 = time.perf_counter()
    sink = TypstDocumentSink(plan, work)
    sink.report_start({}, values)
    for row in rows:
        sink.detail(row)
    sink.report_end(ReportEnd(values=values, row_count=len(rows), rows_read=len(rows), no_data=False))
    sink.finish()
    t1 = time.perf_counter()
print(json.dumps({"sink": t1 - t0}))
"""


# Python may cache bytecode, as it does for an installed package (pip compiles it): with
# PYTHONDONTWRITEBYTECODE set (some containers set it), a checkout's modules would be
# compiled from source in every run, ~0.1 s that no installed reportdsl pays.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
CHILD_ENV["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)  # benchmarks.*


def python(code: str, *args: str, cwd: Path) -> tuple[dict, float]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, env=CHILD_ENV)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"benchmark step failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1]), wall


def command(arguments: list[str], cwd: Path) -> float:
    """Wall seconds of ``reportdsl ARGUMENTS`` (as ``python -m reportdsl``)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "reportdsl", *arguments], cwd=cwd, capture_output=True, text=True,
                          env=CHILD_ENV)
    if done.returncode != 0:
        sys.exit(f"reportdsl {' '.join(arguments)} failed:\n{done.stderr}")
    return time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--keep", help="keep the work folder here (the .typ, the PDFs)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best counts")
    ap.add_argument("--template", default="report", help="the built-in template the reports use (report, business…)")
    ap.add_argument("--page-totals", action="store_true",
                    help="the report's page footer also prints a page total and the carried-forward total (§13)")
    ap.add_argument("--page-totals-ab", type=int, metavar="ROUNDS",
                    help="only the cost of page totals: ROUNDS builds with and without them, alternating")
    args = ap.parse_args()
    from benchmarks.data import make_sqlite

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-render-"))
    folder.mkdir(parents=True, exist_ok=True)
    make_sqlite(folder / "sales.db", rows=args.rows)
    report = DETAIL_REPORT.replace("  page a4", f'  template "{args.template}"\n  page a4')
    if args.page_totals:
        report = report.replace('page_footer { text "Page {page} of {pages}" align center }', PAGE_TOTALS_FOOTER)
    (folder / "detail.report").write_text(report.replace("WHERE", ""), encoding="utf-8")
    (folder / "one_page.report").write_text(report.replace("WHERE", "where id <= 30"), encoding="utf-8")
    n = args.rows
    if args.page_totals_ab:
        return page_totals_ab(folder, report, args.page_totals_ab, n)

    print(f"reportdsl render benchmark — template \"{args.template}\", {n:,} detail rows, 6 columns, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    # Best of --repeat runs, interleaved, so that a busy machine skews both sides alike.
    command(["build", "one_page.report", "-o", "warm-up.pdf", "--quiet"], cwd=folder)  # bytecode written once
    builds, alones, sinks, smalls, commands = [], [], [], [], []
    for _ in range(args.repeat):
        builds.append(python(BUILD, "detail.report", "work", "detail.pdf", cwd=folder))
        alones.append(python(TYPST_ALONE, "work/report.typ", "work", cwd=folder))
        sinks.append(python(SINK_ALONE, "detail.report", str(n), str(ROOT), cwd=folder))
        smalls.append(python(BUILD, "one_page.report", "work-small", "one_page.pdf", cwd=folder))
        commands.append(command(["build", "one_page.report", "-o", "one_page_cli.pdf", "--quiet"], cwd=folder))
    build, build_wall = min(builds, key=lambda r: r[0]["build"])
    alone, alone_wall = min(alones, key=lambda r: r[0]["compile"])
    sink, _ = min(sinks, key=lambda r: r[0]["sink"])
    small, _ = min(smalls, key=lambda r: r[1])
    small_walls = [wall for _, wall in smalls]
    pdf_bytes = (folder / "detail.pdf").stat().st_size

    print(f"\n1. end to end ({n:,} rows): {build['build']:.2f} s in process -> {n / build['build']:,.0f} rows/s"
          f"  (engine + Typst writing {build['run']:.2f} s, typesetting {build['compile']:.2f} s);"
          f" wall {build_wall:.2f} s incl. interpreter and imports ({build['imports']:.2f} s)"
          f" -> {n / build_wall:,.0f} rows/s; peak RSS {build['rss_mb']:.0f} MB")
    # (with page totals Typst is called through typst.Compiler, which is not timed here)
    own = sorted(r["build"] / r["typst"] for r, _ in builds if r["typst"])
    print(f"2. compiling the emitted report.typ alone: {alone['compile']:.2f} s ({n / alone['compile']:,.0f} rows/s),"
          f" peak RSS {alone['rss_mb']:.0f} MB; build / compile-alone = {build['build'] / alone['compile']:.2f}x"
          f" (wall {build_wall / alone_wall:.2f}x);")
    print(f"   build / its own Typst call, same process: median {statistics.median(own or [0]):.3f}x"
          f" (runs: {', '.join(f'{r:.3f}' for r in own)})")
    print(f"3. renderer alone (events -> report.typ): {sink['sink']:.3f} s,"
          f" {sink['sink'] / n * 1e6:.1f} µs a row ({sink['sink'] / alone['compile'] * 100:.1f}% of typesetting)")
    print(f"4. one-page report: `reportdsl build` wall best {min(commands):.2f} s,"
          f" median {statistics.median(commands):.2f} s"
          f" (runs: {', '.join(f'{w:.2f}' for w in commands)});")
    print(f"   a script calling the API, whole process wall: best {min(small_walls):.2f} s"
          f" (runs: {', '.join(f'{w:.2f}' for w in small_walls)}; in the best: imports {small['imports']:.2f} s,"
          f" build {small['build']:.2f} s, of which engine + writing {small['run']:.2f} s,"
          f" typesetting {small['compile']:.2f} s)")
    print(f"5. PDF: {pdf_bytes:,} bytes, {pdf_bytes / n:.0f} bytes a detail row")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0



def page_totals_ab(folder: Path, report: str, rounds: int, n: int) -> int:
    """What page totals (§13) cost: the end-to-end build without and with them, each in a
    fresh process, alternating, so that a busy machine skews both sides alike; the best
    against the best, and the median of the rounds' ratios (wall time in process, and
    CPU time, which another process's load disturbs less)."""
    with_totals = report.replace('page_footer { text "Page {page} of {pages}" align center }', PAGE_TOTALS_FOOTER)
    (folder / "plain.report").write_text(report.replace("WHERE", ""), encoding="utf-8")
    (folder / "totals.report").write_text(with_totals.replace("WHERE", ""), encoding="utf-8")
    command(["build", "plain.report", "-o", "warm-up.pdf", "--quiet"], cwd=folder)  # bytecode written once
    runs: dict[str, list[dict]] = {"plain": [], "totals": []}
    for _ in range(rounds):
        for name in runs:
            runs[name].append(python(BUILD, f"{name}.report", f"work-{name}", f"{name}.pdf", cwd=folder)[0])
    print(f"page totals, {n:,} detail rows, {rounds} rounds (without, with; each a fresh process):")
    for key, what in (("build", "wall time in process"), ("cpu", "CPU time")):
        plain, totals = [r[key] for r in runs["plain"]], [r[key] for r in runs["totals"]]
        ratios = sorted(t / p for p, t in zip(plain, totals, strict=True))
        print(f"  {what}: best {min(plain):.2f} s / {min(totals):.2f} s = {min(totals) / min(plain):.3f}x;"
              f" median of the rounds' ratios {statistics.median(ratios):.3f}x"
              f" (rounds: {', '.join(f'{r:.3f}' for r in ratios)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
