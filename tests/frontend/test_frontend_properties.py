"""Property: whatever the text, the front end raises only ReportError subclasses."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reportdsl
from reportdsl.errors import ReportError

from ..conftest import EXAMPLES, FIXTURES

SEEDS = [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "ok").glob("*.report"))]
SEEDS += [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.report"))]
PIECES = ['"', "{", "}", "(", ")", "|", ",", ":", "=", "==", "\n", "/*", "//", "\\", "over", "SUM(",
          "report", "group", "text", "1e", "-", "1.5cm", "\"\"\"", "\\{", "page", "row {"]


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["delete", "insert", "replace"]))
        if kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 12)):]
        else:
            piece = draw(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)))
            cut = draw(st.integers(0, 6)) if kind == "replace" else 0
            text = text[:at] + piece + text[at + cut:]
    return text


def compile_or_report_error(text: str) -> None:
    try:
        reportdsl.compile(text, filename="fuzz.report", base_dir=str(FIXTURES / "ok"))
    except ReportError as err:
        assert str(err)  # renders without failing


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_reports_raise_only_report_errors(text):
    compile_or_report_error(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_random_text_raises_only_report_errors(text):
    compile_or_report_error(text)
