"""Helpers for the output tests: build a report to xlsx/csv, read it back with readers
reportdsl does not write with (openpyxl, the csv module), record the same run's events
and JSON result, and check a workbook row by row against them (``check_workbook``;
number formats through ``excel_text``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl

import reportdsl
from reportdsl.engine import run
from reportdsl.engine.stream.result import ResultSink
from reportdsl.engine.stream.sinks import RecordingSink
from reportdsl.outputs import write_csv, write_xlsx
from reportdsl.outputs.xlsx_cells import parse_iso
from tests.outputs.excel_text import excel_text

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@dataclass
class Built:
    report: reportdsl.Report
    path: Path
    result: dict  # the JSON result of the same build (extra sink)
    events: list  # RecordingSink events of a second run

    @property
    def details(self) -> list[tuple]:
        return [e[1] for e in self.events if e[0] == "detail"]


def compile_text(text: str, base_dir: Path | None = None) -> reportdsl.Report:
    return reportdsl.compile(text, filename="test.report", base_dir=str(base_dir or ROOT))


def build(report: reportdsl.Report, path: Path, *, params: dict | None = None, source: Any = None,
          fmt: str | None = None, **options: Any) -> Built:
    fmt = fmt or path.suffix.lstrip(".")
    result = ResultSink(report.plan)
    writer = write_xlsx if fmt == "xlsx" else write_csv
    src = list(source) if isinstance(source, list) else source
    writer(report.plan, params, src, path, source_text=report.source, extra_sinks=[result], **options)
    recorder = RecordingSink()
    run(report.plan, recorder, params=params, source=src, source_text=report.source)
    assert result.result is not None
    return Built(report, path, result.result.to_dict(), recorder.events)


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@dataclass
class Row:
    number: int  # 1-based
    level: int
    cells: dict[int, Any]  # 0-based column -> openpyxl cell

    def values(self) -> dict[int, Any]:
        return {c: cell.value for c, cell in self.cells.items()}

    def first(self) -> Any:
        return self.cells[min(self.cells)].value if self.cells else None


def sheet_rows(ws: Any) -> list[Row]:
    rows = []
    for cells in ws.iter_rows():
        number = cells[0].row
        present = {c.column - 1: c for c in cells if c.value is not None}
        rows.append(Row(number, ws.row_dimensions[number].outlineLevel or 0, present))
    return rows


def load(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def as_number(value: Any) -> float | int | None:
    """A JSON-result number as the double Excel holds."""
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def xlsx_bytes(report: reportdsl.Report, **kwargs: Any) -> bytes:
    out = io.BytesIO()
    write_xlsx(report.plan, kwargs.pop("params", None), kwargs.pop("source", None), out,
               source_text=report.source, **kwargs)
    return out.getvalue()


# ---- the workbook against the run's events and JSON result, row by row ---------------------


def expected_lines(built: Built) -> list[tuple]:
    """The lines the workbook must hold, in order: (kind, level, element or None, values,
    JSON scope) from the recorded events, deferred values resolved."""
    plan = built.report.plan
    resolved = {e[1]: e[2] for e in built.events if e[0] == "resolve"}
    lines: list[tuple] = []
    detail_level = min(len(plan.groups) + 1, 7)
    stack: list[list] = [list(built.result["groups"])]
    nodes: list[dict] = []

    def band(band, level, values, scope):
        for element in printed_elements(band.elements if band is not None else [], values):
            lines.append(("band", level, element, values, scope))

    for event in built.events:
        kind = event[0]
        if kind == "report_start":
            if plan.title_band is not None and has_lines(plan.title_band.elements):
                band(plan.title_band, 0, _resolve(event[2], resolved), built.result)
            elif plan.title:
                lines.append(("title", 0, None, {}, None))
            if plan.detail is not None or plan.table_columns:
                lines.append(("headers", 0, None, {}, None))
        elif kind == "group_start":
            node = stack[-1].pop(0)
            nodes.append(node)
            stack.append(list(node.get("groups", [])))
            band(plan.groups[event[1]].header, event[1] + 1, _resolve(event[3], resolved), node)
        elif kind == "detail":
            lines.append(("detail", detail_level, None, event[1], None))
        elif kind == "group_end":
            stack.pop()
            band(plan.groups[event[1]].footer, event[1] + 1, _resolve(event[4], resolved), nodes.pop())
        elif kind == "report_end":
            end = event[1]
            if end.no_data and plan.no_data is not None:
                lines = []
                band(plan.no_data, 0, _resolve(end.values, resolved), built.result)
            else:
                band(plan.summary, 0, _resolve(end.values, resolved), built.result)
    return lines


def printed_elements(elements: list, values: dict) -> list:
    """The text and row elements printed for a band's values: those whose `when` is
    true, a grid's blocks' lines one block after the other."""
    out = []
    for element in elements:
        if element.when is not None and values[element.when] is not True:
            continue
        if element.kind == "grid":
            out += printed_elements([e for block in element.blocks for e in block], values)
        elif element.kind in ("text", "row"):
            out.append(element)
    return out


def has_lines(elements: list) -> bool:
    return any(e.kind in ("text", "row") or (e.kind == "grid" and has_lines([i for b in e.blocks for i in b]))
               for e in elements)


def shown_detail(plan: Any, values: tuple) -> list:
    """A detail event's column values as printed: empty where a column's `when` is not true."""
    detail = plan.detail
    offset = len(detail.columns)
    return [None if c.when is not None and values[offset + detail.extras.index(c.when)] is not True else v
            for c, v in zip(detail.columns, values, strict=False)]


def expected_bold(element: Any, values: dict, band_bold: bool) -> bool:
    """A band row's weight: its own `bold` (or `bold when`, which replaces the band's)."""
    if element.bold:
        return True
    if element.bold_when is not None:
        return values[element.bold_when] is True
    return band_bold


def _resolve(values: dict, resolved: dict) -> dict:
    from reportdsl.engine.stream.events import Deferred

    return {k: resolved[v.slot] if isinstance(v, Deferred) else v for k, v in values.items()}


def native(value: Any) -> Any:
    """What openpyxl reads back for a value reportdsl writes natively."""
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else {"NaN": "NaN"}.get(str(value), str(value))
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time()) if value.year >= 1900 else value.isoformat()
    return value


def same_cell(got: Any, want: Any) -> bool:
    if isinstance(want, dt.datetime) and isinstance(got, dt.datetime):
        return abs(got - want) <= dt.timedelta(milliseconds=1)
    return type(got) is type(want) and got == want


def aggregate_key(plan: Any, value_id: str) -> str | None:
    """The JSON key of a value that is one aggregate call (``SUM(x)``), else None."""
    value = next(v for v in plan.values if v.id == value_id)
    if value.expr.kind != "agg":
        return None
    return next(a.text for a in plan.aggregates if a.id == value.expr.id)


def check_workbook(built: Built, wb: Any = None) -> dict[str, int]:
    """Every row of the workbook against ``expected_lines``: outline level, bold totals,
    each value (native, or the page's text) and its number format shown as Excel shows
    it; an aggregate also against the JSON result. Returns counts of what was checked."""
    from reportdsl.render.formatting.formats import ValueFormatter

    plan = built.report.plan
    page = ValueFormatter(plan.locale, plan.currency)
    locale = str(page.locale)
    wb = wb or load(built.path)
    rows = [row for ws in wb.worksheets for row in sheet_rows(ws)]
    columns = plan.detail.columns if plan.detail is not None else plan.table_columns
    styled_detail = plan.detail is not None and (plan.detail.extras or any(
        c.bold or c.bold_when for c in (plan.detail, *plan.detail.columns)))
    headers = [c.label for c in columns]
    # continuation sheets start with the header row again
    rows = [r for i, r in enumerate(rows)
            if not (i and r.number == 1 and [c.value for c in r.cells.values()] == headers)]
    lines = expected_lines(built)
    while len(rows) < len(lines):  # empty lines at the end (a null total) leave no row behind
        rows.append(Row((rows[-1].number if rows else 0) + 1, 0, {}))
    assert len(rows) == len(lines), (len(rows), len(lines))
    counts = {"rows": 0, "cells": 0, "totals": 0, "formats": 0}

    def check_cell(cell: Any, value: Any, fmt: Any, bold: bool | None) -> None:
        counts["cells"] += 1
        if fmt is not None and fmt.name in ("upper", "lower"):
            assert cell.value == page.format(value, fmt)
            return
        if isinstance(value, str) and fmt is not None and fmt.name in ("date", "datetime"):
            value = parse_iso(value) or value  # an ISO text under a date format is a date
        want = native(value)
        assert same_cell(cell.value, want), (cell.coordinate, cell.value, want)
        if isinstance(value, (int, float, Decimal, dt.date)) and not isinstance(value, bool) and isinstance(
                want, (int, float, dt.datetime)):
            assert excel_text(cell.number_format, value, locale) == page.format(value, fmt), (
                cell.coordinate, cell.number_format, value)
            counts["formats"] += 1
        if bold is not None:
            assert bool(cell.font.b) == bold, cell.coordinate

    for row, (kind, level, element, values, scope) in zip(rows, lines, strict=True):
        counts["rows"] += 1
        assert row.level == level, (row.number, kind, row.level, level)
        if kind == "title":
            assert row.values() == {0: plan.title} and row.cells[0].font.b
        elif kind == "headers":
            assert [row.cells[i].value for i in range(len(headers))] == headers
        elif kind == "detail":
            values = shown_detail(plan, values)
            assert set(row.cells) == {i for i, v in enumerate(values) if v is not None}, row.number
            for i, (column, value) in enumerate(zip(columns, values, strict=True)):
                if value is not None:
                    check_cell(row.cells[i], value, column.format, None if styled_detail else False)
        else:
            _check_band_row(plan, page, row, element, values, scope, check_cell, counts, columns)
    return counts


def _check_band_row(plan, page, row, element, values, scope, check_cell, counts, columns) -> None:
    totals = scope.get("totals", {}) if scope is not None else {}
    bold_band = row.level > 0 and any(
        element in (g.footer.elements if g.footer else []) for g in plan.groups) or (
        plan.summary is not None and element in plan.summary.elements and row.level == 0)
    if element.kind == "text":
        parts = element.parts
        if len(parts) == 1 and parts[0].kind == "value":
            value = values[parts[0].value]
            if value is None:
                assert not row.cells
            else:
                check_cell(row.cells[0], value, parts[0].format, None)
                _check_total(plan, parts[0].value, row.cells[0], totals, counts)
        else:
            text = "".join(p.text if p.kind == "text" else page.format(values[p.value], p.format) for p in parts)
            assert row.first() == (text or None), (row.number, row.first(), text)
        return
    index = {c.name: i for i, c in enumerate(columns)}
    bold_band = expected_bold(element, values, bold_band)
    seen = set()
    for cell in element.cells:
        col = index[cell.column]
        parts = cell.parts
        if len(parts) == 1 and parts[0].kind == "value":
            value = values[parts[0].value]
            fmt = parts[0].format or (columns[col].format if cell.last is None else None)  # a span: its own
            if value is None:
                continue
            check_cell(row.cells[col], value, fmt, bold_band)
            _check_total(plan, parts[0].value, row.cells[col], totals, counts)
        else:
            text = "".join(p.text if p.kind == "text" else page.format(values[p.value], p.format) for p in parts)
            if not text:
                continue
            assert row.cells[col].value == text and bool(row.cells[col].font.b) == bold_band
        seen.add(col)
    assert set(row.cells) == seen, row.number


def _check_total(plan, value_id, cell, totals, counts) -> None:
    """A cell that is one aggregate holds the JSON result's total of that call."""
    key = aggregate_key(plan, value_id)
    if key is not None and key in totals:
        want = totals[key]
        if isinstance(want, str) and parse_iso(want) is not None:
            want = parse_iso(want)
        assert same_cell(cell.value, native(want)), (cell.coordinate, key, cell.value, want)
        counts["totals"] += 1
