"""The renderer's errors: ``ReportError`` subclasses, in the report author's terms.

In: a message and the plan it is about. Out: exceptions whose ``str()`` is the
compiler-style text the CLI prints (``sales.report: error: …``).
"""

from __future__ import annotations

from typing import TypeVar

from reportdsl.errors import Diagnostic, ReportError, SourceText
from reportdsl.plan.models import Plan

E = TypeVar("E", bound=ReportError)


class ReportRenderError(ReportError):
    """The document could not be produced: a Typst error, an output that cannot be
    written, an internal fault."""


class ReportLayoutError(ReportRenderError):
    """A layout setting in the plan the renderer cannot draw."""


class ReportTemplateError(ReportRenderError):
    """A template that cannot be found, parsed or rendered."""


class TemplateTypstError(ReportTemplateError):
    """Typst rejected what a report's own template wrote: ``summary`` is the one-line
    message, ``detail`` Typst's account (the place in the generated .typ). The API
    points it at the report's ``template`` statement (``at``)."""

    def __init__(self, summary: str, detail: str) -> None:
        super().__init__(summary + ("\n" + detail if detail else ""))
        self.summary, self.detail = summary, detail

    def at(self, source, span) -> ReportTemplateError:
        """The same error at the report's ``template`` statement."""
        from reportdsl.errors import fail

        notes = (f"Typst's account, in the generated document:\n{self.detail}",) if self.detail else ()
        return fail(ReportTemplateError, self.summary, source, span, notes)


class ReportFormatError(ReportRenderError):
    """A locale, currency or format argument that cannot be used."""


def report_error(kind: type[E], plan: Plan | None, message: str) -> E:
    """An error about the report as a whole, shown under its file name."""
    source = SourceText(plan.filename, "") if plan is not None else None
    return kind(Diagnostic(message, source))
