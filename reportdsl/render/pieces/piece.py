"""One piece of a pieced document and its explicit states.

In: a run of body units ``[start, end)`` laid out from the top of page ``first_page``
by a worker (``worker_pool.Submitted``). Out: once cut, ``keep``, its final pages, and
``result()``, its exported ``PieceOutcome``.

The states, and the only moves between them (anything else is an internal error):

    LAYING_OUT ──cut()──▶ EXPORTING ──redo()──▶ REDOING ──settle()──▶ EXPORTING
        │                     ▲                    │ redo() (another total)
        │                     └────────────────────┘
        └──drop()──▶ DROPPED   (started on a predicted cut that proved wrong, or
                                too short to hold a cut: laid out again, longer)

A piece is LAYING_OUT from its submission until the scheduler reads its layout; it
is then cut (its worker exports its pages with the page total then expected) or
dropped. REDOING: laid out again with another page total (``page_total.py``);
``settle`` takes the new outcome once it has come.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from reportdsl.render.pieces.piece_worker import PieceOutcome
from reportdsl.render.pieces.worker_pool import Submitted


class PieceState(Enum):
    LAYING_OUT = "laying out"
    EXPORTING = "exporting"  # cut: its kept pages are final (unless laid out again)
    REDOING = "laid out again"  # with another page total
    DROPPED = "dropped"


@dataclass
class Piece:
    start: int
    end: int
    first_page: int
    total: int  # the page total it prints (exported with, or laid out with if not from a file)
    path: Path
    submitted: Submitted
    total_file: str | None = None  # where rd-pages() reads its total (from the root)
    page_values_file: str | None = None  # where rd-pv() reads its page values (from the root)
    state: PieceState = PieceState.LAYING_OUT
    keep: int = 0  # its pages that are final
    redo_total: int | None = None  # REDOING: the total it is laid out again with
    redo_task: Submitted | None = None
    outcome: PieceOutcome | None = None

    def _move(self, to: PieceState, *allowed: PieceState) -> None:
        if self.state not in allowed:
            raise RuntimeError(f"internal error: a piece {self.state.value} cannot become {to.value}")
        self.state = to

    def cut(self, keep: int) -> None:
        self._move(PieceState.EXPORTING, PieceState.LAYING_OUT)
        self.keep = keep

    def drop(self) -> None:
        self._move(PieceState.DROPPED, PieceState.LAYING_OUT)
        self.submitted.cancel()

    def redo(self, total: int, task: Submitted) -> None:
        self._move(PieceState.REDOING, PieceState.EXPORTING, PieceState.REDOING)
        self.redo_total, self.redo_task = total, task

    def settle(self, outcome: PieceOutcome) -> None:
        """The outcome laid out again with ``redo_total`` replaces the first."""
        self._move(PieceState.EXPORTING, PieceState.REDOING)
        self.outcome, self.total = outcome, self.redo_total or self.total
        self.redo_total = self.redo_task = None

    def printed(self) -> int:
        """The total its final pages print, or will once laid out again."""
        return self.redo_total if self.redo_total is not None else self.total

    def result(self) -> PieceOutcome:
        if self.outcome is None:
            self.outcome = self.submitted.outcome.result()
        return self.outcome

    def running(self) -> list[Future]:
        """What of it keeps a worker busy: laying out, exporting, or laying out again."""
        if self.state is PieceState.DROPPED:
            return []
        tasks = [self.submitted] + ([self.redo_task] if self.redo_task is not None else [])
        return [task.outcome for task in tasks if not task.outcome.done()]
