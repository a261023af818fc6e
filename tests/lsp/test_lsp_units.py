"""The language server's parts without the protocol: positions in UTF-16 units, the
analysis of a text that does not parse, completion with no good analysis yet."""

from __future__ import annotations

from reportdsl.lsp.analysis import analyse
from reportdsl.lsp.completion import complete
from reportdsl.lsp.positions import Positions


def test_positions_count_utf16_units():
    text = 'report r {\n  title "😀 x" \n}'
    positions = Positions(text)
    x = text.index("x")
    assert positions.position(x) == (1, 12)  # the emoji is two units
    assert positions.offset(1, 12) == x
    assert positions.offset(9, 0) == len(text)


def test_a_text_that_does_not_parse_is_one_diagnostic():
    analysis = analyse("report r {\n  title\n", "r.report")
    assert not analysis.parsed
    (diagnostic,) = analysis.diagnostics
    assert "expected" in diagnostic.message


def test_completion_without_a_good_analysis_offers_the_language():
    text = "report r {\n  \n}"
    labels = {item.label for item in complete(text, text.index("\n  ") + 3, None)}
    assert {"source", "group", "detail", "coalesce"} <= labels
    assert "SUM" not in labels  # aggregates stand in bands
