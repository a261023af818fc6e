"""The body of a document, ``body.typ``: one line format, written by the sink and read
back to cut the body into pieces.

In (writing): what ``TypstDocumentSink`` is about to write — the head's arguments, a
band's call, whether a kept block opens or closes. Out: the lines, from the constants
and small functions below, so that the writer and the reader share one definition.
In (reading): a finished body. Out: ``index_body()``, a ``BodyIndex``: where each
*unit* starts.

Grammar (UTF-8; ``NL`` is ``"\\n"``, the only line break that occurs)::

    body        = head unit*
    head        = show-line start-line
    show-line   = "#show: rd-document.with(" [argument (", " argument)*] ")" NL
    start-line  = "#rd-start()" NL
    unit        = line | kept-block
    kept-block  = ("#rd-keep[" | "#rd-sticky[") NL (line | kept-block)* "]" NL
    line        = "#" call NL

The *head* is always the first two lines: ``show-line`` applies the template's
``rd-document`` to everything after it (the page bands are its arguments:
``page-header: …``, ``page-footer: …``, ``colheads: true``); ``start-line`` sets the
first page's number. A piece of the body repeats the head.

A *line* is one call on one physical line. Its arguments are Typst string literals,
which escape every line break (``typst_text.typst_string``), or deferred lookups
``rd-d("KEY")``, so no line break occurs inside a line, and a line starts with ``#``
(none reads ``]``). The calls:

- ``#rd-band-NAME(…)``: one band instance (title, group header or footer, summary,
  no data);
- ``#rd-detail-start(inline: true|false)``: where the detail section begins — its
  column headers, printed where it stands when ``inline`` (after a title), else only
  at the top of each page; at most one, at depth 0. A piece that starts after it
  begins with ``detail_start_line(False)`` so its pages carry the column headers;
- ``#rd-new-page()``: a page break before an instance of a ``new_page`` group;
- ``#rd-row(…)``: a detail row (written by ``row_writer``'s generated code).

- ``#rd-repeat-open(LEVEL, CALL)``: a ``repeat_header`` group (LANGUAGE.md §14) starts:
  ``CALL`` (a ``rd-band-group-repeat-LEVEL(…)`` call) is its header as repeated on the
  pages it continues on; on the line before its header;
- ``#rd-repeat-close(LEVEL)``: that group has ended; right after its last line. It is
  no unit of its own but the end of the unit before it, so a cut never falls between
  a group's last line and its close (a piece would start with the group still open).

A piece that starts while repeat_header groups are open passes their repeated headers
to ``rd-document`` in its show line (``with_repeats``), as the page header's starting
state: the single document's state at that page.

A *kept block* is an instance of a ``keep_together`` group: ``#rd-keep[`` on a line of
its own, the instance's lines (kept blocks nest), ``]`` on a line of its own; or
``#rd-sticky[`` around the one line that must stay with the group footer after it
(LANGUAGE.md §14: a footer never starts a page alone).

A *unit* is one statement at nesting depth 0: a line outside every kept block, or a
whole outermost kept block. Units are what the body is cut between: each starts on a
line of its own, so the prelude, the head, the detail start (for a run inside the
detail section) and any run of units make a document of its own (``pieces.cutting``).

This module imports nothing but the standard library: worker processes import it
(through ``pieces.cutting``), and must not pay for Babel, Jinja2, pydantic or Typst.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# ---- the lines (the writer) -------------------------------------------------------------

SHOW = "#show: rd-document.with("  # the head's first line, up to its arguments
START_LINE = "#rd-start()\n"  # the head's second line
DETAIL_START = "#rd-detail-start("  # up to its argument
NEW_PAGE_LINE = "#rd-new-page()\n"
KEEP_OPEN_LINE = "#rd-keep[\n"
KEEP_CLOSE_LINE = "]\n"
STICKY_OPEN_LINE = "#rd-sticky[\n"  # a group's last line, kept with the footer that follows it
ROW = "#rd-row("  # a detail row, up to its cells
REPEAT_OPEN = "#rd-repeat-open("  # up to its level
REPEAT_CLOSE = "#rd-repeat-close("


def show_line(arguments: Iterable[str]) -> str:
    """The head's first line: ``rd-document`` with ``arguments`` (``name: value``)."""
    return SHOW + ", ".join(arguments) + ")\n"


