"""The report's statements, sorted into what they are.

In: an ``ast.Report``. Out: an ``Outline`` (settings, params, source, fields, where,
sort, groups, report bands, the detail columns) and the structural errors found
while sorting: a band given twice or in the wrong place, a setting given twice,
elements a band cannot hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reportdsl.check.context import CheckContext
from reportdsl.syntax import ast

REPORT_BANDS = ("title", "page_header", "page_footer", "detail", "summary", "no_data")
GROUP_BANDS = ("header", "footer")


@dataclass
class Outline:
    report: ast.Report
    settings: dict[str, ast.Setting] = field(default_factory=dict)
    page: ast.PageSetup | None = None
    params: list[ast.Param] = field(default_factory=list)
    source: ast.Source | None = None
    fields: list[ast.Field] = field(default_factory=list)
    where: ast.Where | None = None
    sort: ast.Sort | None = None
    groups: list[ast.Group] = field(default_factory=list)
    bands: dict[str, ast.Band] = field(default_factory=dict)
    group_bands: list[dict[str, ast.Band]] = field(default_factory=list)

    @property
    def columns(self) -> list[ast.Column]:
        detail = self.bands.get("detail")
        return [e for e in detail.elements if isinstance(e, ast.Column)] if detail else []


def build_outline(report: ast.Report, ctx: CheckContext) -> Outline:
    builder = _OutlineBuilder(Outline(report), ctx)
    for stmt in report.statements:
        builder.add(stmt)
    return builder.out


class _OutlineBuilder:
    """Sorts statements into an ``Outline``; what may be given once is noted."""

    def __init__(self, out: Outline, ctx: CheckContext):
        self.out = out
        self.ctx = ctx
        self.once: dict[str, ast.Span] = {}

    def single(self, key: str, what: str, span: ast.Span) -> bool:
        if key in self.once:
            line, _ = self.ctx.source.line_col(self.once[key][0])
            self.ctx.error(f"{what} is given twice (first at line {line})", span)
            return False
        self.once[key] = span
        return True

    def add(self, stmt: ast.Statement) -> None:
        out, ctx = self.out, self.ctx
        if isinstance(stmt, ast.Param):
            out.params.append(stmt)
        elif isinstance(stmt, ast.Field):
            out.fields.append(stmt)
        elif isinstance(stmt, ast.Group):
            out.groups.append(stmt)
            out.group_bands.append(_group_bands(stmt, ctx))
        elif isinstance(stmt, ast.Band):
            kind = stmt.kind.name
            if kind in GROUP_BANDS:
                ctx.error(f"'{kind}' belongs inside a group: group NAME {{ {kind} {{ … }} }}", stmt.kind.span)
            elif self.single(f"band:{kind}", f"the '{kind}' band", stmt.kind.span):
                out.bands[kind] = stmt
                _check_elements(stmt, ctx)
        else:
            self._add_once(stmt)

    def _add_once(self, stmt: ast.Statement) -> None:
        out, single = self.out, self.single
        if isinstance(stmt, ast.Setting):
            if single(stmt.keyword, f"'{stmt.keyword}'", stmt.span):
                out.settings[stmt.keyword] = stmt
        elif isinstance(stmt, ast.PageSetup):
            if single("page", "'page'", stmt.span):
                out.page = stmt
        elif isinstance(stmt, ast.Source):
            if single("source", "'source'", stmt.span):
                out.source = stmt
        elif isinstance(stmt, ast.Where):
            if single("where", "'where'", stmt.span):
                out.where = stmt
        elif isinstance(stmt, ast.Sort) and single("sort", "'sort by'", stmt.span):
            out.sort = stmt


def _group_bands(group: ast.Group, ctx: CheckContext) -> dict[str, ast.Band]:
    bands: dict[str, ast.Band] = {}
    for band in group.bands:
        kind = band.kind.name
        if kind not in GROUP_BANDS:
            ctx.error(
                f"a group holds only 'header' and 'footer' bands; '{kind}' belongs at the report level",
                band.kind.span,
            )
        elif kind in bands:
            ctx.error(f"group '{group.name.name}' has two '{kind}' bands", band.kind.span)
        else:
            bands[kind] = band
            _check_elements(band, ctx)
    return bands


def _check_elements(band: ast.Band, ctx: CheckContext) -> None:
    kind = band.kind.name
    for element in band.elements:
        if kind == "detail" and not isinstance(element, ast.Column):
            ctx.error(
                "the detail band holds only 'column' elements (put text in a group header or footer)",
                element.span,
            )
        elif kind != "detail" and isinstance(element, ast.Column):
            ctx.error(f"'column' belongs in the detail band, not in '{kind}'", element.span)
