"""Before/after benchmark (run by hand): the short commands users wait on, timed for two
git revisions of this repository in the same run.

    python benchmarks/bench_compare.py BEFORE [AFTER] [--rounds 15]

Each revision is checked out (``git worktree``) into a temporary folder and imported
from there (``PYTHONPATH``) by this venv's Python; the rounds alternate between the
two, so drift in the machine's speed falls on both alike. Measured: ``reportdsl check``
of the bundled example and ``reportdsl build`` of it to PDF (one page), warm caches
(each command runs once before timing). Prints each median and AFTER ÷ BEFORE.

Wall time on a busy machine is noisy; for a figure that is not, count instructions:
``valgrind --tool=callgrind python -m reportdsl.cli check …`` in each checkout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def checkout(rev: str, into: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(into), rev], check=True)
    return into


def commands(tree: Path, out: Path) -> dict[str, list[str]]:
    example = tree / "examples" / "sales_by_region.report"
    cli = [sys.executable, "-m", "reportdsl.cli"]
    return {
        "check example": [*cli, "check", str(example)],
        "build example (pdf)": [*cli, "build", str(example), "-o", str(out / "out.pdf"), "--quiet"],
    }


def timed(argv: list[str], tree: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode caches, as an installed reportdsl has
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, cwd=tree, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before")
    ap.add_argument("after", nargs="?", default="HEAD")
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reportdsl-compare-"))
    trees = {}
    try:
        for label, rev in (("before", args.before), ("after", args.after)):
            trees[label] = checkout(rev, work / label)
            (work / f"{label}-out").mkdir()
        cmds = {label: commands(tree, work / f"{label}-out") for label, tree in trees.items()}
        times: dict[tuple[str, str], list[float]] = {}
        for label, tree in trees.items():  # warm: caches, bytecode
            for argv in cmds[label].values():
                timed(argv, tree)
        for _ in range(args.rounds):
            for label, tree in trees.items():
                for name, argv in cmds[label].items():
                    times.setdefault((name, label), []).append(timed(argv, tree))
        print(f"{'command':<22} {'before (s)':>11} {'after (s)':>11} {'after/before':>13}   ({args.rounds} rounds)")
        for name in cmds["before"]:
            before = statistics.median(times[(name, "before")])
            after = statistics.median(times[(name, "after")])
            print(f"{name:<22} {before:>11.3f} {after:>11.3f} {after / before:>13.3f}")
    finally:
        for tree in trees.values():
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
