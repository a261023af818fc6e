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

from reportdsl.render.pieces.page_plan import PagePlan
from reportdsl.render.pieces.total_probe import TotalProbe
from reportdsl.render.pieces.worker_pool import Submitted

FIRST_GUESS_UNITS_A_PAGE = 50  # before any piece is cut


class PageTotal:
    def __init__(self, units: int, prints: bool) -> None:
        self.units = units
        self.prints = prints
        self.probe: TotalProbe | None = None
        self._probed_from = 0  # the cut the last probe was tried from
        self._pages_done = 0  # final pages so far
        self._units_done = 0  # units on them
        self._previous = 0  # the estimate before the last cut

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

    def start_probe(self, plan: PagePlan, submit: Callable[[int, int], Submitted]) -> bool:
        """Lay out the document's end early (``total_probe``): once per cut, while no
        probe stands, if the template prints the total."""
        start = self._units_done
        if not self.prints or self.probe is not None or not start or self._probed_from == start:
            return False
        self._probed_from = start
        self.probe = TotalProbe.start(plan, start, self._pages_done + 1, submit)
        return self.probe is not None

    def read_probe(self) -> None:
        if self.probe is not None and not self.probe.read():
            self.drop_probe()

    def probing(self) -> bool:
        return self.probe is not None and self.probe.laying_out()

    def drop_probe(self) -> None:
        if self.probe is not None:
            self.probe.drop()
            self.probe = None
