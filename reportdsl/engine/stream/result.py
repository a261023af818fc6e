"""The JSON result (CONTRACT.md §3) built from the event stream.

In: the plan, and the events of one run (``ResultSink`` is a ``Sink``). Out:
``RunResult`` with ``totals``, ``groups``, ``row_count``, ``skipped_rows``,
``errors``, ``stats``, ``parameters``; ``to_dict()`` (JSON-ready: dates as ISO text,
decimals kept exact as ``Decimal``, NaN and infinities as floats) and ``to_json()``
(decimals written as JSON numbers with their exact digits; NaN and infinities as the
strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``, LANGUAGE.md §16). Detail rows are not kept.

Totals are keyed by the aggregate call as written (``plan.report_totals`` and
``GroupLevel.totals``); deferred totals are filled in when resolved.
"""

from __future__ import annotations

import datetime as _dt
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
    parts: list[str] = []
    _write(value, parts, indent, 0)
    return "".join(parts)


def _write(v, out: list[str], indent: int | None, level: int) -> None:
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
    open_: str, close: str, entries: list[tuple[str, Any]], out: list[str], indent: int | None, level: int
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


class RunResult:
    """The outcome of ``report.run(...)``: aggregates, no detail rows."""

    def __init__(self, data: dict, stats: Mapping[str, Any]):
        self._data = data
        self.stats = dict(stats)

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
        return dumps(self._data, indent)

    def __repr__(self) -> str:
        return f"RunResult(report={self.report!r}, row_count={self.row_count}, groups={len(self.groups)})"


class ResultSink:
    """A ``Sink`` that builds the §3 result; ``.result`` is set at ``report_end``."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.result: RunResult | None = None
        self._data: dict = {}
        self._stack: list[list] = []  # the open "groups" lists, outermost first
        self._nodes: list[dict] = []  # the open group nodes
        self._slots: dict[int, tuple[dict, str]] = {}  # slot -> (totals dict, key)

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
        node = {"group": self.plan.groups[level].name, "key": json_value(key), "row_count": 0, "totals": {}}
        if level + 1 < len(self.plan.groups):
            node["groups"] = []
        self._stack[-1].append(node)
        self._nodes.append(node)
        if "groups" in node:
            self._stack.append(node["groups"])

    def detail(self, row: tuple) -> None:
        pass

    def group_end(self, level: int, key: Any, row_count: int, values: Mapping[str, Any]) -> None:
        node = self._nodes.pop()
        if "groups" in node:
            self._stack.pop()
        node["row_count"] = row_count
        self._fill(node["totals"], self.plan.groups[level].totals, values)

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
        scope = self._nodes[-1] if level > 0 else self._data
        scope["omitted"] = {"groups": groups, "rows": rows}

    def report_end(self, end: ReportEnd) -> None:
        d = self._data
        d["row_count"] = end.row_count
        d["skipped_rows"] = end.skipped_rows
        self._fill(d["totals"], self.plan.report_totals, end.values)
        if self.plan.on_error == "skip" or end.errors:
            d["errors"] = [{"row": e.row, "message": e.message} for e in end.errors]
        self.result = RunResult(d, end.stats)
