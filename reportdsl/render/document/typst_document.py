"""A finished Typst document: the files the sink wrote and what it knows of them.

In: nothing (a definition). Out: ``TypstDocument``, made by ``sink.TypstDocumentSink
.finish()`` and read by the typesetter (``render/typeset``) and the pieces scheduler.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportdsl.engine.stream.events import ReportEnd
from reportdsl.render.page_values.values import PageValues


@dataclass(frozen=True)
class TypstDocument:
    """A finished document. ``main`` = ``prelude`` + ``body``; compile with ``root``.

    To compile the body in pieces, write ``prelude``, the body's head, and a run of
    its units (``body.py``), and pass ``sys_inputs`` ``rd-first-page`` /
    ``rd-total-pages``; a piece that starts inside the detail section begins with
    ``body.detail_start_line(False)`` so its pages carry the column headers.
    """

    root: Path
    main: Path
    prelude: Path  # deferred values + preamble
    preamble: Path  # runtime + template output
    body: Path
    template: str  # "built-in template 'report'" or "template 'x.typ.j2'"
    builtin_template: bool
    rows: int  # detail rows written
    end: ReportEnd | None
    lines: int = 0  # body lines (a detail row is one), to tell a long document without reading it
    characters: frozenset[str] = frozenset()  # the non-ASCII characters it prints
    # Page totals and brought/carried-forward values (§13), computed once laid out;
    # ``main`` then ends with page_values.ROWS_TAIL.
    page_values: PageValues | None = None
