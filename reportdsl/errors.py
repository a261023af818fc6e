"""Every error reportdsl raises, and the one path that formats them.

In: a message, the source it is about, and a span (start, end offsets) in that source.
Out: ``ReportError`` subclasses whose ``str()`` is the compiler-style text of
CONTRACT.md §4, the same text the CLI prints::

    sales.report:14:22: error: unknown name 'revnue' (did you mean 'revenue'?)
       14 |   where revnue >= min_amount
          |         ^^^^^^

Positions travel as offsets (spans) through every stage and become line/column
only here, when a diagnostic is shown.
"""

from __future__ import annotations

import bisect
import contextlib
import errno
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeVar

Span = tuple[int, int]


@dataclass(frozen=True)
class SourceText:
    """A report's text and the name it is shown under."""

    filename: str
    text: str
    _line_starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = [0]
        starts.extend(i + 1 for i, ch in enumerate(self.text) if ch == "\n")
        object.__setattr__(self, "_line_starts", tuple(starts))

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def line_text(self, line: int) -> str:
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start : len(self.text) if end < 0 else end].rstrip("\r")


@dataclass(frozen=True)
class Diagnostic:
    """One message about one place in a report."""

    message: str
    source: SourceText | None = None
    span: Span | None = None
    notes: tuple[str, ...] = ()

    @property
    def filename(self) -> str | None:
        return self.source.filename if self.source else None

    @property
    def position(self) -> tuple[int | None, int | None]:
        if self.source is None or self.span is None:
            return None, None
        return self.source.line_col(self.span[0])

    def render(self) -> str:
        line, col = self.position
        where = ""
        if self.source is not None:
            where = self.source.filename + (f":{line}:{col}" if line else "") + ": "
        out = [f"{where}error: {self.message}"]
        if self.source is not None and line is not None and self.span is not None:
            out.extend(_excerpt(self.source, self.span))
        out.extend(f"  = note: {n}" for n in self.notes)
        return "\n".join(out)


def _excerpt(source: SourceText, span: Span) -> list[str]:
    line, col = source.line_col(span[0])
    end_line, end_col = source.line_col(max(span[0], span[1]))
    text = source.line_text(line).expandtabs(1)
    width = max(1, (end_col - col) if end_line == line else len(text) - col + 1)
    gutter = " " * len(str(line))
    return [
        f"   {line} | {text}",
        f"   {gutter} | {' ' * (col - 1)}{'^' * width}",
    ]


class ReportError(Exception):
    """Base of every error about a report, its parameters or its data."""

    def __init__(self, diagnostics: Diagnostic | list[Diagnostic] | str):
        if isinstance(diagnostics, str):
            diagnostics = Diagnostic(diagnostics)
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        first = self.diagnostics[0]
        self.message = first.message
        self.filename = first.filename
        self.line, self.column = first.position
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)


class ReportSyntaxError(ReportError):
    """The text does not parse."""


class ReportCheckError(ReportError):
    """The report parses but names, types or aggregate scopes are wrong."""


class ReportDataError(ReportError):
    """A parameter, the source or a row does not fit the report."""


class SourceFailure(ReportDataError):
    """The source could not be opened or read: no connection, a query the database
    refused, a read cut short. The run points it at the ``source`` statement."""

    def at(self, source: SourceText, span: Span) -> SourceFailure:
        """The same error, shown at ``span`` of ``source`` (if it has no place yet)."""
        first = self.diagnostics[0]
        if first.source is not None:
            return self
        return SourceFailure([Diagnostic(first.message, source, span, first.notes), *self.diagnostics[1:]])


E = TypeVar("E", bound=ReportError)


def fail(
    kind: type[E],
    message: str,
    source: SourceText | None = None,
    span: Span | None = None,
    notes: tuple[str, ...] = (),
) -> E:
    """Build (not raise) an error: ``raise fail(ReportCheckError, ...)``."""
    return kind(Diagnostic(message, source, span, notes))


NO_ROOM = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)  # a full disk or quota


@contextlib.contextmanager
def room_to_write(what: str, folder: str) -> Iterator[None]:
    """A full disk (or quota) while writing ``what`` in ``folder`` is a ``ReportError``
    that says where, not an ``OSError`` traceback; other OSErrors pass."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in NO_ROOM:
            raise
        raise fail(ReportError, f"cannot write {what} in {folder}: {exc.strerror} (free some room there, "
                                "or set TMPDIR to a folder with more)") from None
