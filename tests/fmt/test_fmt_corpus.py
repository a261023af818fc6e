"""``fmt`` over every report of the repository: the examples, the golden fixtures (and
the error fixtures that parse), the ```report blocks of docs/language.md. Formatting
changes no AST (offsets aside), keeps every comment in order, and a second pass
changes nothing."""

from __future__ import annotations

import re

import pytest

from reportdsl.errors import ReportSyntaxError
from reportdsl.fmt import format_report
from reportdsl.fmt.tokens import SourceTokens
from reportdsl.fmt.verify import ast_without_spans
from reportdsl.syntax import parse

from ..conftest import EXAMPLES, FIXTURES, ROOT


def assert_same_report(before: str, after: str) -> None:
    """The test helper of CONTRACT.md §7: the same report, whatever its layout."""
    assert ast_without_spans(parse(after)) == ast_without_spans(parse(before))
    assert [c.text for c in SourceTokens(after).comments] == [c.text for c in SourceTokens(before).comments]


def _corpus() -> list[tuple[str, str]]:
    files = [*sorted(EXAMPLES.glob("*.report")), *sorted((FIXTURES / "ok").glob("*.report")),
             *sorted((FIXTURES / "errors").glob("*.report")), *sorted((FIXTURES / "fmt").glob("*.report"))]
    out = [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in files]
    doc = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    out += [(f"docs/language.md block {k}", block)
            for k, block in enumerate(re.findall(r"^```report\n(.*?)^```$", doc, re.S | re.M))]
    return out


CORPUS = _corpus()


def test_the_corpus_is_what_it_should_be():
    assert len(CORPUS) > 60  # examples, fixtures and two dozen documented reports


@pytest.mark.parametrize(("name", "text"), CORPUS, ids=[name for name, _ in CORPUS])
def test_fmt_keeps_the_report_and_is_idempotent(name, text):
    try:
        parse(text)
    except ReportSyntaxError:
        assert "errors" in name  # only error fixtures may not parse
        with pytest.raises(ReportSyntaxError):
            format_report(text, name)
        return
    formatted = format_report(text, name)
    assert_same_report(text, formatted)
    assert format_report(formatted, name) == formatted


def test_the_helper_sees_a_changed_report():
    with pytest.raises(AssertionError):
        assert_same_report("report a { title \"x\" }", "report a { title \"y\" }")
    with pytest.raises(AssertionError):
        assert_same_report("report a { title \"x\" } // c", "report a { title \"x\" }")
    assert_same_report("report a {title \"x\"}", "report a {\n  title \"x\"\n}\n")


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.report")), ids=lambda p: p.name)
def test_the_bundled_examples_are_in_the_canonical_layout(path):
    # What a newcomer copies first is what `reportdsl fmt --check` accepts.
    text = path.read_text(encoding="utf-8")
    assert format_report(text, str(path)) == text
