"""When to lay out the piece predicted to follow, before the cut it starts from is known.

In: after each cut, what became of the pieces laid out ahead on the page plan's
prediction (``after_cut``: ``HIT``, ``MISS``, or ``NONE`` when none was). Out:
``allowed()``: may an idle worker lay out a predicted piece now? And the counts.

Why: the cuts form a chain (a piece starts where the page before it ended), so without
predictions one worker lays out while the others only export, and a 2-core machine
runs at ~1.1 cores. A piece laid out on a predicted cut that proves right is a piece
laid out beside the chain; one that proves wrong is a compile thrown away. The old
rule stopped predicting for good after two misses in a row, so one stretch the plan
sized wrong (a page bottom it had not seen) left a core idle for the rest of a long
report (issue 18: a 1M-row build laid out 0 of 251 pieces ahead). Here a miss pauses
predictions for 1, 2, 4, … up to ``MAX_PAUSE`` cuts, and a hit ends the pause: even a
plan that is always wrong costs at most one compile in ``MAX_PAUSE`` + 1 pieces a
worker laying out ahead (≤ 1.1 compiles a piece with 2 workers), while a plan that is
right keeps every worker laying out. Measured (bench_chunked.py, 30k and 100k rows):
6 of 8 and 24 of 26 pieces laid out ahead, none wasted.
"""

from __future__ import annotations

from enum import Enum

MAX_PAUSE = 8  # cuts without predictions after repeated misses


class Ahead(Enum):
    HIT = "hit"  # the piece laid out ahead started on the real cut
    MISS = "miss"  # it did not: dropped
    NONE = "none"  # none was laid out ahead


class Speculation:
    def __init__(self, max_pause: int = MAX_PAUSE) -> None:
        self.max_pause = max_pause
        self.hits = 0
        self.misses = 0
        self._misses_in_a_row = 0
        self._pause = 0  # cuts to wait before predicting again

    def allowed(self) -> bool:
        return self._pause == 0

    def after_cut(self, ahead: Ahead) -> None:
        if ahead is Ahead.HIT:
            self.hits += 1
            self._misses_in_a_row = self._pause = 0
        elif ahead is Ahead.MISS:
            self.misses += 1
            self._misses_in_a_row += 1
            self._pause = min(self.max_pause, 2 ** (self._misses_in_a_row - 1))
        elif self._pause:
            self._pause -= 1
