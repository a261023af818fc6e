"""A mutation fuzzer for whole reports (issue 20): nothing a report's text holds may
crash reportdsl — every failure is a ``ReportError`` — and no input takes over 2 s.

In: the golden fixtures and the examples (their texts, run over their own data), and a
seed. Out: ``fuzz_one(seed)``, which mutates one of them (delete, repeat or swap spans
and lines; insert tokens that have broken compilers: deep nesting, huge numbers, NUL,
lone quotes and braces, bidi controls, keywords out of place), then parses, checks,
plans, runs and writes the Typst source of the result, and returns what happened.

The normal test run drives it from hypothesis (tests/frontend/test_fuzz.py); by hand, for the
long run: ``python -m tests.frontend.fuzz 100000`` prints the counts of each outcome.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import reportdsl
from reportdsl.errors import ReportError

os.environ.setdefault("REPORTDSL_NO_AST_CACHE", "1")  # not one cache file per mutant
ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "tests" / "fixtures" / "ok").glob("*.report")) + sorted((ROOT / "examples").glob("*.report"))
TOKENS = [
    "{", "}", "(", ")", '"', '"""', "\\", "\\{", "{}", "|", ",", ":", "..", "\n", "\r\n", "\t", "\x00", "\u202e",
    "//", "/*", "*/", "==", "=", "+", "-", "*", "/", "%", "not", "and", "or", "null", "true", "1e6", "12e999999",
    "9" * 60, "-0", "0.5", "1/0", "over", "report", "whole", "running", "where", "order by", "limit 0",
    'others "x"', "desc", "asc", "group g", "detail", "summary", "header", "footer", "page_header", "text",
    "column c", "row", "line", "space 1cm", "image", "bold", "size 0pt", "color", "align", "width -1cm",
    "param", "field f =", "sort by", "source csv", "max_groups 0", "on_error skip", "SUM(", "COUNT()",
    "PERCENTILE(x, 2)", "MEDIAN(", "today()", "now()", "date(\"2024-02-30\")", "substr(", "case(",
    "abs(" * 40, ")" * 40, "a or " * 60, "x + " * 80, "é", "日本", "\U0001F600",
    # LANGUAGE.md §13-§14: conditions, styles, tables, spans, rules, grids, pages
    " when ", " when a > 1", "bold when COUNT() > 1", "strike", "italic when", "background ", 'color "#zz0000"',
    "background if(true, \"#ffffff\", null)", "style bold when", "border top", "border bottom double",
    "grid 1fr 1fr { block { text \"a\" } block { } }", "block {", "columns { column a \"A\" }", "columns",
    "a..b: ", "repeat_header", "continued", "nowrap", "over page", "SUM(x) over page", "SUM(x) running",
    "| accounting", '| number("#,##0;(#,##0)")', "template \"business\"",
]
MAX_SECONDS = 2.0


def _texts() -> list[tuple[str, Path]]:
    return [(p.read_text(encoding="utf-8"), p) for p in SEEDS]


_CORPUS = _texts()


def mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        n = len(text)
        i = rng.randrange(n + 1)
        j = min(n, i + rng.choice((1, 2, 5, 20, 200)))
        kind = rng.randrange(6)
        if kind == 0:  # delete a span
            text = text[:i] + text[j:]
        elif kind == 1:  # repeat a span
            text = text[:j] + text[i:j] + text[j:]
        elif kind in (2, 3):  # insert a token
            text = text[:i] + rng.choice(TOKENS) + text[i:]
        elif kind == 4:  # swap two lines
            lines = text.split("\n")
            a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
        else:  # replace a character
            if n:
                text = text[:i] + rng.choice(TOKENS) + text[i + 1:]
    return text


def fuzz_one(seed: int) -> tuple[str, float, str]:
    """(outcome, seconds, the mutated text): outcome is the stage reached or the error kind."""
    rng = random.Random(seed)
    base, path = _CORPUS[rng.randrange(len(_CORPUS))]
    text = mutate(base, rng)
    t0 = time.perf_counter()
    outcome = "ran"
    try:
        report = reportdsl.compile(text, filename=str(path), base_dir=str(path.parent))
        result = report.run()
        report.render(format="typ")
        del result
    except ReportError as err:
        outcome = type(err).__name__
    return outcome, time.perf_counter() - t0, text


class _Hung(Exception):
    pass


def _hung(signum, frame) -> None:
    raise _Hung()


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 10_000
    first = int(argv[1]) if len(argv) > 1 else 0
    outcomes: Counter[str] = Counter()
    slow = 0
    t0 = time.perf_counter()
    signal.signal(signal.SIGALRM, _hung)
    for seed in range(first, first + count):
        signal.setitimer(signal.ITIMER_REAL, 10 * MAX_SECONDS)  # a hang is reported, not waited for
        try:
            outcome, seconds, _ = fuzz_one(seed)
        except _Hung:
            outcome, seconds = "HANG", 10 * MAX_SECONDS
            print(f"seed {seed}: still running after {seconds:.0f} s", file=sys.stderr)
        except Exception as exc:  # noqa: BLE001 - the fuzzer reports what escaped
            outcome, seconds = f"CRASH {type(exc).__name__}", 0.0
            print(f"seed {seed}: {type(exc).__name__}: {exc}", file=sys.stderr)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if (seed - first + 1) % 10_000 == 0:
            print(f"  {seed - first + 1:,} inputs, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        outcomes[outcome] += 1
        slow += seconds > MAX_SECONDS
        if seconds > MAX_SECONDS:
            print(f"seed {seed}: {seconds:.1f} s", file=sys.stderr)
    print(f"{count:,} inputs in {time.perf_counter() - t0:.0f} s; over {MAX_SECONDS} s: {slow}")
    for outcome, n in outcomes.most_common():
        print(f"  {outcome}: {n:,}")
    return 1 if slow or any(o.startswith(("CRASH", "HANG")) for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
