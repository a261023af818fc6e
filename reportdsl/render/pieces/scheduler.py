"""A long report laid out in pieces by worker processes, merged into one output.

In: a finished ``TypstDocument`` too long to lay out well in one go, the output
format and ``ChunkOptions`` (workers, piece size). Out: a ``RenderedDocument`` whose
pages are the single document's pages: the same page breaks, page numbers, "Page X
of Y" totals, repeated column headers, values.

Typst holds a whole document in memory while it lays it out (~25 MB per 1,000 detail
rows here: 2.5 GB for 100k), so a long report is cut into pieces of a few thousand
body lines (``pieces.py`` says what a unit is and why a cut is exact). This bounds
memory. The cuts depend on each other, so the layouts form a chain; everything else
is done beside it:

1. **Pages, in order.** A piece starts at the top of a page, with its real page number.
   When Typst has laid it out, the worker reports where its pages start
   (``piece_worker``); the piece's last page is dropped — the next units would have
   continued it — and the next piece, starting with that page's first unit, goes to a
   free worker at once, while the first worker exports the piece's pages. A worker
   with nothing to do lays out the piece predicted to follow *speculatively*, from
   the page plan (``page_plan.py``: row heights learned from the pieces laid out so
   far); so pieces are laid out side by side while the plan holds. A piece whose
   predicted start proves wrong is dropped before it is exported.
2. **The total.** Until the last piece is laid out the number of pages is an estimate,
   unless the plan reaches the end of the document: then a *probe*, the document's
   last planned page onwards laid out early, gives the total it will have if the plan
   holds (it is dropped when a cut proves the plan wrong).
   The built-in runtime's ``rd-pages()`` reads it, in context, from a file per piece,
   which is written with the best estimate when the piece is cut — after its own pages
   are counted — so exporting with it costs no new layout. A piece exported with an
   estimate that proves wrong is laid out again with the true total, by a worker that
   is idle (once the estimate has held for two cuts) or at the end. The total does not
   move page breaks (checked: a piece whose pages change is an internal error, never a
   silently different document). Templates that print ``rd-total-pages`` themselves
   get the estimate through ``sys.inputs`` at layout time instead.
3. **Merge** (``early_merge.py``, ``merge.py``): the kept pages of each piece, in
   order, appended as they arrive; after the last piece only the write is left.

Workers are fresh interpreters (``worker_pool.py``, ``piece_worker.py``), each
replaced after ``RECYCLE_AFTER`` pieces because Typst's caches grow with every
compile; memory is bounded by the piece size times the number of workers, whatever
the row count.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from pathlib import Path

from reportdsl.render.document.body import BodyIndex
from reportdsl.render.document.sink import TypstDocument
from reportdsl.render.errors import ReportRenderError
from reportdsl.render.page_values.values import RowPages, write_values
from reportdsl.render.pieces.cutting import (
    ChunkOptions,
    boundary_after,
    choose_cut,
    piece_text,
)
from reportdsl.render.pieces.early_merge import EarlyMerge
from reportdsl.render.pieces.merge import merge_pages
from reportdsl.render.pieces.page_plan import PagePlan
from reportdsl.render.pieces.piece_worker import PieceOutcome, PieceTask
from reportdsl.render.pieces.total_probe import TotalProbe, prints_total, template_text, total_in_file
from reportdsl.render.pieces.worker_pool import Submitted, WorkerPool, WorkerStopped
from reportdsl.render.typeset.compile import RenderedDocument, typst_error

RECYCLE_AFTER = 2  # pieces a worker lays out before it is replaced


@dataclass
class _Piece:
    start: int
    end: int
    first_page: int
    total: int  # the page total it prints (exported with, or laid out with if not from a file)
    path: Path
    submitted: Submitted
    total_file: str | None = None  # where rd-pages() reads its total (from the root)
    page_values_file: str | None = None  # where rd-pv() reads its page values (from the root)
    outcome: PieceOutcome | None = None
    keep: int = 0  # its pages that are final
    redo: tuple[int, Submitted] | None = None  # laid out again with another total

    def result(self) -> PieceOutcome:
        if self.outcome is None:
            self.outcome = self.submitted.outcome.result()
        return self.outcome

    def running(self) -> list[Future]:
        """What of it keeps a worker busy: laying out, exporting, or laying out again."""
        tasks = [self.submitted] + ([self.redo[1]] if self.redo is not None else [])
        return [task.outcome for task in tasks if not task.outcome.done()]


class PieceScheduler:
    """Lays out ``document`` in pieces (``run()``), as the module docstring says."""

    def __init__(
        self,
        document: TypstDocument,
        index: BodyIndex,
        format: str,
        options: ChunkOptions,
        *,
        lookahead: int,
        ppi: float | None = None,
        timestamp: int | None = None,
        font_paths: Sequence[str] = (),
        on_phase: Callable[[str], None] | None = None,
    ) -> None:
        self.document = document
        self.index = index
        self.format = format
        self.options = options
        self.lookahead = lookahead  # units after a cut that keep it from looking past the end
        self.ppi = ppi
        self.timestamp = timestamp
        self.font_paths = tuple(font_paths)
        self.on_phase = on_phase or (lambda text: None)
        template = template_text(document)
        self.prints_total = prints_total(template)
        self.total_in_file = total_in_file(template)
        self.plan = PagePlan(str(document.body), index)
        self.speculating = True  # until predictions keep failing
        self.missed = 0  # predictions wrong in a row
        self.submitted = 0  # pieces laid out (speculative ones and probes included)
        self.redone = 0  # pieces laid out again with another page total
        self.wasted = 0  # of both, thrown away: wrong predictions, stale totals
        self.predicted = 0  # pieces laid out ahead, on a predicted cut that proved right
        self.pieces = 0  # in the document
        self._final: list[_Piece] = []
        self._done_pages = 0
        self._done_units = 0
        self._last_estimate = 0  # the estimate of the total before the last cut
        self._merge: EarlyMerge | None = None  # PDF: pieces merged as they come
        self._probe: TotalProbe | None = None  # the document's end, laid out early for its total
        self._probed_from = 0  # the cut the last probe was tried from
        self._rows_done = 0  # detail rows on the pages of the pieces exported so far (page values)

    # ---- the whole run -------------------------------------------------------------------

    def run(self) -> RenderedDocument:
        pool = WorkerPool(self.options.workers, RECYCLE_AFTER, self.font_paths)
        if self.format == "pdf":
            self._merge = EarlyMerge(self._is_final)
        try:
            pieces = self._lay_out_in_order(pool)
            total = sum(piece.keep for piece in pieces)
            if self.prints_total:
                self._settle_total(pool, pieces, total)
        except WorkerStopped as exc:
            self._stop(pool)
            raise ReportRenderError(f"{exc}; if memory is short, build with fewer jobs or smaller pieces") from None
        except BaseException:
            self._stop(pool)
            raise
        pool.shutdown()
        self.pieces = len(pieces)
        warnings: dict[str, None] = {}
        for piece in pieces:
            failure = piece.result().failure
            if failure is not None:  # exporting failed
                if self._merge is not None:
                    self._merge.stop()
                raise typst_error(self.document, failure)
            warnings.update(dict.fromkeys(piece.result().warnings))
        if self._merge is not None:
            pages = [self._merge.finish(pieces)]
        else:
            pages = merge_pages(self.format, [(piece.result().pages, piece.keep) for piece in pieces])
        return RenderedDocument(self.format, pages, list(warnings))

    def _stop(self, pool: WorkerPool) -> None:
        pool.shutdown(terminate=True)
        if self._merge is not None:
            self._merge.stop()

    def _is_final(self, piece: _Piece) -> bool:
        """Will ``piece`` keep the pages it was exported with? (Unless the estimate moves.)"""
        return not self.prints_total or (piece.redo is None and piece.total == self._estimate_total())

    def _lay_out_in_order(self, pool: WorkerPool) -> list[_Piece]:
        units = self.index.units
        flight: deque[_Piece] = deque()  # the head's start is known; the rest are guesses
        start, first_page = 0, 1
        size = self.options.piece_lines
        while True:
            if not flight:
                flight.append(self._submit(pool, start, first_page, size))
            self._wait_for_layout(pool, flight)
            head = flight.popleft()
            laid_out = head.submitted.layout.result()  # its pages come later
            if laid_out.failure is not None:
                raise typst_error(self.document, laid_out.failure)
            layout = laid_out.piece_layout()
            self.plan.learn(layout)
            if head.end >= units:
                head.keep = layout.pages
                self._final.append(head)
                self._export(head, head.first_page - 1 + layout.pages)  # the true total
                self._offer(head)
                return self._final
            cut = choose_cut(layout, head.end, self.lookahead)
            if cut is None:
                self.wasted += 1
                head.submitted.cancel()
                self._discard(flight)  # they all assumed a cut in this piece
                # No clean page yet: a longer piece.
                size = (self.index.lines[head.end] - self.index.lines[head.start]) * 2
                continue
            head.keep = cut.keep
            self._final.append(head)
            start, first_page = cut.next_start, head.first_page + cut.keep
            size = self.options.piece_lines
            if self._probe is not None and not self._probe.planned(start, first_page):
                self._drop_probe()  # it started from a page the document does not have
            self._last_estimate = self._estimate_total()
            self._done_pages, self._done_units = first_page - 1, start
            self._export(head, self._estimate_total())  # this piece's own pages counted
            self._offer(head)
            self.on_phase(f"typesetting: {self._done_pages:,} pages")
            if flight:
                if (flight[0].start, flight[0].first_page) == (start, first_page):
                    self.missed = 0
                    self.predicted += 1
                else:
                    self._discard(flight)
                    self.missed += 1
                    self.speculating = self.missed < 2

    def _wait_for_layout(self, pool: WorkerPool, flight: deque[_Piece]) -> None:
        """Until the head of ``flight`` is laid out, give every worker that falls idle
        (one that finished exporting a piece, say) something to do."""
        head = flight[0].submitted.layout
        while True:
            self._fill_idle_workers(pool, flight)
            if head.done():
                return
            running = [future for piece in (*self._final, *flight) for future in piece.running()]
            if self._probe is not None and self._probe.laying_out():
                running.append(self._probe.submitted.layout)
            wait([head, *running], return_when=FIRST_COMPLETED)

    def _fill_idle_workers(self, pool: WorkerPool, flight: deque[_Piece]) -> None:
        """Give idle workers, first, the document's end, once the page plan reaches it
        (its pages give the total every piece prints); then the pieces predicted to
        follow; else, once the estimate of the total has held for two cuts (or the last
        piece is being laid out), the pieces done so far again with that estimate, so
        that few are left to redo when the true total is known."""
        if self._probe is not None and not self._probe.read():
            self._drop_probe()
        while self._busy(flight) < self.options.workers:
            if self._start_probe(pool):
                continue
            predicted = self._predict_cut(flight[-1]) if self.speculating else None
            if predicted is not None:
                flight.append(self._submit(pool, *predicted, self.options.piece_lines))
                continue
            estimate = self._estimate_total()
            settled = self._last_estimate == estimate or flight[-1].end >= self.index.units
            if not settled or not self._redo_one(pool, estimate):
                return

    def _busy(self, flight: deque[_Piece]) -> int:
        probing = self._probe is not None and self._probe.laying_out()
        return probing + sum(1 for piece in (*self._final, *flight) if piece.running())

    def _predict_cut(self, piece: _Piece) -> tuple[int, int] | None:
        """The cut ``choose_cut`` will make in ``piece``, from the page plan."""
        if piece.end >= self.index.units:
            return None  # the last piece
        starts = self.plan.page_starts(piece.start, piece.end)
        if starts is None:
            return None  # a page the plan cannot size
        for page in range(len(starts) - 1, 0, -1):
            if piece.end - starts[page] >= self.lookahead:
                return starts[page], piece.first_page + page
        return None

    def _discard(self, flight: deque[_Piece]) -> None:
        self.wasted += len(flight)
        for piece in flight:
            piece.submitted.cancel()
        flight.clear()

    # ---- the total -----------------------------------------------------------------------

    def _redo_one(self, pool: WorkerPool, total: int) -> bool:
        if not self.prints_total:
            return False
        for piece in self._final:
            current = piece.redo[0] if piece.redo else piece.total
            if current != total:
                if piece.redo:
                    self.wasted += 1
                self.redone += 1
                piece.redo = (total, pool.submit(self._task(piece.path, piece.first_page, total,
                                                            page_values_file=piece.page_values_file)))
                return True
        return False

    def _settle_total(self, pool: WorkerPool, pieces: list[_Piece], total: int) -> None:
        """Every piece laid out with the true total: redone where it was not."""
        self.on_phase(f"typesetting: {total:,} pages, with the total")
        while self._redo_one(pool, total):
            pass
        for piece in pieces:
            if piece.redo is None:
                continue
            redo_total, submitted = piece.redo
            outcome = submitted.outcome.result()
            if outcome.failure is not None:
                raise typst_error(self.document, outcome.failure)
            if outcome.piece_layout().first_on_page != piece.result().piece_layout().first_on_page:
                raise ReportRenderError(
                    "internal error: printing the page total moved page breaks "
                    f"(pages {piece.first_page}-{piece.first_page + piece.keep - 1}); "
                    "build with --jobs 1 and report it"
                )
            piece.outcome, piece.total, piece.redo = outcome, redo_total, None

    def _export(self, piece: _Piece, total: int) -> None:
        """Order ``piece``'s pages, printing ``total`` if its template reads it from the file,
        and its page values (§13): pieces are exported in order, so the rows before it
        are known."""
        values = self.document.page_values
        if values is not None and piece.page_values_file is not None:
            layout = piece.submitted.layout.result().piece_layout()
            texts, self._rows_done = values.texts(RowPages.from_query(layout.pages, layout.rows),
                                                  rows_before=self._rows_done, pages=piece.keep)
            write_values(str(Path(self.document.root, piece.page_values_file.lstrip("/"))), texts)
        if piece.total_file is not None and total != piece.total:
            Path(self.document.root, piece.total_file.lstrip("/")).write_text(str(total), encoding="utf-8")
            piece.total = total
        piece.submitted.export()

    def _offer(self, piece: _Piece) -> None:
        if self._merge is not None:
            self._merge.offer(piece)

    def _estimate_total(self) -> int:
        if self._probe is not None and self._probe.total is not None:
            return self._probe.total
        units = self.index.units
        if not self._done_units:
            return max(1, units // 50)
        rate = self._done_pages / self._done_units
        return self._done_pages + max(1, math.ceil((units - self._done_units) * rate))

    # ---- submitting ----------------------------------------------------------------------

    def _submit(self, pool: WorkerPool, start: int, first_page: int, size: int) -> _Piece:
        # Enough units that a cut can leave the lookahead after it.
        end = min(self.index.units, max(boundary_after(self.index, start, size), start + 4 * self.lookahead))
        path = self._write_piece(start, end)
        total = self._estimate_total()
        total_file = None
        if self.total_in_file:
            total_file = f"/{path.stem}.total"
            path.with_suffix(".total").write_text(str(total), encoding="utf-8")
        page_values_file = None
        if self.document.page_values is not None:
            page_values_file = f"/{path.stem}.pages.json"
            write_values(str(path.with_suffix(".pages.json")), {})
        # The piece waits after its layout: exported once its cut is known, else dropped.
        submitted = pool.submit(self._task(path, first_page, total, total_file, await_order=True,
                                           page_values_file=page_values_file))
        return _Piece(start, end, first_page, total, path, submitted, total_file, page_values_file)

    def _write_piece(self, start: int, end: int, name: str = "piece") -> Path:
        path = Path(self.document.root) / f"{name}-{self.submitted}.typ"
        self.submitted += 1
        path.write_bytes(piece_text(self.document, self.index, start, end))
        return path

    def _start_probe(self, pool: WorkerPool) -> bool:
        """Lay out the document's end early (``total_probe``): once per cut, while no
        probe stands, if the template prints the total."""
        start, page = self._done_units, self._done_pages + 1
        if not self.prints_total or self._probe is not None or not start or self._probed_from == start:
            return False
        self._probed_from = start

        def submit(unit: int, first_page: int) -> Submitted:
            path = self._write_piece(unit, self.index.units, "probe")
            return pool.submit(self._task(path, first_page, self._estimate_total(), await_order=True))

        self._probe = TotalProbe.start(self.plan, start, page, submit)
        return self._probe is not None

    def _drop_probe(self) -> None:
        if self._probe is not None:
            self._probe.drop()
            self._probe = None

    def _task(self, path: Path, first_page: int, total: int, total_file: str | None = None,
              await_order: bool = False, page_values_file: str | None = None) -> PieceTask:
        return PieceTask(
            path=str(path), root=str(self.document.root), format=self.format,
            first_page=first_page, total_pages=total, ppi=self.ppi, timestamp=self.timestamp,
            font_paths=self.font_paths, total_file=total_file, await_order=await_order,
            page_values_file=page_values_file,
        )
