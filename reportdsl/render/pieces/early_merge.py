"""Merging a pieced PDF while its later pieces are still being laid out.

In: the scheduler's final pieces, in order, as they are cut (``offer``), and a test of
whether a piece's pages are final (``is_final``: exported with the page total now
expected, not to be laid out again). Out: ``finish(pieces)``, the merged PDF.

pypdf's append is most of a merge (~40 ms a piece of 50 pages, against ~10 ms to write
it), so a thread appends each final piece as soon as its pages arrive, while the workers
lay out later pieces; what is left after the last piece is the write. The thread stops
at the first piece that is not final (its total may still change); ``finish`` appends
the rest, and starts over if a piece appended early was laid out again after all.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

from reportdsl.render.pieces.merge import PdfJoiner


class EarlyMerge:
    def __init__(self, is_final: Callable[[Any], bool]) -> None:
        self.is_final = is_final
        self._joiner = PdfJoiner()
        self._joined: list[tuple[Any, Any]] = []  # (piece, the outcome appended)
        self._broken = False  # an append failed half-way: finish starts over
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._append_in_order, daemon=True)
        self._thread.start()

    def offer(self, piece: Any) -> None:
        """``piece`` is next in the document; its pages may still be on their way."""
        self._queue.put(piece)

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def finish(self, pieces: Sequence[Any]) -> bytes:
        """The whole PDF: ``pieces`` in order, each ``piece.result()``'s first ``keep`` pages."""
        self.stop()
        joiner, done = self._joiner, len(self._joined)
        if self._broken or any(piece.result() is not outcome for piece, outcome in self._joined):
            joiner, done = PdfJoiner(), 0  # one was laid out again since it was appended
        for piece in pieces[done:]:
            joiner.append(piece.result().pages[0], piece.keep)
        return joiner.finish()

    def _append_in_order(self) -> None:
        while (piece := self._queue.get()) is not None:
            try:
                outcome = piece.submitted.outcome.result()  # waits for the export
            except BaseException:  # cancelled, or the pool stopped: the build is failing
                return
            if outcome.failure is not None or not self.is_final(piece):
                return
            try:
                self._joiner.append(outcome.pages[0], piece.keep)
            except Exception:  # finish() meets it again and reports it
                self._broken = True
                return
            self._joined.append((piece, outcome))
