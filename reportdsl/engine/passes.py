"""Values needed before the rows they describe print: first passes over sorted records.

In: a plan that orders or limits a group level (§12: ``order by AGG``, ``limit N``,
``others``) or whose detail reads ``whole`` values (§9); the sorted records of its run
(an ``ExternalSorter`` after the generated ``prepare``), the generated module's
namespace and the record layout (``RecordLayout``). Out: the records in print order
(a new sorter, ``order_groups``), the whole values each group instance's rows read
(``WholeValues``), the groups and rows ``limit`` left out, and ``OmittedSink``, which
reports those to the JSON result. (A report with whole values and no ordered level
takes none of this: ``engine/lookahead.py``.)

How, level by level, outermost first (a nested level's groups inside an Others group
merge, so they are ranked only after the level above is rewritten):

1. *rank*: the generated ``run`` goes over the records (key order) into a ``RankSink``
   that keeps, per group of the level, its parent's keys, its key, its ``order by``
   value and row count — memory O(groups), never O(rows);
2. the groups of each parent instance are ranked (value, null last; ties by key in the
   group's own direction); the first ``limit`` keep their rank, the rest get the Others
   rank and label, or are left out and counted;
3. *rewrite*: every record gets its level's rank in the rank item ``prepare`` left for
   it (and the label as its key, for Others) and is sorted again.

Whole values: one more run over the final records collects, in print order, the final
values of the aggregates detail reads whole at every group end (``_whole_done``); the
printing run reads them by group instance (``_W{depth}``) and checks that its own
finals agree, so a row that failed only in the printing run cannot leave a wrong total
on the page.

Every pass runs the same generated code over the same records, so rows fail, are
skipped and are counted the same way; ``max_groups`` counts the groups as printed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from reportdsl.engine.codegen.generated import RecordLayout
from reportdsl.engine.sorting import Desc, ExternalSorter, key_part_width, rank_key
from reportdsl.engine.stream.events import Deferred, ReportEnd
from reportdsl.engine.stream.sinks import NullSink
from reportdsl.errors import ReportDataError, fail
from reportdsl.plan.models import Plan

_NAN = ("NaN",)  # a NaN key in a path: every NaN is one group (§15)


def ordered_levels(plan: Plan) -> list[int]:
    """The group levels whose groups print ordered or limited (§12), outermost first."""
    return [i for i, g in enumerate(plan.groups) if g.order_by is not None or g.limit is not None]


def needs_passes(plan: Plan) -> bool:
    return bool(ordered_levels(plan)) or bool(plan.detail is not None and plan.detail.whole)


def whole_scopes(plan: Plan) -> set[str]:
    """The scopes whose whole values detail reads (§9): group names, ``report``."""
    return {a.scope for a in plan.aggregates if plan.detail is not None and a.id in plan.detail.whole}


def reads_ahead(plan: Plan) -> bool:
    """Whether one read serves both runs (``engine/lookahead.py``): detail reads whole
    values and no level is ordered."""
    return not ordered_levels(plan) and bool(whole_scopes(plan))


def norm_key(key: Any) -> Any:
    """A group key as a path holds it: every NaN is one key."""
    return key if key == key else _NAN


RunPass = Callable[[Any, Any], None]  # (chunks, sink): one generated run over records


@dataclass
class Omitted:
    """Groups and rows ``limit`` left out, per parent path, for one level (§12, §16)."""

    groups: dict[tuple, int] = field(default_factory=dict)
    rows: dict[tuple, int] = field(default_factory=dict)


class RankSink(NullSink):
    """Keeps, per group of one level: parent path, key, ``order by`` value, row count."""

    def __init__(self, level: int, order_value: str | None):
        self.level = level
        self.order_value = order_value
        self.path: list[Any] = []
        self.groups: list[list] = []  # [parent path, key, value, rows]
        self._slots: dict[int, list] = {}

    def group_start(self, level, key, values) -> None:
        del self.path[level:]
        self.path.append(key)

    def group_end(self, level, key, row_count, values) -> None:
        if level != self.level:
            return
        value = values.get(self.order_value) if self.order_value is not None else None
        item = [tuple(norm_key(k) for k in self.path[:level]), key, value, row_count]
        if isinstance(value, Deferred):  # e.g. ``SUM(x) / SUM(x) over report``
            self._slots[value.slot] = item
        self.groups.append(item)

    def resolve(self, slot, value) -> None:
        item = self._slots.pop(slot, None)
        if item is not None:
            item[2] = value


def rank(groups: list[list], plan: Plan, level: int) -> tuple[dict[tuple, tuple[int, str | None]], Omitted]:
    """(path + key -> (rank, Others label or None)), and what was left out."""
    g = plan.groups[level]
    by_parent: dict[tuple, list[list]] = {}
    for item in groups:
        by_parent.setdefault(item[0], []).append(item)

    def order(item: list) -> tuple:
        value, key = item[2], item[1]
        v = rank_key(value)
        k = rank_key(key)
        return (value is None, Desc(v) if g.order_desc else v, key is None, Desc(k) if g.desc else k)

    ranks: dict[tuple, tuple[int, str | None]] = {}
    omitted = Omitted()
    for parent, items in by_parent.items():
        if g.order_by is not None:
            items.sort(key=order)
        for i, (_, key, _, rows) in enumerate(items):
            path = parent + (norm_key(key),)
            if g.limit is None or i < g.limit:
                ranks[path] = (i, None)
            elif g.others is not None:
                ranks[path] = (g.limit, g.others)
            else:
                omitted.groups[parent] = omitted.groups.get(parent, 0) + 1
                omitted.rows[parent] = omitted.rows.get(parent, 0) + rows
    return ranks, omitted


def rewrite(sorter: ExternalSorter, level: int, ranks: Mapping[tuple, tuple[int, str | None]],
            record: RecordLayout, budget: int) -> ExternalSorter:
    """The records again, with ``level``'s rank (and Others label), in the new order."""
    slot = record.rank_slots[level]
    items = record.key_items[: level + 1]
    key_item = items[-1]
    # the groups merged into Others become one: their own key parts compare equal
    width = key_part_width(record.key_types[level])
    if any(t in ("float", "any", "null") for t in record.key_types[: level + 1]):
        path_of = lambda payload: tuple(norm_key(payload[i]) for i in items)  # noqa: E731 - NaN keys
    elif len(items) == 1:  # one key: the dict is keyed by it alone (itemgetter gives no tuple)
        ranks = {path[0]: found for path, found in ranks.items()}
        path_of = itemgetter(key_item)
    else:
        path_of = itemgetter(*items)
    get = ranks.get
    out = ExternalSorter(budget)
    try:
        for chunk in sorter.sorted_chunks():
            batch = []
            for rec in chunk:
                payload = rec[-1]
                found = get(path_of(payload))
                if found is None:
                    continue  # left out by ``limit`` (counted by ``rank``)
                position, label = found
                if label is None:
                    rec = rec[:slot] + (position,) + rec[slot + 1:]
                else:
                    rec = merged_into_others(rec, slot, width, key_item, position, label)
                batch.append(rec)
            out.add_all(batch)
    except BaseException:
        out.close()
        raise
    finally:
        sorter.close()
    return out


