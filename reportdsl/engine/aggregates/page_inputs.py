"""The per-row inputs of page values (LANGUAGE.md §13), shared by the engine and the renderer.

In: a ``Plan``. Out: ``page_inputs(plan)`` — the distinct (argument, filter) pairs of its
page aggregates (scope ``page``), in plan order, and for each page aggregate the index
of its input (``None``: ``COUNT()``, which counts every row).

The engine sends, with each detail row, one value per input (``Sink.page_row``): the
argument's value, ``None`` where the filter drops the row (as for every aggregate), and
for ``COUNT(where COND)``, which has no argument, the filter's truth. The renderer
aggregates them per page (``render/page_values/values.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reportdsl.engine.aggregates.layout import PAGE_SCOPE, canonical
from reportdsl.plan.models import Aggregate, Expr, Plan


@dataclass(frozen=True)
class PageInputs:
    inputs: list[tuple[Expr | None, Expr | None]] = field(default_factory=list)
    aggregates: list[tuple[Aggregate, int | None]] = field(default_factory=list)


def page_inputs(plan: Plan) -> PageInputs:
    out = PageInputs()
    index: dict[str, int] = {}
    for a in plan.aggregates:
        if a.scope != PAGE_SCOPE:
            continue
        if a.arg is None and a.filter is None:
            out.aggregates.append((a, None))
            continue
        key = f"{canonical(a.arg)} where {canonical(a.filter)}"
        if key not in index:
            index[key] = len(out.inputs)
            out.inputs.append((a.arg, a.filter))
        out.aggregates.append((a, index[key]))
    return out
