"""`template "business"`: its face, its figures, its stripes (how they are turned on, and
that a document laid out in pieces is striped as the whole). Its rules are in the
reference pictures of test_visuals.py."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

import reportdsl

from ..pdf_layout import read_pages

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"  # tests/render/fixtures/, shared by the render tests
VISUAL = (FIXTURES / "visual.report").read_text(encoding="utf-8")
PAGE_LINE = "  page a5 landscape margin 1cm\n"


def _report(folder: Path, template: str) -> reportdsl.api.Report:
    """The visual tests' report with ``template``, written into ``folder`` beside its data."""
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "visual.csv").write_bytes((FIXTURES / "data" / "visual.csv").read_bytes())
    text = VISUAL.replace(PAGE_LINE, f'  template "{template}"\n{PAGE_LINE}')
    path = folder / "visual.report"
    path.write_text(text, encoding="utf-8")
    return reportdsl.compile_file(path)


def test_business_prints_in_ibm_plex_sans_and_report_in_libertinus(tmp_path):
    business = read_pages(_report(tmp_path, "business").render(format="pdf"))
    report = read_pages(_report(tmp_path, "report").render(format="pdf"))
    assert {w.font.split("-")[0] for p in business for w in p.words} == {"IBMPlexSans"}
    assert {w.font.split("-")[0] for p in report for w in p.words} == {"LibertinusSerif"}


def test_cjk_text_falls_back_to_the_bundled_cjk_font(tmp_path):
    report = _report(tmp_path, "business")
    data = tmp_path / "data" / "visual.csv"
    data.write_text(data.read_text(encoding="utf-8").replace("Aalto Oy", "東京精機"), encoding="utf-8")
    rendered = report._render("pdf", {}, None)
    assert rendered.warnings == []  # no missing glyph
    fonts = {w.font for p in read_pages(rendered.pages[0]) for w in p.words if w.text == "東京精機"}
    assert fonts and all(f.startswith("NotoSansCJK") for f in fonts)


def test_business_figures_are_tabular(tmp_path):
    """Amounts of as many characters take the same width whatever their digits, so
    right-aligned amounts start at one x: 1 and 8 are as wide as 0."""
    pages = read_pages(_report(tmp_path, "business").render(format="pdf"))
    starts = {}
    for word in (w for p in pages for w in p.words if w.text.startswith("$")):
        starts.setdefault(len(word.text), set()).add(round(word.x0, 2))
    assert starts[7] == {min(starts[7])} and len(starts) >= 3  # "$645.00", "$129.00", "$119.85" …
    amounts = {w.text for p in pages for w in p.words if len(w.text) == 7 and w.text.startswith("$")}
    assert {"$645.00", "$129.00"} <= amounts


def _pixels(png: bytes) -> set[tuple[int, int, int]]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return {color for _, color in image.getcolors(1 << 20)}


def test_stripes_are_off_in_business_and_on_in_business_striped(tmp_path):
    stripe = (0xEE, 0xF2, 0xF6)
    assert stripe not in _pixels(_report(tmp_path, "business").render(format="png", ppi=30)[0])
    assert stripe in _pixels(_report(tmp_path, "business-striped").render(format="png", ppi=30)[0])


def test_a_user_template_extending_business_chooses_the_stripe_fill(tmp_path):
    (tmp_path / "house.typ.j2").write_text(
        '{% extends "builtin/business.typ.j2" %}\n'
        "{% block settings %}{{ super() }}\n#let rd-stripe-fill = rgb(\"#ffe8c8\")\n{% endblock %}\n",
        encoding="utf-8")
    pages = _report(tmp_path, "house.typ.j2").render(format="png", ppi=30)
    assert (0xFF, 0xE8, 0xC8) in _pixels(pages[0])


def test_stripes_of_a_document_in_pieces_are_those_of_the_whole(tmp_path):
    """Stripes count from the top of each page, where every piece starts: cut into
    pieces of a few lines, the pages are pixel for pixel those of one document."""
    report = _report(tmp_path, "business-striped")
    single = report._render("png", {}, None, ppi=40, chunk_rows=100_000)
    pieced = report._render("png", {}, None, ppi=40, chunk_rows=3, jobs=1)
    assert pieced.typesetting["pieces"] > 1
    assert pieced.pages == single.pages


DOCS = Path(__file__).resolve().parents[3] / "docs"
TEMPLATE_EXAMPLES = [
    (doc, block)
    for doc in ("templates.md", "looks.md")
    for block in re.findall(r"^```jinja\n(.*?)^```$", (DOCS / doc).read_text(encoding="utf-8"), re.S | re.M)
]


@pytest.mark.parametrize("doc, block", TEMPLATE_EXAMPLES,
                         ids=[f"{doc}-{i}" for i, (doc, _) in enumerate(TEMPLATE_EXAMPLES)])
def test_the_template_examples_of_the_docs_build(doc, block, tmp_path):
    (tmp_path / "house.typ.j2").write_text(block, encoding="utf-8")
    rendered = _report(tmp_path, "house.typ.j2")._render("pdf", {}, None)
    assert rendered.warnings == []
    assert "Grand total" in read_pages(rendered.pages[0])[-1].text
