"""Typst string literals (the escaping choke point) and the checked layout tokens."""

from __future__ import annotations

import json

import pytest
import typst

from reportdsl.render.document.typst_text import (
    LayoutTokenError,
    TypstCode,
    typst_color,
    typst_length,
    typst_paper,
    typst_string,
    typst_value,
)


@pytest.mark.parametrize(
    "text, literal",
    [
        ("plain", '"plain"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("two\nlines\ttab\r", '"two\\nlines\\ttab\\r"'),
        ("nul\x00bel\x07del\x7f", '"nul\\u{0}bel\\u{7}del\\u{7f}"'),
        ("sep\u2028", '"sep\\u{2028}"'),
        ("#read(\"x\") /* $m$ @l <a>", '"#read(\\"x\\") /* $m$ @l <a>"'),
    ],
)
def test_typst_string(text, literal):
    assert typst_string(text) == literal


def test_literals_evaluate_back_to_the_text(tmp_path):
    texts = ["#read(\"x\")", "/* c", "\\", '"', "\x01\x1f\u2029", "é € 東", "}\n{", "\\u{41}"]
    main = tmp_path / "t.typ"
    main.write_text("#metadata((" + ", ".join(typst_string(t) for t in texts) + ",))<v>\n", encoding="utf-8")
    out = json.loads(typst.query(str(main), "<v>", field="value", one=True, root=str(tmp_path)))
    assert out == texts


def test_typst_value_quotes_everything_but_code():
    assert typst_value(TypstCode("1.5cm")) == "1.5cm"
    assert typst_value("1.5cm") == '"1.5cm"'
    assert typst_value(None) == "none"
    assert typst_value(True) == "true"
    assert typst_value(3) == "3"
    assert typst_value(1.5) == '"1.5"'


@pytest.mark.parametrize(
    "text, code", [("1.5cm", "1.5cm"), ("10pt", "10pt"), ("1e1pt", "10pt"), ("2 mm", "2mm"), (".5in", "0.5in")]
)
def test_lengths(text, code):
    assert typst_length(text) == code


@pytest.mark.parametrize("text", ["1.5", "cm", "1fr", "1cm)", "#x", "1.5cm; #read()", "10%"])
def test_bad_lengths(text):
    with pytest.raises(LayoutTokenError):
        typst_length(text)


def test_fraction_lengths_only_where_allowed():
    assert typst_length("3fr", fractions=True) == "3fr"


def test_colors_and_papers():
    assert typst_color("#FF8800") == 'rgb("#FF8800")'
    with pytest.raises(LayoutTokenError):
        typst_color('#12345"); read("x')
    assert typst_paper("a4") == 'paper: "a4"'
    assert typst_paper("letter") == 'paper: "us-letter"'
    assert typst_paper("us-legal") == 'paper: "us-legal"'
    assert typst_paper("b5") == 'paper: "iso-b5"'
    assert typst_paper("b0") == "width: 1000mm, height: 1414mm"
    with pytest.raises(LayoutTokenError):
        typst_paper("napkin")
