"""What a worker process does: lay out one piece document with Typst.

In: a ``PieceTask`` (the piece's ``.typ`` file in the compile root, the format, the
page numbering, the fonts). Out: two ``PieceOutcome``s — first where the piece's marked
units fell (``pieces.PieceLayout``'s query value), as soon as Typst has laid the piece
out; then, told to export (at once, or on an order that follows the layout), the same
with the pages as bytes and Typst's warnings — or one, with the failure.

``main()`` is what each worker process of ``worker_pool.WorkerPool`` runs: it reads
pickled tasks from stdin and writes outcomes to stdout until stdin closes. It needs
only the standard library and ``typst`` — not the renderer, Babel or Jinja2. A worker
ignores Ctrl-C: the main process decides, and ends the pool.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from reportdsl.render.pieces.cutting import TAIL_QUERY, PieceLayout, TailValue
from reportdsl.render.typeset.typst_messages import TypstFailure, warning_texts
from reportdsl.render.typeset.typst_output import page_format, page_list

if TYPE_CHECKING:
    import typst


@dataclass(frozen=True)
class PieceTask:
    path: str  # the piece's .typ file
    root: str  # the compile root: the work folder
    format: str  # pdf, png or svg
    first_page: int
    total_pages: int  # for templates that read ``rd-total-pages`` (sys.inputs)
    ppi: float | None = None
    timestamp: int | None = None
    font_paths: tuple[str, ...] = ()
    # The file (from the root) ``rd-pages()`` reads the page total from, in context:
    # rewriting it changes the footers only, so exporting after a rewrite costs no
    # new layout. None: the total is in sys.inputs only.
    total_file: str | None = None
    # The file the page values (§13) are read from, in context, like the total; the
    # scheduler writes it before it orders the export. None: no page values.
    page_values_file: str | None = None
    # Wait after the layout for an order: export (the total file may have been
    # rewritten meanwhile) or drop the piece. False: export at once.
    await_order: bool = False


@dataclass
class PieceOutcome:
    task: PieceTask
    pages: list[bytes] = field(default_factory=list)  # pdf: one item
    layout: TailValue | None = None  # the <rd-tail> query value (None: not laid out)
    warnings: list[str] = field(default_factory=list)
    failure: TypstFailure | None = None
    seconds: float = 0.0

    def piece_layout(self) -> PieceLayout:
        """Where the piece's units fell (``layout``, read)."""
        if self.layout is None:
            raise ValueError("internal error: a piece outcome without its layout")
        return PieceLayout.from_query(self.layout)


@lru_cache(maxsize=2)
def _fonts(paths: tuple[str, ...]) -> typst.Fonts:
    """One font book a worker: found and parsed once, not once a piece (~35 ms each)."""
    import typst

    return typst.Fonts(include_system_fonts=True, include_embedded_fonts=True, font_paths=list(paths))


def compile_piece(task: PieceTask) -> Generator[PieceOutcome, bool, None]:
    """Yields the layout as soon as Typst has made it (the scheduler needs only that
    to start the next piece); sent True, yields the pages, sent False, stops. A failed
    layout is the only answer."""
    import typst

    started = time.perf_counter()
    outcome = PieceOutcome(task)
    inputs = {"rd-first-page": str(task.first_page), "rd-total-pages": str(task.total_pages)}
    if task.total_file is not None:
        inputs["rd-total-file"] = task.total_file
    if task.page_values_file is not None:
        inputs["rd-page-values"] = task.page_values_file
    try:
        compiler = typst.Compiler(task.path, root=task.root, font_paths=_fonts(task.font_paths), sys_inputs=inputs)
        outcome.layout = compiler.query(TAIL_QUERY, field="value", one=True)
    except Exception as exc:  # typst.TypstError, or RuntimeError from older typst-py
        outcome.failure = TypstFailure.from_exception(exc)
        yield outcome
        return
    if not (yield outcome):
        return
    outcome = PieceOutcome(task, layout=outcome.layout)
    try:
        # The layout just made is memoised: exporting it is what this costs (~20%).
        data, warnings = compiler.compile_with_warnings(
            format=page_format(task.format),
            ppi=task.ppi if task.format == "png" else None,
            timestamp=task.timestamp,
            pdf_tags=False,
        )
        outcome.pages = page_list(data)
    except Exception as exc:
        outcome.failure = TypstFailure.from_exception(exc)
        yield outcome
        return
    outcome.warnings = warning_texts(warnings)
    outcome.seconds = time.perf_counter() - started
    yield outcome


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the main process
    from reportdsl.render.pieces.worker_pool import FONT_PATHS_VARIABLE, receive, send

    paths = os.environ.get(FONT_PATHS_VARIABLE)
    if paths is not None:  # before the first task arrives: off the critical path
        _fonts(tuple(p for p in paths.split(os.pathsep) if p))
    tasks = sys.stdin.buffer
    # The protocol owns the real stdout; anything else printed goes to stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    alive = _Heartbeat(answers, send)
    while True:
        try:
            task = receive(tasks)
            with alive:
                steps = compile_piece(task)
                laid_out = next(steps)
                alive.send(laid_out)
            if laid_out.failure is not None:
                continue
            if task.await_order and not receive(tasks):
                steps.close()
                continue
            with alive:
                alive.send(steps.send(True))
        except (EOFError, BrokenPipeError):
            # the main process is gone (it ended, or was killed): nothing to answer
            with contextlib.suppress(OSError):
                answers.close()
            return


class _Heartbeat:
    """While a piece is laid out or exported (``with alive:``), a thread tells the pool
    every ``HEARTBEAT_SECONDS`` that this worker is alive (worker_pool.py), so a worker
    that says nothing is stuck. ``send`` is the answers' one writer, under a lock."""

    def __init__(self, answers, send) -> None:
        from reportdsl.render.pieces.worker_pool import HEARTBEAT, HEARTBEAT_SECONDS

        self._answers, self._send = answers, send
        self._lock = threading.Lock()
        self._busy = threading.Event()
        self._message, self._every = HEARTBEAT, HEARTBEAT_SECONDS
        threading.Thread(target=self._beat, daemon=True).start()

    def send(self, message) -> None:
        with self._lock:
            self._send(self._answers, message)

    def __enter__(self) -> None:
        self._busy.set()

    def __exit__(self, *exc) -> None:
        self._busy.clear()

    def _beat(self) -> None:
        while True:
            time.sleep(self._every)
            if self._busy.is_set():
                try:
                    self.send(self._message)
                except (OSError, ValueError):  # the main process is gone: the loop ends too
                    return
