"""Generated code for §9's modes outside ``detail``'s running values: ``running``
values read in group bands, and ``whole`` values read in ``detail``.

In: a plan and its ``AggregateLayout``. Out: ``ModeCode``: which running aggregates
each depth's bands read at its end (``band_running``), which aggregates ``detail``
reads whole at each depth (``whole_at``), and the lines the runner emits for them:

- a running aggregate a group band reads keeps ``rv_<id>``, its value as of the last
  committed row; at the group's end that is the value up to and including the group;
- a whole value is ``w_<id>``, read from ``_W<depth>[instance]`` (filled by a first
  pass, see ``engine/passes.py``) by the row that opens the instance; at the instance's
  end ``_whole_done(depth, instance, finals)`` hands the finals to that pass, or lets
  the printing pass check them.
"""

from __future__ import annotations

from reportdsl.engine.aggregates.layout import AggregateLayout
from reportdsl.engine.codegen.expressions import aggregate_ids
from reportdsl.plan.models import Plan


class ModeCode:
    def __init__(self, plan: Plan, aggs: AggregateLayout):
        values = {v.id: v for v in plan.values}
        levels = len(plan.groups)
        self.band_running: dict[int, list[str]] = {d: [] for d in range(levels + 1)}
        for level, g in enumerate(plan.groups):
            ids = (g.header.values if g.header else []) + (g.footer.values if g.footer else [])
            ids += g.repeat.values if g.repeat else []
            ids += list(g.totals.values()) + ([g.order_by] if g.order_by else [])
            found = (aid for vid in ids for aid in aggregate_ids(values[vid].expr))
            self.band_running[level + 1] = [aid for aid in dict.fromkeys(found) if aggs.aggs[aid].running]
        self.ordered = any(g.order_by is not None or g.limit is not None for g in plan.groups)
        self.labelled = any(g.others is not None for g in plan.groups)
        self.whole_at: dict[int, list[str]] = {d: [] for d in range(levels + 1)}
        for aid in plan.detail.whole if plan.detail is not None else ():
            self.whole_at[aggs.depth_of[aggs.aggs[aid].scope]].append(aid)

    @property
    def whole_widths(self) -> dict[int, int]:
        """Depth -> how many whole values a row reads there (what ``passes`` collects)."""
        return {d: len(ids) for d, ids in self.whole_at.items() if ids}

    @property
    def whole_in_groups(self) -> bool:
        """Whether rows must know their break level early, to read a group's whole values."""
        return any(ids for d, ids in self.whole_at.items() if d > 0)

    # A report whose rows read whole values, or whose groups print ranked,
    # runs its code twice over one read of the rows or records (``engine/pass_runs.py``):
    # the run that collects the values or ranks goes ahead one chunk at a time, as a
    # generator (``run_steps``), and ``run`` drains it.
    @property
    def stepped(self) -> bool:
        return any(self.whole_at.values()) or self.ordered

    @property
    def run_name(self) -> str:
        return "run_steps" if self.stepped else "run"

    def chunk_start_lines(self, mode: str) -> list[str]:
        """Rows of the Others group (§12) come in chunks that carry its label (fused mode)."""
        if mode == "fused" and self.labelled:
            return ["_label = chunk.label if chunk.__class__ is _Labelled else None"]
        return []

    def chunk_end_lines(self) -> list[str]:
        return ["yield"] if self.stepped else []

    def after_run_lines(self) -> list[str]:
        if not self.stepped:
            return []
        return ["def run(chunks, sink, rt):", "    steps = run_steps(chunks, sink, rt)", "    while True:",
                "        try: next(steps)", "        except StopIteration as done: return done.value"]

    def init_lines(self) -> list[str]:
        out = []
        for d, ids in self.whole_at.items():
            if ids:  # depth 0 is known before the first row; groups' at their first row
                out.append(f"{_vars(ids)} = {'_W0[0]' if d == 0 else 'None, ' * len(ids)}")
        out += [f"rv_{aid} = None" for ids in self.band_running.values() for aid in ids]
        return out

    def commit_lines(self) -> list[str]:
        return [f"rv_{aid} = ra_{aid}" for ids in self.band_running.values() for aid in ids]

    def read_whole_lines(self) -> list[str]:
        """Phase 1: a row that opens a group reads that group's whole values."""
        return [f"if brk <= {d - 1}: {_vars(ids)} = _W{d}[gc{d - 1}]"
                for d, ids in self.whole_at.items() if d > 0 and ids]

    def end_lines(self, depth: int) -> tuple[list[str], dict[str, str]]:
        """At the end of a ``depth`` instance: statements, and the values they make known."""
        lines, known = [], {}
        for aid in self.band_running[depth]:  # the value so far, this group included
            lines.append(f"a_{aid} = rv_{aid}")
            known[aid] = f"a_{aid}"
        if self.whole_at[depth]:  # the first pass keeps them; the second checks them
            index = "0" if depth == 0 else f"gc{depth - 1} - 1"
            lines.append(f"_whole_done({depth}, {index}, ({''.join(f'a_{a}, ' for a in self.whole_at[depth])}))")
        return lines, known


def _vars(ids: list[str]) -> str:
    return "".join(f"w_{aid}, " for aid in ids)