def merged_into_others(rec: tuple, slot: int, width: int, key_item: int, position: int, label: str) -> tuple:
    """A record of a group that Others merges: its rank item says ``position``, its key
    parts compare equal to the other merged groups' (zeros), its payload holds the
    label as the key (``slot``, ``width``, ``key_item``: see ``RecordLayout``)."""
    payload = rec[-1]
    return (rec[:slot] + (position,) + (0,) * width + rec[slot + 1 + width:-1]
            + (payload[:key_item] + (label,) + payload[key_item + 1:],))


def into_others(plan: Plan, record: RecordLayout, level: int, label: Any) -> Callable[[tuple], tuple]:
    """A record of a group Others merges at ``level``, as the printing run reads it, in
    an order that needs no rank: ``merged_into_others``; or, where only the row number
    follows the level's key parts (the innermost level, no ``sort by``), just (row
    number, payload with the label as the key), since the printing run reads nothing
    else of a record. A record given back goes through unchanged."""
    k = record.key_items[level]
    if level == len(plan.groups) - 1 and not plan.sort:
        return lambda rec: (rec[-2], rec[-1][:k] + (label,) + rec[-1][k + 1:])
    slot, width, position = record.rank_slots[level], key_part_width(record.key_types[level]), plan.groups[level].limit
    assert position is not None  # a level with Others has a limit (§12)
    return lambda rec: merged_into_others(rec, slot, width, k, position, label)


