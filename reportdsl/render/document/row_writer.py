"""A detail row → one line of Typst, written by a function generated for the report.

In: one cell writer a detail column (value → Typst literal: formatting, escaping and
the glyph bookkeeping, ``TypstDocumentSink._cell_writer``), and for each column
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

from reportdsl.render.document.body import ROW
from reportdsl.render.document.typst_text import NEEDS_ESCAPE

CellWriter = Callable[[Any], str]

_INT_TEST = "c{i}.__class__ is int"
_TEXT_TEST = "(c{i}.__class__ is str and c{i}.isascii() and _search(c{i}) is None)"


def row_line_function(
    cells: Sequence[CellWriter], plain: Sequence[bool], types: Sequence[str]
) -> Callable[[tuple], str]:
    """row → its ``#rd-row(…)`` line; ``plain[i]``: column ``i`` has no format;
    ``types[i]``: its checked type (which fast path to try first)."""
    names = [f"c{i}" for i in range(len(cells))]
    lines = [f"def row_line({'row' if cells else '_row'}):"]
    if cells:
        lines.append(f"    {', '.join(names)}, = row")
    for i, is_plain in enumerate(plain):
        if is_plain:
            tests = [_TEXT_TEST, _INT_TEST] if types[i] != "int" else [_INT_TEST, _TEXT_TEST]
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
