#!/usr/bin/env python3
"""`reportdsl watch` benchmark (CONTRACT.md §7): run by hand, prints figures.

    .venv/bin/python benchmarks/bench_watch.py [--repeat 5] [--report examples/invoice.report]

The report (one page by default: the invoice example) is copied with the examples'
data and assets into a temporary folder, then, each in a fresh ``reportdsl watch``:

1. first preview: from starting the command to page 1 of the first build served over
   HTTP (the process start, imports, the build, the server's start; the page is polled
   every 5 ms), targets ≤ 1 s;
2. rebuild: from saving an edited report (a new title, written and renamed over the
   file, as editors save) to the new build's page 1 served, targets ≤ 0.5 s; this
   includes the watcher's quiet period (30 ms) that groups a save's events.

Medians and the worst of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTED = re.compile(r"(http://127\.0\.0\.1:\d+/)")


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def wait_for_pages(url: str, version: int, log: Path, process: subprocess.Popen) -> None:
    while True:
        if process.poll() is not None:
            sys.exit(f"reportdsl watch ended:\n{log.read_text()}")
        try:
            state = json.loads(get(url + "state"))
        except OSError:  # not listening yet
            state = {"pages_version": 0}
        if state["pages_version"] >= version:
            get(url + f"page/1.{state['format']}?v={state['pages_version']}")
            return
        time.sleep(0.005)


def one_run(folder: Path, report: Path) -> tuple[float, float]:
    log = folder / "watch.log"
    text = report.read_text(encoding="utf-8")
    started = time.perf_counter()
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "reportdsl", "watch", report.name, "--port", "0"],
                                   cwd=folder, stdout=out, stderr=subprocess.STDOUT)
    try:
        while not (match := STARTED.search(log.read_text())):
            time.sleep(0.002)
        url = match.group(1)
        wait_for_pages(url, 1, log, process)
        first = time.perf_counter() - started
        edited = re.sub(r'title "[^"]*"', 'title "Edited"', text, count=1)
        if edited == text:
            edited = text + "\n// edited\n"
        saved = time.perf_counter()
        tmp = report.with_suffix(".tmp")
        tmp.write_text(edited, encoding="utf-8")
        os.replace(tmp, report)
        wait_for_pages(url, 2, log, process)
        rebuild = time.perf_counter() - saved
        report.write_text(text, encoding="utf-8")
        return first, rebuild
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--report", default="examples/invoice.report")
    args = parser.parse_args()
    source = ROOT / args.report
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for sub in ("data", "assets"):
            if (source.parent / sub).is_dir():
                shutil.copytree(source.parent / sub, folder / sub)
        report = folder / source.name
        shutil.copy(source, report)
        runs = [one_run(folder, report) for _ in range(args.repeat)]
    for name, values in (("first preview", [r[0] for r in runs]), ("rebuild", [r[1] for r in runs])):
        print(f"{name:14} median {statistics.median(values):.3f} s, worst {max(values):.3f} s "
              f"({', '.join(f'{v:.3f}' for v in values)})")


if __name__ == "__main__":
    main()
