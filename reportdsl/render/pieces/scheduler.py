"""A long report laid out in pieces by worker processes, merged into one output.

In: a finished ``TypstDocument`` too long to lay out well in one go, the output
format and ``ChunkOptions`` (workers, piece size). Out: a ``RenderedDocument`` whose
pages are the single document's pages: the same page breaks, page numbers, "Page X
of Y" totals, repeated column headers, page values.

Typst holds a whole document in memory while it lays it out (~25 MB per 1,000 detail
rows here: 2.5 GB for 100k), so a long report is cut into pieces of a few thousand
body lines (``cutting.py`` says what a unit is and why a cut is exact). This bounds
memory: the piece size times the workers, whatever the row count. The scheduler is
one loop over the chain of cuts; each concern is a small policy of its own:

- **cutting** (``cutting.py``): when a piece's layout comes, ``choose_cut`` keeps its
  pages up to the last one that starts cleanly; the next piece starts there, with the
  page number after. A piece with no such page is dropped and laid out again, longer
  (``grown_lines``).
- **speculation** (``speculation.py``, with ``page_plan.py``): an idle worker lays
  out the piece the page plan predicts to follow, so pieces are laid out side by side;
  one whose start proves wrong is dropped, and misses pause predictions for a while.
- **the page total** (``page_total.py``, ``total_probe.py``): each piece is exported,
  as soon as it is cut, with the best total known (a probe of the document's end once
  the page plan reaches it — page probes, a few pages laid out where the plan stops
  short, teach it to — or an estimate) — read by ``rd-pages()`` from a file, so the worker exports the layout
  it holds. A piece whose total proves wrong is laid out again; page breaks must not
  move (checked). Page values (§13) are written for a piece when it is cut: the rows
  before it are known then.
- **states** (``piece.py``): each piece is LAYING_OUT, EXPORTING, REDOING or DROPPED.
- **merge** (``early_merge.py``, ``merge.py``): final pieces are appended to the PDF
  while later ones are laid out.

Workers are fresh interpreters (``worker_pool.py``, ``piece_worker.py``), each
replaced after ``RECYCLE_AFTER`` pieces (one) because Typst's caches grow with every
compile.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, wait
from pathlib import Path

from reportdsl.render.document.body import BodyIndex
from reportdsl.render.document.sink import TypstDocument
from reportdsl.render.errors import ReportRenderError
from reportdsl.render.page_values.values import RowPages, write_values
from reportdsl.render.pieces.cutting import ChunkOptions, boundary_after, choose_cut, grown_lines, piece_text
from reportdsl.render.pieces.early_merge import EarlyMerge
from reportdsl.render.pieces.merge import merge_pages
from reportdsl.render.pieces.page_plan import PagePlan
from reportdsl.render.pieces.page_total import PageTotal
from reportdsl.render.pieces.piece import Piece, PieceState
from reportdsl.render.pieces.piece_worker import PieceTask
from reportdsl.render.pieces.speculation import Ahead, Speculation
from reportdsl.render.pieces.total_probe import prints_total, template_text, total_in_file
from reportdsl.render.pieces.worker_pool import Submitted, WorkerPool, WorkerStopped
from reportdsl.render.typeset.compile import RenderedDocument, typst_error

# Pieces a worker lays out before it is replaced. Typst's caches keep every layout
# (typst-py never evicts them): measured, a worker's resident memory went 195, 323,
# 452 MB over three 3,000-row compiles; a fresh worker costs ~0.06 s of CPU and starts
# while its predecessor's last piece is laid out (worker_pool.py). So: one.
RECYCLE_AFTER = 1


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
        self.total_in_file = total_in_file(template)
        self.total = PageTotal(index.units, prints_total(template))
        self.plan = PagePlan(str(document.body), index)
        self.speculation = Speculation()
        self.submitted = 0  # pieces laid out (speculative ones and probes included)
        self.redone = 0  # pieces laid out again with another page total
        self.wasted = 0  # of both, thrown away: wrong predictions, too short, stale totals
        self.pieces = 0  # in the document
        self._final: list[Piece] = []
        self._merge: EarlyMerge | None = None  # PDF: pieces merged as they come
        self._rows_done = 0  # detail rows on the pages of the pieces exported so far (page values)

    @property
    def predicted(self) -> int:
        """Pieces laid out ahead, on a predicted cut that proved right."""
        return self.speculation.hits

    # ---- the whole run -------------------------------------------------------------------

    def run(self) -> RenderedDocument:
        pool = WorkerPool(self.options.workers, RECYCLE_AFTER, self.font_paths)
        if self.format == "pdf":
            self._merge = EarlyMerge(self._is_final)
        try:
            pieces = self._lay_out_in_order(pool)
            self.total.drop_all()  # the total is known now
            self._settle_total(pool, pieces, sum(piece.keep for piece in pieces))
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

    def _is_final(self, piece: Piece) -> bool:
        """Will ``piece`` keep the pages it was exported with? (Unless the estimate moves.)"""
        return self.total.final(piece.total, piece.state is PieceState.REDOING)

    def _lay_out_in_order(self, pool: WorkerPool) -> list[Piece]:
        """The chain of cuts: the head of ``flight`` starts on the last cut; the pieces
        after it, on predicted cuts."""
        units = self.index.units
        flight: deque[Piece] = deque()
        start, first_page, size = 0, 1, self.options.piece_lines
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
            if head.end >= units:  # the last piece: all its pages are final
                self._cut(head, layout.pages, units, head.first_page + layout.pages)
                return self._final
            cut = choose_cut(layout, head.end, self.lookahead)
            if cut is None:  # no page starts cleanly far enough from its end: grow it
                size = grown_lines(self.index, head.start, head.end)
                self._drop(head, *flight)  # they all assumed a cut in it
                flight.clear()
                continue
            start, first_page, size = cut.next_start, head.first_page + cut.keep, self.options.piece_lines
            self._cut(head, cut.keep, start, first_page)
            self.on_phase(f"typesetting: {first_page - 1:,} pages")
            if not flight:
                self.speculation.after_cut(Ahead.NONE)
            elif (flight[0].start, flight[0].first_page) == (start, first_page):
                self.speculation.after_cut(Ahead.HIT)
            else:
                self._drop(*flight)
                flight.clear()
                self.speculation.after_cut(Ahead.MISS)

    def _cut(self, piece: Piece, keep: int, next_start: int, next_page: int) -> None:
        """``piece``'s first ``keep`` pages are final: export them with the best total."""
        piece.cut(keep)
        self._final.append(piece)
        if next_start >= self.index.units:
            total = next_page - 1  # the true total
        else:
            self.total.after_cut(next_start, next_page - 1)
            total = self.total.estimate()
        self._export(piece, total)
        if self._merge is not None:
            self._merge.offer(piece)

    def _drop(self, *pieces: Piece) -> None:
        for piece in pieces:
            self.wasted += 1
            piece.drop()

    def _wait_for_layout(self, pool: WorkerPool, flight: deque[Piece]) -> None:
        """Until the head of ``flight`` is laid out, give every worker that falls idle
        (one that finished exporting a piece, say) something to do."""
        head = flight[0].submitted.layout
        while True:
            self._fill_idle_workers(pool, flight)
            if head.done():
                return
            running = [future for piece in (*self._final, *flight) for future in piece.running()]
            running += self.total.probing()
            wait([head, *running], return_when=FIRST_COMPLETED)

    def _fill_idle_workers(self, pool: WorkerPool, flight: deque[Piece]) -> None:
        """Give idle workers, first, the document's end, once the page plan reaches it
        (its pages give the total every piece prints); then the pieces predicted to
        follow; else, once the total has settled, the pieces done so far again with it,
        so that few are left to redo when the true total is known."""
        self.total.read_probe()
        while self._busy(flight) < self.options.workers:
            if self.total.start_probe(self.plan, self._submit_probe(pool)):
                continue
            predicted = self._predict_cut(flight[-1]) if self.speculation.allowed() else None
            if predicted is not None:
                flight.append(self._submit(pool, *predicted, self.options.piece_lines))
                continue
            if not self.total.settled(flight[-1].end >= self.index.units) or not self._redo_one(pool):
                return

    def _busy(self, flight: deque[Piece]) -> int:
        return len(self.total.probing()) + sum(1 for piece in (*self._final, *flight) if piece.running())

    def _predict_cut(self, piece: Piece) -> tuple[int, int] | None:
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

    # ---- the total -----------------------------------------------------------------------

    def _redo_one(self, pool: WorkerPool, total: int | None = None) -> bool:
        """Lay the first piece that prints another total out again with ``total`` (by
        default the estimate); False if there is none."""
        total = self.total.estimate() if total is None else total
        stale = self.total.stale([piece.printed() for piece in self._final], total)
        if stale is None:
            return False
        piece = self._final[stale]
        if piece.state is PieceState.REDOING:
            self.wasted += 1  # laid out again with a total that moved since
        self.redone += 1
        piece.redo(total, pool.submit(self._task(piece.path, piece.first_page, total,
                                                 page_values_file=piece.page_values_file)))
        return True

    def _settle_total(self, pool: WorkerPool, pieces: list[Piece], total: int) -> None:
        """Every piece laid out with the true total: redone where it was not."""
        if self.total.prints:
            self.on_phase(f"typesetting: {total:,} pages, with the total")
        while self._redo_one(pool, total):
            pass
        for piece in pieces:
            if piece.redo_task is None:
                continue
            outcome = piece.redo_task.outcome.result()
            if outcome.failure is not None:
                raise typst_error(self.document, outcome.failure)
            if outcome.piece_layout().first_on_page != piece.result().piece_layout().first_on_page:
                raise ReportRenderError(
                    "internal error: printing the page total moved page breaks "
                    f"(pages {piece.first_page}-{piece.first_page + piece.keep - 1}); "
                    "build with --jobs 1 and report it"
                )
            piece.settle(outcome)

    def _export(self, piece: Piece, total: int) -> None:
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

    # ---- submitting ----------------------------------------------------------------------

    def _submit(self, pool: WorkerPool, start: int, first_page: int, size: int) -> Piece:
        # Enough units that a cut can leave the lookahead after it.
        end = min(self.index.units, max(boundary_after(self.index, start, size), start + 4 * self.lookahead))
        path = self._write_piece(start, end)
        total = self.total.estimate()
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
        return Piece(start, end, first_page, total, path, submitted, total_file, page_values_file)

    def _write_piece(self, start: int, end: int, name: str = "piece") -> Path:
        path = Path(self.document.root) / f"{name}-{self.submitted}.typ"
        self.submitted += 1
        path.write_bytes(piece_text(self.document, self.index, start, end))
        return path

    def _submit_probe(self, pool: WorkerPool) -> Callable[..., Submitted]:
        def submit(unit: int, first_page: int, end: int | None = None) -> Submitted:
            path = self._write_piece(unit, self.index.units if end is None else end, "probe")
            return pool.submit(self._task(path, first_page, self.total.estimate(), await_order=True))

        return submit

    def _task(self, path: Path, first_page: int, total: int, total_file: str | None = None,
              await_order: bool = False, page_values_file: str | None = None) -> PieceTask:
        return PieceTask(
            path=str(path), root=str(self.document.root), format=self.format,
            first_page=first_page, total_pages=total, ppi=self.ppi, timestamp=self.timestamp,
            font_paths=self.font_paths, total_file=total_file, await_order=await_order,
            page_values_file=page_values_file,
        )
