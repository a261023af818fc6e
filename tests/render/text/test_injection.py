"""Data is never markup: any text, as data or as a template's literal part, prints as is.

Each example renders one small PDF holding the strings as a detail cell, a band value
and the literal text of a band, and reads them back with pypdf.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportdsl.engine.stream.events import ReportEnd
from reportdsl.render import TypstDocumentSink, compile_document
from reportdsl.render.document.typst_text import typst_string

from ..support import band_values, pdf_pages, plan_of

NASTY = ['#read("secret.txt")', "/* c", "@x", '"', "--", "~", "$x$", "<l>", "\\", "#set text(red)",
         "]", "[", "}{", "\\u{41}", "// c", "- item", "= Heading", "*b* _i_ `c`", "'q'", "...", "#"]

# Printable characters the default fonts have glyphs for; no spaces, so that text
# extraction cannot reflow them (spaces are covered by the fixed cases).
ALPHABET = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "S"),
    max_codepoint=0x24F,
    exclude_characters="\u00ad",
)
WORDS = st.one_of(st.sampled_from(NASTY), st.text(ALPHABET, min_size=1, max_size=12))

REPORT = """
report injection {
  title "T"
  page a4 margin 1cm
  page_header { text "{title}" }
  detail { column a "A" = a }
  summary { text "{COUNT()}" }
}
"""


def _render(values: list[str], literal: str) -> list[str]:
    # The literal part of a text template goes through the plan: write it escaped as a
    # .report string, so the report text itself carries the nasty characters.
    escaped = literal.replace("\\", "\\\\").replace('"', '\\"').replace("{", "\\{").replace("}", "\\}")
    text = REPORT.replace('text "{COUNT()}"', f'text "{escaped}|{{COUNT()}}"')
    text = text.replace('column a "A"', f'column a "{escaped}"')  # a label, through the template
    plan = plan_of(text)
    with tempfile.TemporaryDirectory() as workdir:
        sink = TypstDocumentSink(plan, workdir)
        sink.report_start({}, band_values(plan.page_header, values[0]))
        for value in values:
            sink.detail((value,))
        sink.report_end(ReportEnd(values=band_values(plan.summary, len(values)), row_count=1,
                                  rows_read=1, no_data=False))
        rendered = compile_document(sink.finish(), "pdf")
        assert not (Path(workdir) / "secret.txt").exists()
    return pdf_pages(rendered.pages[0])[0].splitlines()


def test_known_markup_prints_literally():
    lines = _render(NASTY, "#read(\"x\") $y$ <l> @r /* c")
    assert lines[0] == NASTY[0]  # the page header value
    assert lines[1] == '#read("x") $y$ <l> @r /* c'  # the column label
    assert lines[2 : 2 + len(NASTY)] == NASTY
    assert lines[2 + len(NASTY)] == f'#read("x") $y$ <l> @r /* c|{len(NASTY)}'


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(WORDS, min_size=1, max_size=6), literal=WORDS)
def test_arbitrary_strings_print_unchanged(values, literal):
    # Text extraction may put a space where glyph runs meet (a long s and a T from
    # different fonts: "ſ T"): compared without spaces, every character is still checked.
    lines = [line.replace(" ", "") for line in _render(values, literal)]
    bare = [v.replace(" ", "") for v in values]
    assert lines[0] == bare[0]
    assert lines[1] == literal.replace(" ", "")
    assert lines[2 : 2 + len(values)] == bare
    assert lines[2 + len(values)] == f"{literal}|{len(values)}".replace(" ", "")


def test_control_characters_do_not_escape_the_literal():
    assert typst_string("a\x00\x1b\u2028b").startswith('"a\\u{0}')
