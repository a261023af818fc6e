"""The check stage: AST -> checked AST.

In: an ``ast.Report`` and its ``SourceText``. Out: a ``CheckedReport`` (the outline of
the report, what every name resolves to, the type of every expression, the source's
columns), or a ``ReportCheckError`` holding every error of the file in file order.

Each check is a small function of (outline, context) doing one thing; they run in
the order of ``CHECKS`` and all run, so one pass reports every error.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportdsl.check.aggregates import check_aggregates
from reportdsl.check.context import CheckContext, Resolution
from reportdsl.check.names import resolve_names
from reportdsl.check.outline import Outline, build_outline
from reportdsl.check.schema import read_source_schema
from reportdsl.check.settings import check_settings
from reportdsl.check.types import check_types
from reportdsl.errors import SourceText
from reportdsl.language.walk import deep_trees
from reportdsl.syntax import ast

CHECKS = (check_settings, read_source_schema, resolve_names, check_types, check_aggregates)


@dataclass(frozen=True)
class CheckedReport:
    outline: Outline
    source: SourceText
    base_dir: str
    resolved: dict[tuple[int, int], Resolution]
    types: dict[tuple[int, int], str]
    columns: dict[str, str] | None
    columns_used: frozenset[str]

    @property
    def report(self) -> ast.Report:
        return self.outline.report


def check(
    report: ast.Report, source: SourceText, base_dir: str, columns: dict[str, str] | None = None,
    source_override: str | None = None, override_dir: str = ".",
) -> CheckedReport:
    """``columns`` given: check against that schema instead of reading the source's;
    ``source_override`` (a ``--source``): read that source's schema instead."""
    ctx = CheckContext(source, base_dir, columns=columns, source_override=source_override,
                       override_dir=override_dir)
    outline = build_outline(report, ctx)
    with deep_trees():
        for run_check in CHECKS:
            run_check(outline, ctx)
    ctx.raise_errors()
    return CheckedReport(
        outline, source, base_dir, ctx.resolved, ctx.types, ctx.columns, frozenset(ctx.columns_used)
    )


__all__ = ["CHECKS", "CheckedReport", "check"]
