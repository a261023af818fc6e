"""The page total of a pieced document, known early: its end laid out ahead of time.

In: the page plan (``page_plan.PagePlan``), the latest cut (its unit and page number)
and a way to submit a piece for layout. Out: a ``TotalProbe`` — or none, when the plan
does not reach near the end — whose ``total``, once its worker has laid it out, is
the number of pages the document has if the plan holds.

Why: every page prints "Page X of Y", and a piece exported with a wrong Y is laid out
again. A piece's layout gives only its own pages, so Y is otherwise known when the
last piece is laid out: an estimate before that. The plan usually reaches the last
detail row; what follows (a summary band, say) only Typst can size. So the probe lays
out the document's last planned page onwards — a page or two — and its last page
number is the total. The scheduler drops it when a cut lands off the planned pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reportdsl.render.pieces.page_plan import PagePlan
from reportdsl.render.pieces.worker_pool import Submitted

if TYPE_CHECKING:
    from reportdsl.render.document.sink import TypstDocument

PROBED_UNITS = 1000  # the most units after the last planned page that a probe lays out


@dataclass
class TotalProbe:
    first_page: int  # of the page it starts with, as planned
    chain: dict[int, int]  # the page starts planned on the way there: unit -> page number
    submitted: Submitted
    total: int | None = None  # its last page's number, once laid out

    @classmethod
    def start(cls, plan: PagePlan, cut: int, page: int,
              submit: Callable[[int, int], Submitted]) -> TotalProbe | None:
        """From the cut at unit ``cut``, which starts page ``page``: ``submit(unit,
        page number)`` lays out the document from that page on, if it is near the end."""
        starts = plan.reach(cut)
        if plan.index.units - starts[-1] > PROBED_UNITS:
            return None
        first = page + len(starts) - 1
        return cls(first, {unit: page + i for i, unit in enumerate(starts)}, submit(starts[-1], first))

    def planned(self, unit: int, page: int) -> bool:
        """Does the plan it stands on have page ``page`` start with unit ``unit``?"""
        return self.chain.get(unit) == page

    def laying_out(self) -> bool:
        return not self.submitted.layout.done()

    def read(self) -> bool:
        """Once laid out, take the total and free the worker (the pages are not
        needed); False if the layout failed (the real piece will fail and say so)."""
        if self.total is not None or self.laying_out():
            return True
        laid_out = self.submitted.layout.result()
        self.submitted.cancel()
        if laid_out.failure is not None:
            return False
        self.total = self.first_page - 1 + laid_out.piece_layout().pages
        return True

    def drop(self) -> None:
        self.submitted.cancel()


# Whether the template prints the page total at all, and how (read by the scheduler).
_TOTAL_MARKS = ("rd-pages(", "rd-total-pages", "counter(page).final")
RUNTIME_END = "// ---- end of the reportdsl runtime ----"  # the last line of _runtime.typ.j2


def template_text(document: TypstDocument) -> str:
    return document.preamble.read_text(encoding="utf-8").split(RUNTIME_END, 1)[-1]


def prints_total(template: str) -> bool:
    """Does the template print the page total? (Only then does the estimate matter.)"""
    return any(mark in template for mark in _TOTAL_MARKS)


def total_in_file(template: str) -> bool:
    """Does it print the total only through ``rd-pages()``, which can read it from a file?"""
    return prints_total(template) and not any(mark in template for mark in _TOTAL_MARKS[1:])
