"""The JSON result (CONTRACT.md §3) built from the event stream.

In: the plan, and the events of one run (``ResultSink`` is a ``Sink``). Out:
``RunResult`` with ``totals``, ``groups``, ``row_count``, ``skipped_rows``,
``errors``, ``stats``, ``parameters``; ``to_dict()`` (JSON-ready: dates as ISO text,
decimals kept exact as ``Decimal``, NaN and infinities as floats) and ``to_json()``
(decimals written as JSON numbers with their exact digits; NaN and infinities as the
strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``, LANGUAGE.md §16). Detail rows are not kept.

Totals are keyed by the aggregate call as written (``plan.report_totals`` and
``GroupLevel.totals``); deferred totals are filled in when resolved.

Memory: a group is a ``_Group`` (slots; its totals a list in its level's key order)
until the result is read: ``to_dict()`` builds the dictionaries once, ``to_json()``
writes the groups straight from their nodes into one buffer. A million groups took
2.2 GB as dictionaries and a list of JSON fragments; see ``_Group``.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from reportdsl.engine.stream.events import Deferred, ReportEnd
from reportdsl.plan.models import Plan


def json_value(v):
    """A value as the result's ``to_dict`` holds it (dates as ISO text; Decimal kept;
    NaN and the infinities kept as the floats they are, §16)."""
    if isinstance(v, _dt.date):  # datetimes too
        return v.isoformat()
    return v


def _special_number(v) -> str:
    """NaN and the infinities as the JSON result writes them (§16): strings."""
    return '"NaN"' if v != v else '"Infinity"' if v > 0 else '"-Infinity"'


def dumps(value, indent: int | None = 2) -> str:
    """JSON text; Decimals become numbers with their exact digits."""
    buffer = io.StringIO()
    _write(value, _Out(buffer.write), indent, 0)
    return buffer.getvalue()


class _Out:
    """Where JSON text goes, a piece at a time (a buffer's ``write``)."""

    __slots__ = ("append",)

    def __init__(self, write) -> None:
        self.append = write


def _write(v, out: _Out, indent: int | None, level: int) -> None:
    if v.__class__ is _Group:
        v = v.as_dict(shallow=True)
    if isinstance(v, Decimal):
        if not v.is_finite():
            out.append(_special_number(v) if not v.is_snan() else '"NaN"')
        else:
            text = str(v)
            out.append(text if "E" not in text else format(v, "f") if abs(v.adjusted()) < 30 else text)
        return
    if isinstance(v, dict):
        entries = [(json.dumps(str(k), ensure_ascii=False) + ": ", val) for k, val in v.items()]
        _write_container("{", "}", entries, out, indent, level)
        return
    if isinstance(v, (list, tuple)):
        _write_container("[", "]", [("", val) for val in v], out, indent, level)
        return
    if isinstance(v, float) and v - v != 0:
        out.append(_special_number(v))
        return
    out.append(json.dumps(json_value(v), ensure_ascii=False))


def _write_container(
    open_: str, close: str, entries: list[tuple[str, Any]], out: _Out, indent: int | None, level: int
) -> None:
    """An object or array: ``entries`` are (what precedes the value, the value)."""
    if not entries:
        out.append(open_ + close)
        return
    out.append(open_)
    for i, (prefix, val) in enumerate(entries):
        if indent is not None:
            out.append("\n" + " " * (indent * (level + 1)))
        out.append(prefix)
        _write(val, out, indent, level + 1)
        if i < len(entries) - 1:
            out.append(",")
    if indent is not None:
        out.append("\n" + " " * (indent * level))
    out.append(close)


class _Group:
    """One group of the result, compact: 200 bytes with two int totals where its
    dictionaries took 408 (tracemalloc, tests/engine/runs/test_result_memory.py)."""

    __slots__ = ("name", "key", "row_count", "keys", "totals", "groups", "omitted")

    def __init__(self, name: str, key: Any, keys: tuple[str, ...], nested: bool) -> None:
        self.name = name
        self.key = key
        self.row_count = 0
        self.keys = keys  # the level's JSON keys, shared by its groups
        self.totals: list[Any] = [None] * len(keys)
        self.groups: list[_Group] | None = [] if nested else None
        self.omitted: dict | None = None

    def as_dict(self, shallow: bool = False) -> dict:
        """The group as CONTRACT.md §3 writes it; ``shallow`` keeps its subgroups as nodes."""
        out = {"group": self.name, "key": self.key, "row_count": self.row_count,
               "totals": dict(zip(self.keys, self.totals, strict=True))}
        if self.groups is not None:
            out["groups"] = self.groups if shallow else [g.as_dict() for g in self.groups]
        if self.omitted is not None:
            out["omitted"] = self.omitted
        return out


class RunResult:
    """The outcome of ``report.run(...)``: aggregates, no detail rows."""

    def __init__(self, data: dict, stats: Mapping[str, Any]):
        self._nodes = data  # groups as _Group nodes
        self._dicts: dict | None = None
        self.stats = dict(stats)

    @property
    def _data(self) -> dict:
        if self._dicts is None:
            self._dicts = {k: ([g.as_dict() for g in v] if k == "groups" else v) for k, v in self._nodes.items()}
        return self._dicts

    report = property(lambda self: self._data["report"])
    title = property(lambda self: self._data["title"])
    parameters = property(lambda self: self._data["parameters"])
    row_count = property(lambda self: self._data["row_count"])
    skipped_rows = property(lambda self: self._data["skipped_rows"])
    totals = property(lambda self: self._data["totals"])
    groups = property(lambda self: self._data["groups"])
    errors = property(lambda self: self._data.get("errors", []))

    def to_dict(self) -> dict:
        return self._data

    def to_json(self, indent: int | None = 2) -> str:
        return dumps(self._nodes if self._dicts is None else self._dicts, indent)

    def __repr__(self) -> str:
        return f"RunResult(report={self.report!r}, row_count={self.row_count}, groups={len(self.groups)})"


class ResultSink:
    """A ``Sink`` that builds the §3 result; ``.result`` is set at ``report_end``."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.result: RunResult | None = None
        self._data: dict = {}
        self._stack: list[list] = []  # the open "groups" lists, outermost first
        self._nodes: list[_Group] = []  # the open group nodes
        self._slots: dict[int, tuple[Any, Any]] = {}  # slot -> (totals dict or list, key or index)
        self._keys = [tuple(g.totals) for g in plan.groups]
        self._total_ids = [tuple(g.totals.values()) for g in plan.groups]

    def report_start(self, params: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        self._data = {
            "report": self.plan.name,
            "title": self.plan.title,
            "parameters": {k: json_value(v) for k, v in params.items()},
            "row_count": 0,
            "skipped_rows": 0,
            "totals": {},
            "groups": [],
        }
        self._stack = [self._data["groups"]]

    def group_start(self, level: int, key: Any, values: Mapping[str, Any]) -> None:
        node = _Group(self.plan.groups[level].name, json_value(key), self._keys[level],
                      level + 1 < len(self.plan.groups))
        self._stack[-1].append(node)
        self._nodes.append(node)
        if node.groups is not None:
            self._stack.append(node.groups)

    def detail(self, row: tuple) -> None:
        pass

    def group_end(self, level: int, key: Any, row_count: int, values: Mapping[str, Any]) -> None:
        node = self._nodes.pop()
        if node.groups is not None:
            self._stack.pop()
        node.row_count = row_count
        totals = node.totals
        # the level's value ids read once, ``json_value`` inlined (a pushed replay of 50,008
        # groups: group_end 0.45 s -> 0.3 s under cProfile)
        for index, value_id in enumerate(self._total_ids[level]):
            v = values.get(value_id)
            if v.__class__ is Deferred:
                self._slots[v.slot] = (totals, index)  # filled by resolve(), which always comes later
            else:
                totals[index] = v.isoformat() if isinstance(v, _dt.date) else v  # json_value(v)

    def _fill(self, totals: dict, keys: Mapping[str, str], values: Mapping[str, Any]) -> None:
        for json_key, value_id in keys.items():
            v = values.get(value_id)
            if isinstance(v, Deferred):
                totals[json_key] = None  # filled by resolve(), which always comes later
                self._slots[v.slot] = (totals, json_key)
            else:
                totals[json_key] = json_value(v)

    def resolve(self, slot: int, value: Any) -> None:
        target = self._slots.pop(slot, None)
        if target is None:
            return  # a header or page-band value: not part of the JSON result
        totals, key = target
        totals[key] = json_value(value)

    def omitted(self, level: int, groups: int, rows: int) -> None:
        """Level ``level``'s ``limit`` left these out of the scope ending next: its
        parent group (open now), or the report (§12, §16)."""
        if level > 0:
            self._nodes[-1].omitted = {"groups": groups, "rows": rows}
        else:
            self._data["omitted"] = {"groups": groups, "rows": rows}

    def report_end(self, end: ReportEnd) -> None:
        d = self._data
        d["row_count"] = end.row_count
        d["skipped_rows"] = end.skipped_rows
        self._fill(d["totals"], self.plan.report_totals, end.values)
        if self.plan.on_error == "skip" or end.errors:
            d["errors"] = [{"row": e.row, "message": e.message} for e in end.errors]
        self.result = RunResult(d, end.stats)
