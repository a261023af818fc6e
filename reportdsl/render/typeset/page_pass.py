"""One document with page values (LANGUAGE.md §13): laid out, valued, exported.

In: a ``TypstDocument`` whose ``page_values`` is set (its ``main`` ends with the end
marker, ``page_values.ROWS_TAIL``), the Typst output format and the compile options.
Out: the pages and Typst's warnings, as ``typst.compile_with_warnings`` gives them.

Typst lays a document out first with nothing to introspect, then again until its
queries (page numbers, the column headers' pages…) settle: two layouts, the second
mostly memoised. A page pass needs one more, the one that prints the values, and
must not pay for more (the 10k-row benchmark, ``bench_render.py --page-totals``):

1. the *probe*: with ``rd-page-pass`` set, the runtime's gate (``#show: rd-page-gate``,
   just before the body: ``page_values.ROWS_HEAD``) stops the compile as soon as the
   document is laid out, with an error carrying each row marker's page: the first
   layout, and of the second only its start (the body is not realized again);
2. the values are computed (``PageValues.texts``) and written to the file, with where
   the rows are (``rd-rows``); the same ``typst.Compiler`` compiles and exports. Its
   first layout is the probe's, memoised: the page values stay blank there (the file is
   not read), so nothing differs. Its second prints the values and checks the rows: if
   a template let the values move them, it stops the same way.

Measured with ``bench_render.py --rows 10000 --repeat 3 [--page-totals]``, in-process
seconds, three rounds alternating with the two full compiles this replaces (a machine
loaded by other helpers): 1.44 s without page values, 1.65 s with them (+15 %, rounds
+10 to +19 %); before, 1.45 s and 1.98 s (+37 %). One document of 100k rows
(``chunk_rows`` above it): 12.2-12.5 s without, 15.0-16.1 s with (+20 to +32 %);
before, 12.1 s and 22.8 s (+88 %). The probe's page lookups grow with pages, not rows.
Since the gate (rather than a probe first in the body) and the row markers written out
(``values.ROW_MARKER``), callgrind, the same 10k-row build less its 1.04 G
instructions of imports: 8.30 G without page values, 9.09 G with (+9.6 %); before,
8.33 G and 9.45 G (+13.5 %). The markers are most of what is left (~42k instructions
a row). Wall seconds on a machine loaded 2-3 (2 cores), six rounds alternating: best
2.21 s without, 2.50 s with (before 2.58 s), medians 2.60 s, 2.99 s (before 3.14 s);
one document of 100k rows: 23.6 and 24.0 s without, 25.4 and 29.4 s with (before 27.0 s).

When the rows moved, the general pass runs on a fresh compiler without the probe:
lay out, read the rows (``ROWS_QUERY``), value, export, read them again, at most
``_ROUNDS`` times, never printing values for the wrong rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typst

from reportdsl.render.document.sink import TypstDocument
from reportdsl.render.errors import ReportRenderError
from reportdsl.render.page_values.values import ROWS_QUERY, VALUES_INPUT, PageValues, RowPages, write_values

VALUES_FILE = "page-values.json"
PASS_INPUT = "rd-page-pass"  # sys.inputs: the runtime's probe is on (templates/_runtime.typ.j2)
_PROBE = re.compile(r"rd-page-rows ([0-9 ]+)")
_ROUNDS = 3


def compile_with_page_values(document: TypstDocument, *, fonts: Any, sys_inputs: Mapping[str, str],
                             **export: Any) -> tuple[Any, Any]:
    """``(data, warnings)`` of the document exported with its page values."""
    values = document.page_values
    if values is None:
        raise ReportRenderError("internal error: a document without page values in the page pass")
    path = Path(document.root) / VALUES_FILE
    inputs = {**sys_inputs, VALUES_INPUT: "/" + VALUES_FILE}
    write_values(str(path), {})
    compiler = typst.Compiler(str(document.main), root=str(document.root), font_paths=fonts,
                              sys_inputs={**inputs, PASS_INPUT: "1"})
    try:
        compiler.query("<rd-page-end>")
        layout = None  # no probe stopped it: a template that never lets it run
    except RuntimeError as exc:  # typst.TypstError, or RuntimeError from older typst-py
        layout = _probed(exc)
        if layout is None:
            raise  # the document's own error
    if layout is not None:
        texts, _rows_done = values.texts(layout)
        write_values(str(path), {**texts, "rd-rows": {str(p): list(r) for p, r in layout.rows.items()},
                                 "rd-pages": layout.pages})
        try:
            return compiler.compile_with_warnings(**export)
        except RuntimeError as exc:
            if _probed(exc) is None:
                raise
            # the values moved the rows (a template that measures page bands with
            # their values): the general pass
    return _general_pass(document, values, path, fonts, inputs, export)


def _probed(exc: BaseException) -> RowPages | None:
    """The rows' pages that the probe stopped a compile with, if it did."""
    found = _PROBE.search(f"{getattr(exc, 'message', '')} {exc}")
    if found is None:
        return None
    numbers = [int(n) for n in found.group(1).split()]
    ranges = zip(numbers[1::3], numbers[2::3], numbers[3::3], strict=True)
    return RowPages(numbers[0], {page: (first, last) for page, first, last in ranges})


def _general_pass(document: TypstDocument, values: PageValues, path: Path, fonts: Any,
                  inputs: Mapping[str, str], export: Mapping[str, Any]) -> tuple[Any, Any]:
    write_values(str(path), {})
    compiler = typst.Compiler(str(document.main), root=str(document.root), font_paths=fonts, sys_inputs=dict(inputs))
    layout = _rows(compiler)
    for _ in range(_ROUNDS):
        texts, _rows_done = values.texts(layout)
        write_values(str(path), texts)
        data, warnings = compiler.compile_with_warnings(**export)
        again = _rows(compiler)  # memoised: the export's layout
        if again == layout:
            return data, warnings
        layout = again
    raise ReportRenderError("internal error: the page values keep moving page breaks; "
                            "check that the template measures page bands with rd-measured")


def _rows(compiler: typst.Compiler) -> RowPages:
    return RowPages.from_tail(compiler.eval(ROWS_QUERY))
