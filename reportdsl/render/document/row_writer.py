"""A detail row → one line of Typst, written by a function generated for the report.

In: one cell writer a detail column (value → Typst literal: formatting, escaping and
the glyph bookkeeping, ``cell_writer``), and for each column
whether it prints its values as they are (no format) and the type the checker gave it.
Out: ``row_line_function(...)``, a function row tuple → ``#rd-row("…", …)\\n``.

Detail rows are the bulk of a document, so, as the engine does for its row loop, the
line is built by Python code generated once a report instead of a loop over the
columns a row: an unformatted text that needs no escape and an unformatted int are
quoted in place; every other value goes to its column's cell writer. The fast paths
give exactly what the cell writer gives (the tests compare them), so the generated
code decides speed only, never output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reportdsl.engine.stream.events import Deferred
from reportdsl.plan.models import DetailBand
from reportdsl.render.document.body import ROW
from reportdsl.render.document.overflow import OverflowTest
from reportdsl.render.document.styling import detail_style_function, has_styles
from reportdsl.render.document.typst_text import DATA_NEEDS_CARE, NEEDS_ESCAPE, typst_data
from reportdsl.render.formatting.formats import Formatter, ValueFormatter

CellWriter = Callable[[Any], str]
_LITERALS_KEPT = 20_000  # a column's reused literals (the distinct values are often few)

_INT_TEST = "c{i}.__class__ is int"
_TEXT_TEST = "(c{i}.__class__ is str and c{i}.isascii() and _search(c{i}) is None)"


def row_line_function(
    cells: Sequence[CellWriter], plain: Sequence[bool], types: Sequence[str],
    safe_lengths: Sequence[int | None] | None = None,
) -> Callable[[tuple], str]:
    """row → its ``#rd-row(…)`` line; ``plain[i]``: column ``i`` has no format;
    ``types[i]``: its checked type (which fast path to try first); ``safe_lengths[i]``:
    the longest text of column ``i`` that cannot be wider than it (overflow.py), or None
    for no limit: longer ones go to the cell writer, which may mark them breakable."""
    names = [f"c{i}" for i in range(len(cells))]
    lines = [f"def row_line({'row' if cells else '_row'}):"]
    if cells:
        lines.append(f"    {', '.join(names)}, = row")
    limits = list(safe_lengths) if safe_lengths is not None else [None] * len(cells)
    for i, is_plain in enumerate(plain):
        if is_plain:
            text_test, int_test = _TEXT_TEST, _INT_TEST
            limit = limits[i]
            if limit is not None:  # an int of fewer than `limit` digits, sign included
                bound = 10 ** max(limit - 1, 0)
                text_test = f"(c{{i}}.__class__ is str and len(c{{i}}) <= {limit} and {_TEXT_TEST})"
                int_test = f"({_INT_TEST} and -{bound} < c{{i}} < {bound})"
            tests = [text_test, int_test] if types[i] != "int" else [int_test, text_test]
            fast = " or ".join(tests).format(i=i)
            lines.append(f"    t{i} = f'\"{{c{i}}}\"' if {fast} else _cell{i}(c{i})")
        else:
            lines.append(f"    t{i} = _cell{i}(c{i})")
    arguments = ", ".join(f"{{t{i}}}" for i in range(len(cells)))
    lines.append(f"    return f'{ROW}{arguments})\\n'")
    namespace: dict[str, Any] = {"_search": NEEDS_ESCAPE.search}
    namespace.update({f"_cell{i}": cell for i, cell in enumerate(cells)})
    exec(compile("\n".join(lines) + "\n", "<reportdsl detail row>", "exec"), namespace)
    return namespace["row_line"]


STYLED_ROW = "#rd-styled-row("  # a detail row with styles (§14), up to its style dictionary


def styled_row_line_function(
    cells: Sequence[CellWriter],
    row_style: Callable[[tuple], str] | None,
    cell_styles: Sequence[Callable[[tuple], str] | None],
    cell_shown: Sequence[int | None],
) -> Callable[[tuple], str]:
    """row → its line, for a detail band with styles or conditional columns:
    ``#rd-styled-row((weight: "bold"), c0, rd-cell(c1, colour: "#b00020"), …)``, or
    ``#rd-row(…)`` for a row no style applies to. ``cell_shown[i]``: the position in
    the row of column ``i``'s `when` (its cell is empty where not true), or None.
    Styles are rare, so this is a plain loop rather than generated code."""
    columns = list(zip(cells, cell_styles, cell_shown, strict=True))

    def row_line(row: tuple) -> str:
        texts = []
        for i, (cell, style, shown) in enumerate(columns):
            if shown is not None and row[shown] is not True:
                texts.append('""')
                continue
            text = cell(row[i])
            arguments = style(row) if style is not None else ""
            texts.append(f"rd-cell({text}, {arguments})" if arguments else text)
        arguments = row_style(row) if row_style is not None else ""
        if arguments:
            return f"{STYLED_ROW}({arguments}), {', '.join(texts)})\n"
        return f"{ROW}{', '.join(texts)})\n"

    return row_line


def detail_line_function(detail: DetailBand | None, cells: Sequence[CellWriter],
                         plain: Sequence[bool], overflows: Sequence[OverflowTest | None]) -> Callable[[tuple], str]:
    """The line writer of a detail band: the generated fast one, or the styled one for
    a band with styles or conditional columns (LANGUAGE.md §14)."""
    if detail is None:
        return row_line_function([], [], [])
    offset = len(detail.columns)
    if not detail.extras and not any(has_styles(c) for c in (detail, *detail.columns)):
        limits = [test.safe_length if test is not None else None for test in overflows]
        return row_line_function(cells, plain, [c.type for c in detail.columns], limits)
    return styled_row_line_function(
        cells,
        detail_style_function(detail, detail.extras, offset),
        [detail_style_function(c, detail.extras, offset) for c in detail.columns],
        [offset + detail.extras.index(c.when) if c.when is not None else None for c in detail.columns],
    )


def cell_writer(formatter: Formatter, formats: ValueFormatter, placeholder: Callable[[int, Formatter], str],
                characters: set[str], overflows: OverflowTest | None = None) -> CellWriter:
    """value → Typst literal for one detail column (the hot path: ~0.3 µs): formatted,
    escaped, its non-ASCII characters noted for the glyph check; a deferred value
    becomes its ``placeholder``; a text that may be wider than the column
    (``overflows``) is ``rd-breakable(…)``, measured by Typst.

    Columns repeat their values (dates, prices, names): a literal is kept for
    every value whose text depends on the value alone (``equal_text_classes``)."""
    search = DATA_NEEDS_CARE.search
    plain = formatter == formats.default_text  # unformatted: str and int as is
    reused = formats.equal_text_classes(formatter)
    literals: dict[Any, str] = {}

    def cell(value: Any) -> str:
        cls = value.__class__
        if cls in reused:
            found = literals.get(value)
            if found is not None:
                return found
        if plain and cls is str:
            text = value
        elif value is None:
            return '""'
        elif plain and cls is int:
            return '"' + str(value) + '"'
        elif cls is Deferred:
            return placeholder(value.slot, formatter)
        else:
            text = formatter(value)
        if not text.isascii():
            characters.update(text)
        literal = '"' + text + '"' if search(text) is None else typst_data(text)
        if overflows is not None and overflows(text):
            literal = f"rd-breakable({literal})"
        if cls in reused:
            if len(literals) >= _LITERALS_KEPT:
                literals.clear()
            literals[value] = literal
        return literal

    return cell
