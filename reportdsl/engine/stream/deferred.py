"""Values that are not final at their band point (a header's ``SUM(x)``, a footer's
``… over report``): emitted as ``Deferred(slot)`` and resolved when final.

In: at a band point, the value id, what is known now (group keys, aggregates final
at that point) and the depths whose end it waits for, innermost first (0 is the
report, L + 1 group level L). At each scope instance's end, that depth's final
aggregate values. Out: ``sink.resolve(slot, value)`` once the last awaited scope
ends, the value computed from the snapshot plus the awaited finals.

A snapshot holds only the values the expression reads, so an open group costs
O(its deferred values).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportdsl.engine.stream.events import Deferred


class Deferrals:
    def __init__(self, depths: int, evaluate: Callable[[str, dict], Any], resolve: Callable[[int, Any], None]):
        self.pending: list[list] = [[] for _ in range(depths)]
        self.evaluate = evaluate
        self.resolve = resolve
        self.next_slot = 0

    def defer(self, value_id: str, known: dict, waits: tuple[int, ...]) -> Deferred:
        slot = self.next_slot
        self.next_slot += 1
        self.pending[waits[0]].append((slot, value_id, known, waits, 0))
        return Deferred(slot)

    def settle(self, depth: int, finals: dict) -> None:
        """Scope ``depth`` ended with aggregate values ``finals`` (id -> value)."""
        items = self.pending[depth]
        if not items:
            return
        self.pending[depth] = []
        for slot, value_id, known, waits, i in items:
            known.update(finals)
            if i + 1 < len(waits):
                self.pending[waits[i + 1]].append((slot, value_id, known, waits, i + 1))
            else:
                self.resolve(slot, self.evaluate(value_id, known))
