"""The worker protocol and the early merge, piece by piece.

A worker answers a piece's layout first; a piece that awaits an order is exported
only when told, and dropped (no pages) when cancelled. ``EarlyMerge`` appends each
final piece on its own thread as it arrives, and gives the same PDF as merging at the
end, whether it appended everything early, stopped at a piece that was not final, or
had to start over because a piece was laid out again.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typst

from reportdsl.render.pieces.early_merge import EarlyMerge
from reportdsl.render.pieces.merge import PdfJoiner, merge_pdfs
from reportdsl.render.pieces.piece_worker import PieceOutcome, PieceTask
from reportdsl.render.pieces.worker_pool import WorkerPool

from ..support import pdf_pages

PIECE = """#set page(width: 8cm, height: 4cm)
#let total = if sys.inputs.at("rd-total-file", default: none) == none { "?" } else {
  context read(sys.inputs.at("rd-total-file")).trim() }
#set page(footer: [of #total])
MARK
#pagebreak()
two
#context [#metadata((here().page(), ()))<rd-tail>]
"""


def _task(tmp_path: Path, name: str, mark: str, **kw) -> PieceTask:
    (tmp_path / f"{name}.typ").write_text(PIECE.replace("MARK", mark), encoding="utf-8")
    return PieceTask(path=str(tmp_path / f"{name}.typ"), root=str(tmp_path), format="pdf",
                     first_page=1, total_pages=2, **kw)


def test_a_worker_answers_the_layout_then_the_pages_on_order(tmp_path):
    (tmp_path / "a.total").write_text("7", encoding="utf-8")
    pool = WorkerPool(1, recycle_after=5)
    try:
        kept = pool.submit(_task(tmp_path, "a", "first", total_file="/a.total", await_order=True))
        dropped = pool.submit(_task(tmp_path, "b", "second", await_order=True))
        immediate = pool.submit(_task(tmp_path, "c", "third"))
        assert json.loads(kept.layout.result(timeout=60).layout)[0] == 2  # laid out: two pages
        assert not kept.outcome.done()  # ... and waiting for its order
        (tmp_path / "a.total").write_text("9", encoding="utf-8")  # the estimate moved
        kept.export()
        pages = pdf_pages(kept.outcome.result(timeout=60).pages[0])
        assert "first" in pages[0] and "of 9" in pages[0]
        assert dropped.layout.result(timeout=60).failure is None
        dropped.cancel()
        assert dropped.outcome.result(timeout=60).pages == []
        assert "third" in pdf_pages(immediate.outcome.result(timeout=60).pages[0])[0]
    finally:
        pool.shutdown()


def test_shutting_down_drops_a_piece_still_awaiting_its_order(tmp_path):
    pool = WorkerPool(1, recycle_after=5)
    waiting = pool.submit(_task(tmp_path, "a", "first", await_order=True))
    waiting.layout.result(timeout=60)
    pool.shutdown()  # must not hang
    assert waiting.outcome.result(timeout=1).pages == []


# ---- the early merge ------------------------------------------------------------------------

@dataclass
class _Submitted:
    outcome: Future = field(default_factory=Future)


@dataclass
class _Piece:
    pdf: bytes
    keep: int
    final: bool = True
    submitted: _Submitted = field(default_factory=_Submitted)
    replaced: PieceOutcome | None = None

    def arrive(self) -> None:
        self.submitted.outcome.set_result(PieceOutcome(task=None, pages=[self.pdf]))

    def result(self) -> PieceOutcome:
        return self.replaced or self.submitted.outcome.result()


@pytest.fixture(scope="module")
def pdfs() -> list[bytes]:
    return [typst.compile(f"#set page(width: 5cm, height: 3cm)\npiece {i} page 1\n#pagebreak()\npiece {i} page 2"
                          .encode()) for i in range(4)]


def _merged(pieces) -> list[str]:
    return pdf_pages(merge_pdfs([(piece.result().pages[0], piece.keep) for piece in pieces]))


@dataclass
class _Append:
    text: str  # the first kept page's text
    keep: int
    early: bool  # by the merge thread (not by finish(), on the main thread)


@pytest.fixture
def appends(monkeypatch) -> list[list[_Append]]:
    """What each ``PdfJoiner`` made by ``EarlyMerge`` was given, and by which thread."""
    joiners: list[list[_Append]] = []

    class Recording(PdfJoiner):
        def __init__(self) -> None:
            super().__init__()
            self.appended: list[_Append] = []
            joiners.append(self.appended)

        def append(self, data: bytes, keep: int) -> None:
            early = threading.current_thread() is not threading.main_thread()
            self.appended.append(_Append(pdf_pages(data)[0], keep, early))
            super().append(data, keep)

    monkeypatch.setattr("reportdsl.render.pieces.early_merge.PdfJoiner", Recording)
    return joiners


def _wait_for(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def _run(pieces, appends=None) -> list[str]:
    """Offer and deliver the pieces one by one; with ``appends``, wait after each final
    one until the merge thread has appended it (as long as all before it were final)."""
    merge = EarlyMerge(lambda piece: piece.final)
    for number, piece in enumerate(pieces, start=1):
        merge.offer(piece)
        piece.arrive()
        if appends is not None and all(p.final for p in pieces[:number]):
            assert _wait_for(lambda n=number: len(appends[0]) == n), f"piece {number} was not appended early"
    return pdf_pages(merge.finish(pieces))


def test_early_merge_appends_final_pieces_as_they_come(pdfs, appends):
    pieces = [_Piece(pdf, keep=1 if i < 3 else 2) for i, pdf in enumerate(pdfs)]
    assert _run(pieces, appends) == _merged(pieces) == ["piece 0 page 1", "piece 1 page 1", "piece 2 page 1",
                                                         "piece 3 page 1", "piece 3 page 2"]
    (early,) = appends  # one joiner: nothing started over
    assert [(a.text, a.keep, a.early) for a in early] == [
        ("piece 0 page 1", 1, True), ("piece 1 page 1", 1, True), ("piece 2 page 1", 1, True),
        ("piece 3 page 1", 2, True)]


def test_early_merge_stops_at_a_piece_that_is_not_final(pdfs, appends):
    pieces = [_Piece(pdf, keep=1) for pdf in pdfs]
    pieces[1].final = False
    assert _run(pieces, appends) == _merged(pieces)
    (joined,) = appends
    # Piece 0 early; from piece 1 (its total may still change) on, by finish().
    assert [(a.text, a.early) for a in joined] == [("piece 0 page 1", True), ("piece 1 page 1", False),
                                                   ("piece 2 page 1", False), ("piece 3 page 1", False)]


def test_early_merge_starts_over_when_a_piece_was_laid_out_again(pdfs, appends):
    pieces = [_Piece(pdf, keep=1) for pdf in pdfs[:3]]
    merge = EarlyMerge(lambda piece: True)
    for piece in pieces:
        merge.offer(piece)
        piece.arrive()
    merge.stop()
    assert [a.early for a in appends[0]] == [True, True, True]
    pieces[0].replaced = PieceOutcome(task=None, pages=[pdfs[3]])  # laid out again, after the append
    assert pdf_pages(merge.finish(pieces)) == ["piece 3 page 1", "piece 1 page 1", "piece 2 page 1"]
    assert [(a.text, a.early) for a in appends[1]] == [  # a new joiner, all three again
        ("piece 3 page 1", False), ("piece 1 page 1", False), ("piece 2 page 1", False)]


def test_a_worker_used_once_is_replaced_by_one_already_started(tmp_path):
    """``recycle_after=1``: every task goes to a fresh worker process, started while the
    one before was at work; no more than two processes a pool thread at any time."""
    pool = WorkerPool(1, recycle_after=1)
    try:
        seen: set[int] = set()
        for name in "abc":
            submitted = pool.submit(_task(tmp_path, name, f"piece {name}"))
            assert f"piece {name}" in pdf_pages(submitted.outcome.result(timeout=60).pages[0])[0]
            with pool._lock:
                running = {process.pid for process in pool._running}
            assert len(running) <= 2
            seen |= running
        assert len(seen) >= 3  # a new process for each task
    finally:
        pool.shutdown()
    assert not pool._running
