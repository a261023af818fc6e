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
    table: ast.Columns | None = None  # `columns { … }` instead of a detail band (§14)

    @property
    def columns(self) -> list[ast.Column]:
        """The table's columns: the detail band's, or the `columns` block's."""
        detail = self.bands.get("detail")
        if detail is not None:
            return [e for e in detail.elements if isinstance(e, ast.Column)]
        return list(self.table.columns) if self.table is not None else []


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
            elif kind == "detail" and out.table is not None:
                ctx.error(_BOTH_TABLES, stmt.kind.span)
            elif self.single(f"band:{kind}", f"the '{kind}' band", stmt.kind.span):
                out.bands[kind] = stmt
                _check_elements(stmt, ctx)
        elif isinstance(stmt, ast.Columns):
            if "detail" in out.bands:
                ctx.error(_BOTH_TABLES, (stmt.span[0], stmt.span[0] + len("columns")))
            elif self.single("columns", "'columns'", stmt.span):
                out.table = stmt
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


_BOTH_TABLES = (
    "a report has a 'detail' band or a 'columns' block, not both "
    "(a columns table is filled by 'row' elements only)"
)


def _check_elements(band: ast.Band, ctx: CheckContext) -> None:
    kind = band.kind.name
    seen_column = False
    for element in band.elements:
        if kind == "detail" and isinstance(element, ast.RowStyle):
            if seen_column:
                ctx.error("a row style comes before the detail band's columns", element.span)
        elif kind == "detail" and not isinstance(element, ast.Column):
            ctx.error(
                "the detail band holds only 'column' elements and the row styles before them "
                "(put text in a group header or footer)",
                element.span,
            )
        elif kind != "detail":
            _check_band_element(element, kind, ctx)
        seen_column = seen_column or isinstance(element, ast.Column)


def _check_band_element(element: ast.Element, kind: str, ctx: CheckContext, in_grid: bool = False) -> None:
    if isinstance(element, ast.Column):
        ctx.error(f"'column' belongs in the detail band, not in '{kind}'", element.span)
    elif isinstance(element, ast.RowStyle):
        ctx.error(f"a row style ('{_row_style_word(element)}') belongs in the detail band, before its columns",
                  element.span)
    elif isinstance(element, ast.Row) and in_grid:
        ctx.error("a 'row' fills the table's columns: it cannot stand inside a grid block", element.span)
    elif isinstance(element, ast.Grid):
        if len(element.blocks) != len(element.widths):
            ctx.error(f"this grid has {len(element.widths)} width(s) but {len(element.blocks)} block(s): "
                      "give one width a block", element.span)
        for block in element.blocks:
            for inner in block.elements:
                _check_band_element(inner, kind, ctx, in_grid=True)


def _row_style_word(element: ast.RowStyle) -> str:
    return element.style.kind if element.style.kind in ("background", "color") else "style"
