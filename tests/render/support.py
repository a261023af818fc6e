"""Helpers for the render tests: plans from report text, events by hand, PDF text.

Until a test runs the real engine, events are fed by hand: ``band_values`` maps the
values of a band, in reading order, to the plan's Value ids.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf

import reportdsl
from reportdsl.engine.stream.events import ReportEnd
from reportdsl.plan.models import Band, Plan
from reportdsl.render import TypstDocumentSink, compile_document

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"


def plan_of(text: str, base_dir: Path | str | None = None, filename: str = "test.report") -> Plan:
    return reportdsl.compile(text, filename=filename, base_dir=str(base_dir or FIXTURES)).plan


def band_values(band: Band | None, *values: Any) -> dict[str, Any]:
    """The event values of ``band``: its Value ids, in reading order, → ``values``."""
    if band is None:
        assert not values
        return {}
    ids = list(dict.fromkeys(band.values))
    assert len(ids) == len(values), f"band reads {ids}, got {len(values)} values"
    return dict(zip(ids, values, strict=True))


def end_event(plan: Plan, *values: Any, rows: int = 1, no_data: bool = False) -> ReportEnd:
    band = plan.no_data if no_data and plan.no_data else plan.summary
    return ReportEnd(values=band_values(band, *values), row_count=rows, rows_read=rows, no_data=no_data)


def make_document(plan: Plan, workdir: Path, feed: Callable[[TypstDocumentSink], None], **kw):
    sink = TypstDocumentSink(plan, workdir, **kw)
    feed(sink)
    return sink.finish()


def render(plan: Plan, workdir: Path, feed: Callable[[TypstDocumentSink], None], fmt: str = "pdf", **kw):
    document = make_document(plan, workdir, feed, **kw)
    return document, compile_document(document, fmt, ppi=30 if fmt == "png" else None)


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def body_of(document) -> str:
    return document.body.read_text(encoding="utf-8")


# ---- the grouped.report fixture, fed by hand --------------------------------------

GROUPED = FIXTURES / "grouped.report"


def grouped_rows() -> list[dict[str, Any]]:
    import csv
    import datetime as dt
    from decimal import Decimal

    with open(FIXTURES / "data" / "sales.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["order_date"] = dt.date.fromisoformat(r["order_date"])
        r["quantity"] = int(r["quantity"])
        r["unit_price"] = Decimal(r["unit_price"])
        r["revenue"] = r["quantity"] * r["unit_price"]
    return rows


def feed_grouped(plan: Plan, rows: list[dict[str, Any]]) -> Callable[[TypstDocumentSink], None]:
    """What the engine would send for grouped.report over ``rows`` (sorted by key)."""
    from reportdsl.engine.stream.events import Deferred

    def feed(sink: TypstDocumentSink) -> None:
        slots = iter(range(1000))
        total = sum(r["revenue"] for r in rows)
        report_count = next(slots)
        report_slots = []
        region_band, customer_band = plan.groups[0], plan.groups[1]
        sink.report_start({}, {
            **band_values(plan.title_band, Deferred(report_count)),
            **band_values(plan.page_header, "Grouped Sales"),
        })
        for region in sorted({r["region"] for r in rows}):
            in_region = [r for r in rows if r["region"] == region]
            region_sum = sum(r["revenue"] for r in in_region)
            header_slot = next(slots)
            sink.group_start(0, region, band_values(region_band.header, region, Deferred(header_slot)))
            for customer in sorted({r["customer"] for r in in_region}):
                mine = [r for r in in_region if r["customer"] == customer]
                count_slot = next(slots)
                sink.group_start(1, customer, band_values(customer_band.header, customer, Deferred(count_slot)))
                for r in mine:
                    sink.detail((r["order_date"], r["product"], r["quantity"], r["revenue"]))
                footer = band_values(customer_band.footer, sum(r["revenue"] for r in mine))
                sink.group_end(1, customer, len(mine), footer)
                sink.resolve(count_slot, len(mine))
            share_slot = next(slots)
            report_slots.append((share_slot, region_sum))
            footer = band_values(
                region_band.footer, region, sum(r["quantity"] for r in in_region), region_sum,
                region, Deferred(share_slot),
            )
            sink.group_end(0, region, len(in_region), footer)
            sink.resolve(header_slot, region_sum)
        for slot, region_sum in report_slots:
            sink.resolve(slot, region_sum / total)
        sink.resolve(report_count, len(rows))
        sink.report_end(end_event(plan, sum(r["quantity"] for r in rows), total, rows=len(rows)))

    return feed


def feed_no_data(plan: Plan) -> Callable[[TypstDocumentSink], None]:
    from reportdsl.engine.stream.events import Deferred

    def feed(sink: TypstDocumentSink) -> None:
        sink.report_start({}, {
            **band_values(plan.title_band, Deferred(0)),
            **band_values(plan.page_header, "Grouped Sales"),
        })
        # the title's COUNT() is never resolved: the no_data body does not need it
        sink.report_end(end_event(plan, rows=0, no_data=True))

    return feed
