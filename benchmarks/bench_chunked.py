#!/usr/bin/env python3
"""Long-report benchmark (issue 5): run by hand, prints figures (no assertions).

    .venv/bin/python benchmarks/bench_chunked.py [--rows 100000] [--jobs N] [--chunk-rows 4000]
                                                 [--single-rows N] [--repeat N] [--dir DIR]

Builds the detail report of ``bench_render.py`` (6 columns, "Page X of Y" footer, a
summary) over ``--rows`` seeded SQLite rows with ``reportdsl build`` in a child
process, sampling the resident memory of that process and all its worker processes
together every 20 ms. Prints, for the pieced build and for a one-document build of
the same report (the comparison; ``--single-rows`` sets another row count, whose
time a row is compared):

- wall time of the whole command and rows per second (target: >= 4,500 rows/s at
  100k rows);
- peak RSS of all the build's processes together (target: <= 1 GB at 100k rows);
- pages, pieces (and how many were laid out ahead, on a predicted cut) and Typst
  compiles (and how many were thrown away), from ``--stats``, and a check that the
  last page reads "Page N of N".

Targets are the issue's, for this 2-core class of machine; the figures go in the
closing note.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_render import DETAIL_REPORT  # noqa: E402
from benchmarks.data import make_sqlite  # noqa: E402


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and every process descended from it."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry.name}/statm", "rb") as f:
                pages = int(f.read().split()[1])
        except OSError:
            continue
        child = int(entry.name)
        children.setdefault(int(fields[1]), []).append(child)
        rss[child] = pages * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, ()))
    return total


def build(folder: Path, rows: int, jobs: int | None, chunk_rows: int) -> dict:
    out = folder / f"out-{rows}-{chunk_rows}.pdf"
    command = [sys.executable, "-m", "reportdsl", "build", str(folder / "detail.report"), "-o", str(out),
               "--quiet", "--stats", "--chunk-rows", str(chunk_rows)]
    if jobs:
        command += ["--jobs", str(jobs)]
    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=folder)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"build failed ({process.returncode}):\n{stderr.decode()}")
    stats = json.loads(stdout)
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    pages = len(reader.pages)
    last = reader.pages[-1].extract_text()
    return {
        "rows": stats["rows_read"], "wall": wall, "rate": stats["rows_read"] / wall, "peak_mb": peak / 2**20,
        "pages": pages, "typesetting": stats.get("typesetting", {}), "bytes": out.stat().st_size,
        "numbered": f"Page {pages} of {pages}" in last,
    }


def prepare(base: Path, rows: int) -> Path:
    folder = base / f"detail-{rows}"
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "sales.db").exists():
        make_sqlite(folder / "sales.db", rows)
    (folder / "detail.report").write_text(DETAIL_REPORT.replace("WHERE", ""), encoding="utf-8")
    return folder


def show(label: str, r: dict) -> None:
    t = r["typesetting"]
    print(f"{label}: {r['rows']:,} rows in {r['wall']:.2f} s wall -> {r['rate']:,.0f} rows/s; "
          f"peak RSS (all processes) {r['peak_mb']:,.0f} MB; {r['pages']:,} pages, "
          f"{t.get('pieces')} pieces ({t.get('laid_out_ahead', 0)} laid out ahead), {t.get('compiles')} compiles "
          f"({t.get('wasted', 0)} wasted), {t.get('workers')} workers; "
          f"{r['bytes']:,} bytes; last page numbered right: {r['numbered']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--chunk-rows", type=int, default=4000)
    ap.add_argument("--single-rows", type=int, default=None,
                    help="rows of the one-document comparison (default: --rows, the same report; 0: skip)")
    ap.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "reportdsl-bench"))
    ap.add_argument("--repeat", type=int, default=1,
                    help="pieced and one-document builds alternate this many times (this machine's speed drifts)")
    args = ap.parse_args()
    base = Path(args.dir)
    print(f"reportdsl long-report benchmark — {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    ratios = []
    if args.single_rows is None:
        args.single_rows = args.rows
    for _ in range(args.repeat):
        pieced = build(prepare(base, args.rows), args.rows, args.jobs, args.chunk_rows)
        show("pieced", pieced)
        if args.single_rows:
            single = build(prepare(base, args.single_rows), args.single_rows, None, 10**9)
            show("one document", single)
            ratios.append((pieced["wall"] / pieced["rows"]) / (single["wall"] / single["rows"]))
    if ratios:
        print(f"pieced / one document, time a row: {', '.join(f'{r:.2f}' for r in ratios)}"
              f" (median {statistics.median(ratios):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
