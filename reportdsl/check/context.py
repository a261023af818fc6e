"""What the checks share: the diagnostics found so far and the facts learnt.

In: the report's ``SourceText``. Out: a ``CheckContext`` that checks append errors
to (all of them, reported together in file order) and record facts in: what each
name resolves to, the type of each expression (both keyed by the node's span), the
source's columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reportdsl.errors import Diagnostic, ReportCheckError, SourceText

Span = tuple[int, int]


@dataclass(frozen=True)
class Resolution:
    ref: str  # column field param group title page pages row_number continued
    type: str


@dataclass
class CheckContext:
    source: SourceText
    base_dir: str = "."
    diagnostics: list[Diagnostic] = field(default_factory=list)
    resolved: dict[Span, Resolution] = field(default_factory=dict)
    types: dict[Span, str] = field(default_factory=dict)
    columns: dict[str, str] | None = None  # None: the source's schema is unknown
    columns_used: set[str] = field(default_factory=set)
    schema_failed: bool = False  # the source could not be read: unknown names are not reported
    # `--source` / ``source=`` as text: the build reads that instead of the report's own
    # source, so the schema comes from it (paths relative to ``override_dir``)
    source_override: str | None = None
    override_dir: str = "."

    def error(self, message: str, span: Span | None, notes: tuple[str, ...] = ()) -> None:
        self.diagnostics.append(Diagnostic(message, self.source, span, notes))

    def raise_errors(self) -> None:
        if self.diagnostics:
            ordered = sorted(self.diagnostics, key=lambda d: (d.span or (0, 0))[0])
            raise ReportCheckError(ordered)
