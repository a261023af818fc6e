#!/usr/bin/env python3
"""Long-report benchmark (issues 5, 18): run by hand, prints figures (no assertions).

    .venv/bin/python benchmarks/bench_chunked.py [--single-rows 10000] [--rows 100000 1000000]
                                                 [--jobs N] [--chunk-rows 4000] [--dir DIR]

Builds the detail report of ``bench_render.py`` (6 columns, "Page X of Y" footer, a
summary) over seeded SQLite rows with ``reportdsl build`` in a child process: first
as one document over ``--single-rows`` rows (the reference), then in pieces over each
of ``--rows``. For each build it prints:

- wall seconds and rows per second, and the rate over the reference's;
- CPU seconds of the whole process tree (the build and its workers, from
  ``getrusage(RUSAGE_CHILDREN)``: the workers are waited for by the build) over wall
  seconds: how many cores were busy on average;
- CPU seconds per 1,000 rows, which a machine loaded by other work skews less than
  wall time;
- peak RSS of all the build's processes together (sampled every 20 ms from /proc);
- pages, pieces (how many were laid out ahead, on a predicted cut), Typst compiles
  per piece, how many were thrown away and how many were page probes, from
  ``--stats``, and a check that the last page reads "Page N of N".

On a machine shared with other work, wall times (and so rows/s and cores busy) follow
the load; CPU seconds per 1,000 rows and compiles per piece do not.

The issue's goals, for a 2-core machine: 1M rows at >= 1.6x the one-document rate,
>= 1.7 cores busy, <= 1 GB, <= 1.1 compiles a piece; 100k rows at >= 1.0x in <= 600 MB.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build(folder: Path, rows: int, jobs: int | None, chunk_rows: int) -> dict:
    out = folder / f"out-{rows}-{chunk_rows}.pdf"
    command = [sys.executable, "-m", "reportdsl", "build", str(folder / "detail.report"), "-o", str(out),
               "--quiet", "--stats", "--chunk-rows", str(chunk_rows)]
    if jobs:
        command += ["--jobs", str(jobs)]
    peak = 0
    cpu_before = _children_cpu()
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
    cpu = _children_cpu() - cpu_before  # the build and the workers it waited for
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"build failed ({process.returncode}):\n{stderr.decode()}")
    stats = json.loads(stdout)
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    pages = len(reader.pages)
    last = reader.pages[-1].extract_text()
    out.unlink()
    return {
        "rows": stats["rows_read"], "wall": wall, "rate": stats["rows_read"] / wall, "peak_mb": peak / 2**20,
        "cpu": cpu, "cores": cpu / wall, "pages": pages, "typesetting": stats.get("typesetting", {}),
        "numbered": f"Page {pages} of {pages}" in last,
    }


def prepare(base: Path, rows: int) -> Path:
    folder = base / f"detail-{rows}"
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "sales.db").exists():
        make_sqlite(folder / "sales.db", rows)
    (folder / "detail.report").write_text(DETAIL_REPORT.replace("WHERE", ""), encoding="utf-8")
    return folder


def show(label: str, r: dict, reference: dict | None) -> None:
    t = r["typesetting"]
    pieces = t.get("pieces") or 1
    ratio = f" = {r['rate'] / reference['rate']:.2f}x the one document" if reference else ""
    print(f"{label}: {r['rows']:,} rows, {r['pages']:,} pages in {r['wall']:.1f} s wall -> "
          f"{r['rate']:,.0f} rows/s{ratio}; CPU {r['cpu']:.1f} s = {r['cores']:.2f} cores busy, "
          f"{1000 * r['cpu'] / r['rows']:.2f} CPU s per 1,000 rows; peak RSS (all processes) "
          f"{r['peak_mb']:,.0f} MB; {pieces} pieces ({t.get('laid_out_ahead', 0)} laid out ahead), "
          f"{t.get('compiles')} compiles = {t.get('compiles', 0) / pieces:.2f} a piece "
          f"({t.get('wasted', 0)} wasted, {t.get('page_probes', 0)} page probes), {t.get('workers')} workers; "
          f"last page numbered right: {r['numbered']}",
          flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--single-rows", type=int, default=10_000, help="rows of the one-document reference (0: skip)")
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000], help="rows of the pieced builds")
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--chunk-rows", type=int, default=4000)
    ap.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "reportdsl-bench"))
    args = ap.parse_args()
    base = Path(args.dir)
    print(f"reportdsl long-report benchmark — {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    reference = None
    if args.single_rows:
        reference = build(prepare(base, args.single_rows), args.single_rows, None, 10**9)
        show("one document", reference, None)
    for rows in args.rows:
        show("pieced", build(prepare(base, rows), rows, args.jobs, args.chunk_rows), reference)
    print(f"load average {os.getloadavg()[0]:.1f} at the end (other work on the machine skews wall times)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
