"""The page total a pieced document prints ("Page X of Y"): which one, and who redoes.

In: whether the template prints the total (``total_probe.prints_total``), the body's
unit count, each cut (``after_cut``: the units and pages final so far), and the probe
of the document's end (``total_probe.TotalProbe``) when the page plan reaches it.
Out: ``estimate()``, the total a piece is exported with; ``settled()``, whether it is
worth laying pieces out again with it before the last piece is known; ``stale()``,
the first piece printing another total; ``final()``, whether a piece's pages stand.

Why a policy: a piece's layout gives only its own pages, so until the last piece is
laid out the total is the probe's (exact if the plan holds) or an estimate from the
pages a unit so far. The total never moves a page break (the footer's height is
fixed), so a piece is exported with the best total known when it is cut — its worker
still holds the layout — and a piece whose total proves wrong is laid out again, by
an idle worker once the estimate has held for two cuts, or at the end. A template that
prints no total has nothing to redo.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from reportdsl.render.pieces.page_plan import PagePlan
from reportdsl.render.pieces.total_probe import TotalProbe
from reportdsl.render.pieces.worker_pool import Submitted

FIRST_GUESS_UNITS_A_PAGE = 50  # before any piece is cut
PAGE_PROBE_PAGES = 3  # pages of units a page probe lays out
# Page probes a cut may add to the build: each lays out a few pages (~5% of a piece),
# so this keeps them under ~10% of the compile work.
PAGE_PROBES_A_PIECE = 2


class PageTotal:
    def __init__(self, units: int, prints: bool) -> None:
        self.units = units
        self.prints = prints
        self.probe: TotalProbe | None = None
        self._probed_from = 0  # the cut the last probe was tried from
        self._pages_done = 0  # final pages so far
        self._units_done = 0  # units on them
        self._previous = 0  # the estimate before the last cut
        self.page_probe: Submitted | None = None  # a few pages where the plan stopped
        self.page_probes = 0  # laid out
        self._page_probed: set[int] = set()  # the units they started from
        self._cuts = 0
        self._tried: tuple[int, int] = (0, 0)  # (the cut, layouts learnt) of the last try
        self._plan: PagePlan | None = None

    def estimate(self) -> int:
        if self.probe is not None and self.probe.total is not None:
            return self.probe.total
        if not self._units_done:
            return max(1, self.units // FIRST_GUESS_UNITS_A_PAGE)
        rate = self._pages_done / self._units_done
        return self._pages_done + max(1, math.ceil((self.units - self._units_done) * rate))

    def after_cut(self, units_done: int, pages_done: int) -> None:
        """A cut: units ``[0, units_done)`` fill pages 1 to ``pages_done``, for good."""
        if self.probe is not None and not self.probe.planned(units_done, pages_done + 1):
            self.drop_probe()  # it started from a page the document does not have
        self._previous = self.estimate()
        self._units_done, self._pages_done = units_done, pages_done
        self._cuts += 1

    def settled(self, last_laid_out: bool) -> bool:
        """Worth laying pieces out again with now: it held over the last cut, or the
        last piece is being laid out."""
        return self.prints and (last_laid_out or self._previous == self.estimate())

    def final(self, printed: int, redoing: bool) -> bool:
        """Do a piece's pages, exported with ``printed``, stand (unless the estimate moves)?"""
        return not self.prints or (not redoing and printed == self.estimate())

    def stale(self, printed: Sequence[int], total: int) -> int | None:
        """The first of the pieces, which print ``printed`` (or will, once laid out again),
        that prints another total than ``total``."""
        if not self.prints:
            return None
        return next((i for i, value in enumerate(printed) if value != total), None)

    # ---- the probe -----------------------------------------------------------------------

    def start_probe(self, plan: PagePlan, submit: Callable[..., Submitted]) -> bool:
        """Lay out the document's end early (``total_probe``) once the page plan reaches
        it from the last cut; where the plan stops short at a row it could learn to size
        (a new kind of row, a page bottom not seen yet), lay out a *page probe* — a few
        pages from there, whose layout the plan learns (``read_probe``), so that it
        reaches further: the total is then known early even in a long report, whose
        pages would otherwise meet such a row somewhere (issue 18: a 1M-row build had
        every piece laid out twice). One probe at a time, tried again after each cut
        and each layout learnt; only if the template prints the total."""
        start = self._units_done
        if not self.prints or self.probe is not None or self.page_probe is not None or not start:
            return False
        attempt = (start, plan.learnt)
        if attempt == self._tried:
            return False
        self._tried = attempt
        self.probe = TotalProbe.start(plan, start, self._pages_done + 1, submit)
        if self.probe is not None:
            return True
        stuck = plan.reach(start)[-1]
        budget = PAGE_PROBES_A_PIECE * self._cuts + 2
        if not plan.stopped_at_row or stuck in self._page_probed or self.page_probes >= budget:
            return False
        self._page_probed.add(stuck)
        self.page_probes += 1
        units_a_page = max(1, start // max(1, self._pages_done))
        self._plan = plan
        self.page_probe = submit(stuck, 1, min(self.units, stuck + PAGE_PROBE_PAGES * units_a_page))
        return True

    def read_probe(self) -> None:
        """Take what a finished probe gives: the total, or the plan's lesson."""
        if self.probe is not None and not self.probe.read():
            self.drop_probe()
        probe = self.page_probe
        if probe is not None and probe.layout.done():
            self.page_probe = None
            laid_out = probe.layout.result()
            probe.cancel()  # its pages are not needed
            if laid_out.failure is None and self._plan is not None:
                self._plan.learn(laid_out.piece_layout())

    def probing(self) -> list[Future]:
        """The probes' layouts still to come (each keeps a worker busy)."""
        probes = [self.page_probe] + ([self.probe.submitted] if self.probe is not None else [])
        return [probe.layout for probe in probes if probe is not None and not probe.layout.done()]

    def drop_probe(self) -> None:
        if self.probe is not None:
            self.probe.drop()
            self.probe = None

    def drop_all(self) -> None:
        self.drop_probe()
        if self.page_probe is not None:
            self.page_probe.cancel()
            self.page_probe = None
