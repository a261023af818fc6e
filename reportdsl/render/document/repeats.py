"""Repeated group headers (LANGUAGE.md §14 ``repeat_header``), as the document writes them.

In: the ``DocumentLayout`` (which levels have a repeated header: a ``group_repeat_L``
band), then each ``repeat_header`` group instance's repeated-header call as the sink
writes it. Out: the body lines (``body.repeat_open_line``), the arguments the show
line gives ``rd-document``, and ``rd-repeat-heads`` for the prelude.

How the page shows them (templates/_runtime.typ.j2, report.typ.j2): each open line is a
state update holding the repeated header, placed just before the group's header, so it
moves with the header when the header moves to the next page; the close line is a
state update *placed* (``place``) after the group's last line, so it stays on the page
of that line. The page header prints the state as it is at the top of the page: the
headers of the groups that began on an earlier page and are still going on.

The page's top margin must hold them, and it is fixed for the whole document (a piece
laid out alone must make the same pages): ``rd-repeat-heads`` lists every distinct
repeated header, and ``rd-document`` reserves the tallest of each level.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import IO

from reportdsl.render.document import body as body_format
from reportdsl.render.document.layout import DocumentLayout

HEADS_FILE = "repeats.typ"
_SEEN_KEPT = 50_000  # distinct calls remembered; past that a repeat may be listed twice (harmless)


class RepeatedHeaders:
    def __init__(self, workdir: Path, layout: DocumentLayout) -> None:
        self.levels = frozenset(g.level for g in layout.groups if g.repeat is not None)
        self._path = workdir / HEADS_FILE
        self._file: IO[str] | None = None
        self._seen: set[str] = set()

    def __contains__(self, level: int) -> bool:
        return level in self.levels

    def open_line(self, level: int, call: str) -> str:
        """The line that opens a group instance with its repeated header ``call``."""
        if call not in self._seen:
            if len(self._seen) >= _SEEN_KEPT:
                self._seen.clear()
            self._seen.add(call)
            if self._file is None:
                self._file = open(self._path, "w", encoding="utf-8")  # noqa: SIM115 - closed in write_heads/close
            self._file.write(f"  ({level}, {call}),\n")
        return body_format.repeat_open_line(level, call)

    def document_arguments(self) -> list[str]:
        """``rd-document``'s arguments: none unless the report repeats headers, so a
        template of its own keeps working for the reports that do not."""
        return ["repeat-heads: rd-repeat-heads"] if self.levels else []

    def write_heads(self, out: IO[str]) -> None:
        """``#let rd-repeat-heads = ((LEVEL, CALL), …)`` for the prelude (after the
        preamble, which defines the band functions the calls name)."""
        if not self.levels:
            return
        if self._file is None:
            out.write("#let rd-repeat-heads = ()\n")
            return
        self._file.close()
        out.write("#let rd-repeat-heads = (\n")
        with open(self._path, encoding="utf-8") as heads:
            shutil.copyfileobj(heads, out)
        out.write(")\n")

    def close(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.close()
