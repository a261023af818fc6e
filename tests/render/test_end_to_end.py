"""The whole stage over the real engine: examples and render fixtures → Typst, PDF, PNG.

Snapshots hold each document's prelude (runtime + template output) in full and a
digest of its body (line count, first and last lines, a hash of the rest), so a
change in layout or in the stream reads as a diff without storing every row.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

import reportdsl
from reportdsl.render import render_report, write_outputs

from .support import FIXTURES, pdf_pages

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.report"))
RENDER_FIXTURES = sorted(FIXTURES.glob("*.report"))


@pytest.fixture(autouse=True)
def fixed_build_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # now() and the PDF date
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _digest(document_text: str) -> str:
    prelude, _, body = document_text.partition("// ---- body ")
    lines = body.splitlines()
    head, tail = lines[:30], lines[-12:] if len(lines) > 42 else []
    middle = "\n".join(lines[30 : len(lines) - len(tail)])
    return "\n".join([
        prelude,
        f"// body: {len(lines)} lines; lines 31..{len(lines) - len(tail)} sha256 "
        f"{hashlib.sha256(middle.encode()).hexdigest()[:16]}",
        *head, "…", *tail,
    ])


def _build(path: Path, fmt: str, tmp_path: Path, **params):
    report = reportdsl.compile_file(path)
    return render_report(report.plan, fmt, params=params, source_text=report.source,
                         workdir=tmp_path / "work")


@pytest.mark.parametrize("path", EXAMPLES + RENDER_FIXTURES, ids=lambda p: p.parent.name + "/" + p.stem)
def test_generated_typst(path, tmp_path, snapshot):
    result = _build(path, "typ", tmp_path)
    text = result.pages[0].decode("utf-8").replace(str(ROOT), "<root>")
    assert _digest(text) == snapshot


def test_sales_by_region_pdf(tmp_path):
    result = _build(ROOT / "examples" / "sales_by_region.report", "pdf", tmp_path, since="2024-11-15")
    assert result.warnings == []  # the CJK names print in the bundled font (render/fonts.py)
    pages = pdf_pages(result.pages[0])
    count = len(pages)
    assert count >= 5
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of {count}" in text
        assert "ACME Corp — Sales by Region" in text
        assert "Date Product Sales rep Qty Revenue" in text
    assert "Region Asia Pacific" in pages[0]
    assert "Order lines since Nov 15, 2024" in pages[0]
    assert "Grand total" in pages[-1] and "Returns credited:" in pages[-1]
    text = " ".join(pages)
    assert all(f"{name} — " in text for name in ("東京精機株式会社", "Seoul Tech 서울", "上海 Import Co."))
    assert sum("Region " in p.split("Revenue", 1)[1][:40] for p in pages) == 5  # new_page: a region starts a page


def test_no_data_example(tmp_path):
    result = _build(ROOT / "examples" / "sales_by_region.report", "pdf", tmp_path, since="2099-01-01")
    assert [p.strip() for p in pdf_pages(result.pages[0])] == ["No sales since Jan 1, 2099."]


def test_grouped_fixture_matches_the_hand_fed_events(tmp_path):
    """The engine's events give the same pages as the hand-written stream in support.py."""
    from .support import GROUPED, feed_grouped, grouped_rows, plan_of, render

    engine = pdf_pages(_build(GROUPED, "pdf", tmp_path).pages[0])
    plan = plan_of(GROUPED.read_text(encoding="utf-8"))
    _, rendered = render(plan, tmp_path / "hand", feed_grouped(plan, grouped_rows()))
    assert engine == pdf_pages(rendered.pages[0])


def test_png_pages_are_written(tmp_path):
    result = _build(ROOT / "examples" / "orders_jsonl.report", "png", tmp_path)
    written = write_outputs(result.pages, tmp_path / "orders-{n}.png", "png")
    assert [p.name for p in written] == [f"orders-{n}.png" for n in range(1, len(result.pages) + 1)]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in written)


def test_layout_fixture_pdf(tmp_path):
    result = _build(FIXTURES / "layout.report", "pdf", tmp_path)
    [page] = pdf_pages(result.pages[0])  # keep_together: both regions fit on the page
    assert "Layout & Styles — Seite 1 von 1" in page
    assert "Datum Produkt Menge Preis Umsatz" in page
    assert "Region East: 3 Zeilen, 2.426,50\xa0€" in page  # CLDR: a no-break space before €
    assert "Freitag, 5. Januar 2024 LAPTOP 2 999,00 1.998,00\xa0€" in page
    assert "Summe West 5 1.675,60\xa0€" in page
    assert "Anteil 59,2\xa0%" in page
    assert "7 Zeilen, zuletzt 11.02.2024." in page
    assert (tmp_path / "work" / "assets" / "0-dot.png").is_file()
