"""The Typst sink and the compiled PDF: bands, deferred values, page numbers, no_data."""

from __future__ import annotations

import pytest

from reportdsl.engine.stream.events import Deferred, ReportEnd
from reportdsl.render import ReportRenderError, TypstDocumentSink

from ..support import (
    GROUPED,
    body_of,
    feed_grouped,
    feed_no_data,
    grouped_rows,
    pdf_pages,
    plan_of,
    render,
)


@pytest.fixture(scope="module")
def grouped_plan():
    return plan_of(GROUPED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def grouped_pdf(grouped_plan, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("grouped")
    document, rendered = render(grouped_plan, workdir, feed_grouped(grouped_plan, grouped_rows()))
    return document, rendered


def test_grouped_report_pages(grouped_pdf):
    document, rendered = grouped_pdf
    assert rendered.warnings == []
    pages = pdf_pages(rendered.pages[0])
    assert len(pages) == 2  # `new_page` on region: East, then West
    east, west = pages
    # title band with a report aggregate that was deferred
    assert "Grouped Sales — 7 lines" in east
    # page header on every page; Page X of Y with the true total
    for number, page in enumerate(pages, 1):
        assert "ACME Corp — Grouped Sales" in page
        assert f"Page {number} of 2" in page
        assert "Date Product Qty Revenue" in page  # column headers on every page
    # group header aggregates, known only at the group's end
    assert "Region East: $2,426.50" in east
    assert "Acme — 2 orders" in east
    assert "Bits & Bytes #1 — 1 orders" in east
    assert "Region West: $1,675.60" in west
    # detail rows, formatted
    assert "2024-01-05 Laptop 2 $1,998.00" in east
    assert "2024-02-11 Mouse -1 -$19.90" in west
    # footers: rows under the columns, `over report` shares
    assert "Subtotal $2,097.50" in east
    assert "Total East 8 $2,426.50" in east
    assert "East is 59.2% of all sales" in east
    assert "West is 40.8% of all sales" in west
    # summary on the last page only
    assert "Grand total 13 $4,102.10" in west and "Grand total" not in east


def test_no_data_replaces_everything(grouped_plan, tmp_path):
    document, rendered = render(grouped_plan, tmp_path, feed_no_data(grouped_plan))
    pages = pdf_pages(rendered.pages[0])
    assert len(pages) == 1
    assert pages[0].strip() == "No sales."


def test_body_is_one_line_a_statement(grouped_pdf):
    document, _ = grouped_pdf
    lines = body_of(document).splitlines()
    assert lines[0].startswith("#show: rd-document.with(page-header: rd-band-page-header(")
    assert "colheads: true" in lines[0]
    assert lines[1] == "#rd-start()"
    assert lines[2] == '#rd-band-title(rd-d("0"))'
    assert lines[3] == "#rd-detail-start(inline: true)"
    assert sum(1 for line in lines if line.startswith("#rd-row(")) == 7
    assert lines.count("#rd-new-page()") == 1  # before West only
    assert lines[-1].startswith("#rd-band-summary(")


def test_deferred_values_are_looked_up_from_the_prelude(grouped_pdf):
    document, _ = grouped_pdf
    prelude = document.prelude.read_text(encoding="utf-8")
    assert '#let rd-deferred = (\n' in prelude
    assert '"0": "7"' in prelude  # the title's COUNT()
    main = document.main.read_text(encoding="utf-8")
    assert main == prelude + body_of(document)


def test_unresolved_deferred_value_is_an_internal_error(grouped_plan, tmp_path):
    sink = TypstDocumentSink(grouped_plan, tmp_path)
    sink.report_start({}, {"v4": Deferred(9), "v5": "x"})
    sink.report_end(ReportEnd(values={"v21": 1, "v22": 2}, row_count=0, rows_read=0, no_data=False))
    with pytest.raises(ReportRenderError, match="never resolved"):
        sink.finish()


def test_missing_band_value_is_an_internal_error(grouped_plan, tmp_path):
    sink = TypstDocumentSink(grouped_plan, tmp_path)
    with pytest.raises(ReportRenderError, match="no value v4 for the title band"):
        sink.report_start({}, {"v5": "x"})
    sink.close()


def test_bad_format_argument_names_the_report(tmp_path):
    from reportdsl.plan.models import Format
    from reportdsl.render import ReportFormatError

    plan = plan_of('report f { detail { column a "A" = a } }', filename="f.report")
    column = plan.detail.columns[0].model_copy(update={"format": Format(name="number", args=[99])})
    broken = plan.model_copy(update={"detail": plan.detail.model_copy(update={"columns": [column]})})
    with pytest.raises(ReportFormatError) as caught:
        TypstDocumentSink(broken, tmp_path)
    assert str(caught.value).startswith("f.report: error: format 'number' expects")


def test_characters_without_a_glyph_are_reported(tmp_path):
    from reportdsl.render import compile_document

    from ..support import band_values

    plan = plan_of('report g { title "G"\n page_header { text "{title}" }\n detail { column a "A" = a } }')
    sink = TypstDocumentSink(plan, tmp_path)
    sink.report_start({}, band_values(plan.page_header, "Grüße"))
    sink.detail(("Mayan \U0001D2E0 and é",))
    sink.report_end(ReportEnd(values={}, row_count=1, rows_read=1, no_data=False))
    document = sink.finish()
    assert {"ü", "ß", "é", "\U0001D2E0"} <= document.characters
    warnings = compile_document(document, "pdf").warnings
    assert len(warnings) == 1 and "U+1D2E0" in warnings[0] and "U+00E9" not in warnings[0]
    assert compile_document(document, "pdf", check_glyphs=False).warnings == []


def test_a_body_piece_compiles_on_its_own(grouped_pdf):
    """The hooks chunked rendering builds on: prelude + a run of body lines, with the
    first page number and the total passed in."""
    from reportdsl.render import compile_document
    from reportdsl.render.document.sink import TypstDocument

    document, _ = grouped_pdf
    lines = body_of(document).splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if "Bits & Bytes" in line)  # mid-group
    piece = document.root / "piece.typ"
    piece.write_text(document.prelude.read_text(encoding="utf-8") + lines[0] + lines[1]
                     + "#rd-detail-start(inline: false)\n" + "".join(lines[start:]), encoding="utf-8")
    part = TypstDocument(root=document.root, main=piece, prelude=document.prelude, preamble=document.preamble,
                         body=document.body, template=document.template, builtin_template=True, rows=0, end=None)
    pages = pdf_pages(compile_document(part, sys_inputs={"rd-first-page": "5", "rd-total-pages": "9"}).pages[0])
    assert "Page 5 of 9" in pages[0] and "Page 6 of 9" in pages[1]
    assert all("Date Product Qty Revenue" in p for p in pages)
    assert "Grouped Sales — 7 lines" not in pages[0]  # no title band in a later piece
