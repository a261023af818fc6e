"""A report's text → what the language server knows about it.

In: the text of an open document and its path. Out: an ``Analysis``: every error of
the file (a syntax error, or all the checker's errors: the checks run to the end and
are collected, not raised), and, when the text parses, the AST, the outline, what
each name resolves to and the type of each expression (``ctx.resolved``,
``ctx.types``), the source's columns, and the ``Place`` of every expression (which
band, which group keys, which scope its aggregates cover). Nothing here raises: a
half-typed report is a diagnostic.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path

from reportdsl.check import CHECKS
from reportdsl.check.context import CheckContext, Resolution
from reportdsl.check.outline import Outline, build_outline
from reportdsl.check.places import Place, places
from reportdsl.errors import Diagnostic, ReportError, SourceText
from reportdsl.language.walk import deep_trees, walk
from reportdsl.syntax import ast, without_bom

log = logging.getLogger(__name__)


@dataclass
class Analysis:
    source: SourceText
    diagnostics: list[Diagnostic] = field(default_factory=list)
    report: ast.Report | None = None  # None: the text does not parse
    outline: Outline | None = None
    resolved: dict[ast.Span, Resolution] = field(default_factory=dict)
    types: dict[ast.Span, str] = field(default_factory=dict)
    columns: dict[str, str] | None = None
    places: dict[ast.Span, Place] = field(default_factory=dict)  # every expression node's place

    @property
    def parsed(self) -> bool:
        return self.report is not None


def analyse(text: str, path: str) -> Analysis:
    text = without_bom(text)
    source = SourceText(path, text)
    out = Analysis(source)
    try:
        from reportdsl.syntax.parser import parse

        out.report = parse(text, path)
    except ReportError as err:
        out.diagnostics = list(err.diagnostics)
        return out
    except Exception:  # a parser bug must not stop the server: say so where it can be seen
        log.exception("parsing %s failed", path)
        out.diagnostics = [Diagnostic("reportdsl could not parse this report (an internal error; see the log)",
                                      source, (0, 0))]
        return out
    _check(out, str(Path(path).parent) if path else ".")
    return out


def _check(out: Analysis, base_dir: str) -> None:
    assert out.report is not None
    ctx = CheckContext(out.source, base_dir)
    try:
        out.outline = build_outline(out.report, ctx)
        with deep_trees():
            for run_check in CHECKS:
                run_check(out.outline, ctx)
    except ReportError as err:
        ctx.diagnostics.extend(err.diagnostics)
    except Exception:
        log.exception("checking %s failed", out.source.filename)
        ctx.error("reportdsl could not check this report (an internal error; see the log)", (0, 0))
    out.diagnostics = sorted(ctx.diagnostics, key=lambda d: (d.span or (0, 0))[0])
    out.resolved, out.types, out.columns = ctx.resolved, ctx.types, ctx.columns
    if out.outline is not None:
        for expr, place in places(out.outline):
            for node in walk(expr):
                out.places.setdefault(node.span, place)


def nodes(node: object) -> Iterator[object]:
    """Every AST node under ``node`` (itself included), parents first."""
    stack = [node]
    while stack:
        current = stack.pop()
        if is_dataclass(current) and not isinstance(current, type):
            yield current
            for f in reversed(fields(current)):
                stack.append(getattr(current, f.name))
        elif isinstance(current, tuple):
            stack.extend(reversed(current))


def innermost_at(report: ast.Report, offset: int, kinds: tuple[type, ...]) -> object | None:
    """The smallest node of one of ``kinds`` whose span holds ``offset`` (its end included,
    where a cursor stands after a name)."""
    best: object | None = None
    best_size = None
    for node in nodes(report):
        if not isinstance(node, kinds):
            continue
        start, end = node.span  # type: ignore[attr-defined]
        if start <= offset <= end and (best_size is None or end - start < best_size):
            best, best_size = node, end - start
    return best