def detail_start_line(inline: bool) -> str:
    return f"{DETAIL_START}inline: {'true' if inline else 'false'})\n"


def repeat_open_line(level: int, call: str) -> str:
    return f"{REPEAT_OPEN}{level}, {call})\n"


def repeat_close_line(level: int) -> str:
    return f"{REPEAT_CLOSE}{level})\n"


def call_line(call: str) -> str:
    """The line of one call, ``call`` without its ``#``: ``rd-band-title("…")``."""
    return "#" + call + "\n"


# ---- the units (the reader) -------------------------------------------------------------

_SHOW = SHOW.encode()
_START = START_LINE.encode()
_DETAIL_START = DETAIL_START.encode()
_OPEN = KEEP_OPEN_LINE.encode()
_CLOSE = KEEP_CLOSE_LINE.encode()
_OPENERS = (_OPEN, STICKY_OPEN_LINE.encode())
_REPEAT_OPEN = REPEAT_OPEN.encode()
_REPEAT_CLOSE = REPEAT_CLOSE.encode()


class HasBody(Protocol):
    """What ``index_body`` reads of a document (``sink.TypstDocument``)."""

    @property
    def body(self) -> Path: ...


@dataclass(frozen=True)
class BodyIndex:
    """Where each unit of ``body.typ`` starts (byte offsets), after the head."""

    head: bytes  # the show and start lines, which every piece repeats
    offsets: array  # offsets[i] = start of unit i; offsets[-1] = end of the body
    lines: array  # lines[i] = body lines before unit i (after the head); lines[-1] = all of them
    detail_start: int | None  # the unit that starts the detail section
    # repeat_header groups opening and closing: (unit, level, the open line's
    # ``LEVEL, CALL`` or None for a close), in body order
    repeats: tuple[tuple[int, int, bytes | None], ...] = ()

    @property
    def units(self) -> int:
        return len(self.offsets) - 1

    def head_at(self, unit: int) -> bytes:
        """The head of a piece starting at ``unit``: the repeat_header groups open there
        go to ``rd-document`` as ``repeats: ((LEVEL, CALL), …)``."""
        opened: dict[int, bytes] = {}
        for at, level, call in self.repeats:
            if at >= unit:
                break
            for deeper in [k for k in opened if k >= level]:
                del opened[deeper]
            if call is not None:
                opened[level] = call
        if not opened:
            return self.head
        show, start = self.head.split(b"\n", 1)
        pairs = b"".join(b"(" + opened[k] + b"), " for k in sorted(opened))
        separator = b"" if show.endswith(_SHOW) else b", "
        return show[:-1] + separator + b"repeats: (" + pairs + b"))\n" + start


def index_body(document: HasBody) -> BodyIndex | None:
    """The units of ``document``'s body; ``None`` when the body does not begin with the
    head (it is not in this format)."""
    offsets = array("q")
    lines = array("q")
    detail_start = None
    repeats: list[tuple[int, int, bytes | None]] = []
    depth = 0
    with open(document.body, "rb") as body:
        show, start = body.readline(), body.readline()
        if not (show.startswith(_SHOW) and start == _START):
            return None
        head = show + start
        position, number = len(head), 0
        for line in body:
            if line.startswith(_REPEAT_CLOSE):  # the end of the unit before it
                repeats.append((len(offsets) - 1, int(line[len(_REPEAT_CLOSE):-2]), None))
            elif depth == 0:
                if detail_start is None and line.startswith(_DETAIL_START):
                    detail_start = len(offsets)
                offsets.append(position)
                lines.append(number)
            if line.startswith(_REPEAT_OPEN):
                call = line[len(_REPEAT_OPEN):-2]
                repeats.append((len(offsets) - 1, int(call.split(b",", 1)[0]), call))
            elif line in _OPENERS:
                depth += 1
            elif line == _CLOSE and depth:
                depth -= 1
            position += len(line)
            number += 1
    offsets.append(position)
    lines.append(number)
    return BodyIndex(head, offsets, lines, detail_start, tuple(repeats))