class _NoWholeValues:
    """``_W{depth}`` while the whole values are being collected: nulls."""

    def __init__(self, width: int):
        self.row = (None,) * width

    def __getitem__(self, index: int) -> tuple:
        return self.row


def _same(a: Any, b: Any) -> bool:
    return a == b or (a != a and b != b)


class WholeValues:
    """The whole values of every group instance, by depth, in print order."""

    def __init__(self, plan: Plan, widths: Mapping[int, int]):
        self.plan = plan
        self.widths = widths
        self.values: dict[int, list[tuple]] = {d: [] for d in widths}

    def collecting(self) -> dict[str, Any]:
        """Namespace entries for a pass before the printing one (which collects anew)."""
        self.values = {d: [] for d in self.widths}

        def done(depth: int, index: int, finals: tuple) -> None:
            self.values[depth].append(finals)
        return {"_whole_done": done} | {f"_W{d}": _NoWholeValues(w) for d, w in self.widths.items()}

    def reading(self) -> dict[str, Any]:
        """Namespace entries for the printing pass: the values, and the check of them."""
        def done(depth: int, index: int, finals: tuple) -> None:
            kept = self.values[depth][index] if index < len(self.values[depth]) else None
            if kept is None or not all(_same(a, b) for a, b in zip(kept, finals, strict=True)):
                raise rows_changed()
        return {"_whole_done": done} | {f"_W{d}": _Instances(v) for d, v in self.values.items()}


class _Instances(list):
    def __getitem__(self, index):
        try:
            return super().__getitem__(index)
        except IndexError:
            raise rows_changed() from None


def rows_changed() -> Exception:
    return fail(ReportDataError, "the rows of a group changed after its whole values were computed, so the "
                                 "printed values would not add up: a row failed only once it read a 'whole' "
                                 "value (with 'on_error skip'; keep such expressions from failing, e.g. with "
                                 "coalesce), or the source gave other rows when read again")


class OmittedSink:
    """Passes events on, and before a scope's end tells a sink that has ``omitted``
    what ``limit`` left out of it (the JSON result's ``"omitted"``, §16)."""

    def __init__(self, inner: Any, omitted: Mapping[int, Omitted]):
        self.inner = inner
        self.omitted = omitted
        self.tell = getattr(inner, "omitted", None)
        self.path: list[Any] = []
        self.detail = inner.detail
        self.resolve = inner.resolve
        self.report_start = inner.report_start

    def group_start(self, level: int, key: Any, values: Mapping[str, Any]) -> None:
        del self.path[level:]
        self.path.append(key)
        self.inner.group_start(level, key, values)

    def _tell(self, level: int) -> None:
        found = self.omitted.get(level)
        if found is not None and self.tell is not None:
            parent = tuple(norm_key(k) for k in self.path[:level])
            self.tell(level, found.groups.get(parent, 0), found.rows.get(parent, 0))

    def group_end(self, level: int, key: Any, row_count: int, values: Mapping[str, Any]) -> None:
        self._tell(level + 1)
        self.inner.group_end(level, key, row_count, values)

    def report_end(self, end: ReportEnd) -> None:
        self._tell(0)
        self.inner.report_end(end)


def order_groups(plan: Plan, sorter: ExternalSorter, record: RecordLayout, run_pass: RunPass,
                 budget: int) -> tuple[ExternalSorter, dict[int, Omitted]]:
    """The records in print order (§12), and per limited level without Others what it left out."""
    omitted: dict[int, Omitted] = {}
    for level in ordered_levels(plan):
        g = plan.groups[level]
        sink = RankSink(level, g.order_by)
        try:
            run_pass(sorter.sorted_chunks(keep=True), sink)
        except BaseException:
            sorter.close()
            raise
        ranks, left_out = rank(sink.groups, plan, level)
        if g.limit is not None and g.others is None:
            omitted[level] = left_out
        sorter = rewrite(sorter, level, ranks, record, budget)
    return sorter, omitted
