"""What a worker process does: lay out one piece document with Typst.

In: a ``PieceTask`` (the piece's ``.typ`` file in the compile root, the format, the
page numbering for ``sys.inputs``, the fonts). Out: a ``PieceOutcome`` — the pages as
bytes, where the piece's marked units fell (``pieces.PieceLayout``'s query value),
Typst's warnings, or the failure.

``main()`` is what each worker process of ``worker_pool.WorkerPool`` runs: it reads pickled tasks from stdin and writes outcomes to stdout until stdin closes. It
needs only the standard library and ``typst`` — not the renderer, Babel or Jinja2. A
worker ignores Ctrl-C: the main process decides, and ends the pool.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass, field

from .pieces import TAIL_QUERY
from .typst_messages import TypstFailure, warning_texts


@dataclass(frozen=True)
class PieceTask:
    path: str  # the piece's .typ file
    root: str  # the compile root: the work folder
    format: str  # pdf, png or svg
    first_page: int
    total_pages: int
    ppi: float | None = None
    timestamp: int | None = None
    font_paths: tuple[str, ...] = ()


@dataclass
class PieceOutcome:
    task: PieceTask
    pages: list[bytes] = field(default_factory=list)  # pdf: one item
    layout: object = None  # the <rd-tail> query value
    warnings: list[str] = field(default_factory=list)
    failure: TypstFailure | None = None
    seconds: float = 0.0


def compile_piece(task: PieceTask) -> PieceOutcome:
    import typst

    started = time.perf_counter()
    outcome = PieceOutcome(task)
    try:
        compiler = typst.Compiler(
            task.path,
            root=task.root,
            font_paths=list(task.font_paths),
            sys_inputs={"rd-first-page": str(task.first_page), "rd-total-pages": str(task.total_pages)},
        )
        data, warnings = compiler.compile_with_warnings(
            format=task.format,
            ppi=task.ppi if task.format == "png" else None,
            timestamp=task.timestamp,
            pdf_tags=False,
        )
        # The layout just made is memoised: the query costs next to nothing.
        outcome.layout = compiler.query(TAIL_QUERY, field="value", one=True)
    except Exception as exc:  # typst.TypstError, or RuntimeError from older typst-py
        outcome.failure = TypstFailure.from_exception(exc)
        return outcome
    outcome.pages = list(data) if isinstance(data, list) else [data]
    outcome.warnings = warning_texts(warnings)
    outcome.seconds = time.perf_counter() - started
    return outcome


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the main process
    from .worker_pool import receive, send

    tasks = sys.stdin.buffer
    # The protocol owns the real stdout; anything else printed goes to stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    while True:
        try:
            task = receive(tasks)
        except EOFError:
            return
        send(answers, compile_piece(task))
