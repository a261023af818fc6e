"""Generated code, band values: what each band point computes, now or once its scope ends.

In: the plan's band value ids at one band point, and the depth whose aggregates are
final there. Out: ``BandValue``s (``band_values``), and the statements that build a
band's values dict (``_values_dict``): values known now inline, the others as a
``_defer`` of the value with a snapshot of what it reads (``engine/stream/deferred.py``).
``RunnerWriter`` (``loop``) holds the state these read: the plan's values, the
aggregate layout, the code buffer and context, and what is deferred.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportdsl.engine.aggregates.layout import PAGE_SCOPE, AggregateLayout
from reportdsl.engine.codegen.expressions import CodeContext, ExprWriter, NameMap, aggregate_ids, refs
from reportdsl.engine.codegen.rows import CodeBuffer, LineContext, as_span
from reportdsl.plan.models import Expr, Plan


@dataclass(frozen=True)
class BandValue:
    id: str
    expr: Expr
    waits: tuple[int, ...]  # depths to wait for, innermost first; () = evaluate now


class BandValues:
    plan: Plan
    values: dict
    aggs: AggregateLayout
    buf: CodeBuffer
    ctx: CodeContext
    params: dict[str, str]
    deferred: dict[str, Expr]
    page_values: set[str]
    waited_depths: set[int]

    def band_values(self, ids: list[str], final_depth: int | None, band_depth: int | None = None) -> list[BandValue]:
        """Values at a band point where aggregates of ``final_depth`` are final; running
        aggregates are read at the end of ``band_depth`` (a group's bands)."""
        out = []
        for vid in dict.fromkeys(ids):  # each once, in order
            v = self.values[vid]
            depths: set[int] = set()
            for aid in aggregate_ids(v.expr):
                a = self.aggs.aggs[aid]
                if a.scope == PAGE_SCOPE:  # known per page, after layout: a formula at the end
                    self.page_values.add(vid)
                    depths.add(0)
                    continue
                if not a.running:
                    d = self.aggs.depth_of[a.scope]
                elif band_depth is None:
                    raise ValueError(f"running aggregate {a.text} outside detail and group bands")
                else:
                    d = band_depth
                if d != final_depth:
                    depths.add(d)
            waits = tuple(sorted(depths, reverse=True))
            if waits:
                self.deferred[vid] = v.expr
                self.waited_depths.update(waits)
            out.append(BandValue(vid, v.expr, waits))
        return out

    def _values_dict(self, indent: int, var: str, values: list[BandValue], names: NameMap,
                     known: dict[str, str], what: str) -> None:
        """``var = {...}``: immediate values inline, deferred ones as ``_defer(...)``."""
        b = self.buf
        b.emit(indent, f"{var} = {{}}")
        w = ExprWriter(self.ctx, names)
        for bv in values:
            ctx = LineContext("expr", what, span=as_span(bv.expr.span))
            if not bv.waits:
                b.emit(indent, f"{var}[{bv.id!r}] = {w.write(bv.expr)}", ctx)
                continue
            # snapshot only what the expression reads and is known now
            wanted = {f"k{self._level(g)}" for g in refs(bv.expr, "group")} | aggregate_ids(bv.expr)
            snap = ", ".join(f"{k!r}: {known[k]}" for k in sorted(wanted) if k in known)
            b.emit(indent, f"{var}[{bv.id!r}] = _defer({bv.id!r}, {{{snap}}}, {bv.waits!r})", ctx)

    def _level(self, group_name: str) -> int:
        return next(i for i, g in enumerate(self.plan.groups) if g.name == group_name)

    def _band_names(self, level_keys: int, aggregate) -> NameMap:
        groups = {g.name: f"k{i}" for i, g in enumerate(self.plan.groups[:level_keys])}
        return NameMap(columns={}, fields={}, groups=groups, params=self.params, title="TITLE",
                       aggregate=aggregate)
