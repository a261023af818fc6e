"""One document with page values (LANGUAGE.md §13): laid out, valued, exported.

In: a ``TypstDocument`` whose ``page_values`` is set (its ``main`` ends with the row
markers' tail, ``page_values.ROWS_TAIL``), the Typst output format and the compile
options. Out: the pages and Typst's warnings, as ``typst.compile_with_warnings`` gives them.

Steps, on one ``typst.Compiler`` (its layouts are memoised): lay the document out with
an empty values file and read where every detail row fell (the tail's query); compute
each page's texts (``PageValues.texts``) and write them to the file; export. The page
bands read the file in context, so the export lays out again only what reads it —
the body's layout is reused (measured on the 10k-row benchmark: see ARCHITECTURE.md).
The export's row positions are read again (memoised: free): if they moved (a template
that measures the page bands with their values, say), the values are computed again,
at most ``_ROUNDS`` times, and never printed for the wrong rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typst

from reportdsl.render.document.sink import TypstDocument
from reportdsl.render.errors import ReportRenderError
from reportdsl.render.page_values.values import ROWS_LABEL, VALUES_INPUT, RowPages, write_values

VALUES_FILE = "page-values.json"
_ROUNDS = 3


def compile_with_page_values(document: TypstDocument, *, fonts: Any, sys_inputs: Mapping[str, str],
                             **export: Any) -> tuple[Any, Any]:
    """``(data, warnings)`` of the document exported with its page values."""
    values = document.page_values
    if values is None:
        raise ReportRenderError("internal error: a document without page values in the page pass")
    path = Path(document.root) / VALUES_FILE
    write_values(str(path), {})
    inputs = {**sys_inputs, VALUES_INPUT: "/" + VALUES_FILE}
    compiler = typst.Compiler(str(document.main), root=str(document.root), font_paths=fonts, sys_inputs=inputs)
    layout = _rows(compiler)
    for _ in range(_ROUNDS):
        texts, _rows_done = values.texts(layout)
        write_values(str(path), texts)
        data, warnings = compiler.compile_with_warnings(**export)
        again = _rows(compiler)
        if again == layout:
            return data, warnings
        layout = again
    raise ReportRenderError("internal error: the page values keep moving page breaks; "
                            "check that the template measures page bands with rd-measured")


def _rows(compiler: typst.Compiler) -> RowPages:
    return RowPages.from_tail(compiler.query(ROWS_LABEL, field="value", one=True))
