"""The generated detail-row writer gives exactly the line the column cell writers give."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from reportdsl.engine.stream.events import Deferred
from reportdsl.render import TypstDocumentSink
from reportdsl.render.document.overflow import overflow_tests, template_face
from reportdsl.render.document.row_writer import cell_writer, row_line_function

from ..support import plan_of

REPORT = """
report rows {
  detail {
    column id "Id" = id
    column name "Name" = name
    column amount "Amount" = amount | currency
    column day "Day" = day | date("yyyy-MM-dd")
    column note "Note" = note | upper
  }
}
"""

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.text(max_size=12),
    st.sampled_from(['a"b', "back\\slash", "#read(\"x\")", "tab\there", "é", "中文", "\u2028", "\x7f"]),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**9), max_value=10**9),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.builds(Deferred, st.integers(min_value=0, max_value=3)),
    # equal across classes, printed alike or not: 1.0 and 1.00 keep their decimals unformatted
    st.sampled_from([1, 1.0, Decimal("1.00"), Decimal("1.0"), True, 0, -0.0, Decimal("-0"), "1"]),
    st.sampled_from([dt.date(2024, 1, 5), dt.datetime(2024, 1, 5), "2024-01-05", dt.datetime(2024, 1, 5, 12)]),
)


def _expected(cells, row: tuple) -> str:
    return "#rd-row(" + ", ".join(cell(value) for cell, value in zip(cells, row, strict=True)) + ")\n"


def _sink(tmp_path) -> TypstDocumentSink:
    return TypstDocumentSink(plan_of(REPORT), tmp_path)


def _cell_writers(sink: TypstDocumentSink) -> list:
    """Fresh cell writers of ``sink``, as its detail line function has (with the
    columns' overflow tests: a long word is measured by Typst)."""
    face = template_face(sink.templates.template_name, sink.templates.is_builtin, sink.preamble)
    tests = overflow_tests(sink.plan, list(sink.plan.detail.columns), face)
    return [cell_writer(f, sink.formatter, sink._placeholder, sink.characters, test)
            for f, test in zip(sink.layout.column_formatters, tests, strict=True)]


@settings(max_examples=300, deadline=None)
@given(row=st.tuples(VALUES, VALUES, VALUES, VALUES, VALUES))
def test_generated_line_is_the_cell_writers_line(tmp_path_factory, row):
    generated, reference = (_sink(tmp_path_factory.mktemp("rows")) for _ in range(2))
    cells = _cell_writers(reference)
    assert generated._row_line(row) == _expected(cells, row)
    assert generated.characters == reference.characters  # what the glyph check is told
    for sink in (generated, reference):
        sink.close()


EQUAL_ACROSS = [Decimal("1.0"), Decimal("1.00"), 1, 1.0, True, "1", 0, -0.0, Decimal("-0.00"),
                dt.date(2024, 1, 5), dt.datetime(2024, 1, 5), "2024-01-05", "2024-01-05"]


@settings(max_examples=200, deadline=None)
@given(values=st.lists(VALUES, max_size=30))
@example(values=EQUAL_ACROSS)
@example(values=EQUAL_ACROSS[::-1])
def test_reused_literals_are_what_a_fresh_cell_writer_gives(tmp_path_factory, values):
    sink = _sink(tmp_path_factory.mktemp("cells"))
    for i, cell in enumerate(_cell_writers(sink)):  # one writer keeps its literals across values
        for value in values:
            assert cell(value) == _cell_writers(sink)[i](value), value
    sink.close()


def test_fast_paths_in_either_order_and_no_columns():
    cell = lambda value: "<cell>"  # noqa: E731 - stands for a column's cell writer
    for types in (["int", "string"], ["string", "int"], ["any", "decimal"]):
        line = row_line_function([cell, cell], [True, True], types)
        assert line((7, "plain")) == '#rd-row("7", "plain")\n'
        assert line(("needs \"escape\"", True)) == "#rd-row(<cell>, <cell>)\n"
        assert line((None, Decimal("1.5"))) == "#rd-row(<cell>, <cell>)\n"
    assert row_line_function([], [], [])(()) == "#rd-row()\n"
    assert row_line_function([cell], [False], ["int"])((3,)) == "#rd-row(<cell>)\n"
