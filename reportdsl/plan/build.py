"""The plan stage: checked AST -> ``Plan``.

In: a ``CheckedReport``. Out: a ``Plan`` (plan/models.py): settings, source,
parameters with canonical defaults, fields, filter, sort keys, group levels, every
aggregate once with its scope, every value with the point it becomes known, and the
bands as layout elements that refer to values by id.

Models are made with ``model_construct``: what goes in was checked, and validating it
again would make pydantic build every model's schema first (~20 ms of a one-page
build). tests/test_frontend_fixtures.py validates every fixture's plan instead
(``Plan.model_validate_json(plan.model_dump_json()) == plan``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from reportdsl.check.places import formatted_values
from reportdsl.language import AGGREGATE_BY_NAME, PAPER_BY_NAME
from reportdsl.language.constants import canonical, parse_constant
from reportdsl.language.walk import deep_trees, find_all
from reportdsl.plan import models as m
from reportdsl.plan.expressions import (
    PAGE,
    ExpressionCompiler,
    Point,
    call_text,
)
from reportdsl.plan.source import source_spec
from reportdsl.syntax import ast

if TYPE_CHECKING:  # check imports plan.models; plan must not import check at load time
    from reportdsl.check import CheckedReport


def build_plan(checked: CheckedReport) -> m.Plan:
    with deep_trees():
        return _build_plan(checked)


def _build_plan(checked: CheckedReport) -> m.Plan:
    outline = checked.outline
    groups = outline.groups
    compiler = ExpressionCompiler(checked, ("report",) + tuple(g.name.name for g in groups))
    columns = {c.name.name: c for c in outline.columns}
    layout = BandLayout(compiler, columns)

    fields = [
        m.FieldSpec.model_construct(
            name=f.name.name, expr=compiler.expr(f.expr), type=compiler.type_of(f.expr), span=f.span
        )
        for f in outline.fields
    ]
    where = compiler.expr(outline.where.expr) if outline.where else None
    sort_keys = outline.sort.keys if outline.sort else ()
    sort = [m.SortKey.model_construct(expr=compiler.expr(k.expr), desc=k.desc) for k in sort_keys]

    detail = None
    if "detail" in outline.bands:
        innermost = groups[-1].name.name if groups else "report"
        detail = layout.detail(outline.columns, Point("row", innermost, running=True))

    start = Point("start", "report")
    title_band = layout.band(outline.bands.get("title"), start)
    on_page = Point("start", PAGE)  # page values (§13) are computed per page by the renderer
    page_header = layout.band(outline.bands.get("page_header"), on_page)
    page_footer = layout.band(outline.bands.get("page_footer"), on_page)

    levels = []
    for level, group in enumerate(groups):
        name = group.name.name
        bands = outline.group_bands[level]
        header = layout.band(bands.get("header"), Point("start", name))
        footer = layout.band(bands.get("footer"), Point("end", name))
        totals = layout.totals(bands.values(), Point("end", name))
        order = group.order_by
        order_value = compiler.value(order.expr, Point("end", name)) if order is not None else None
        limit = group.limit
        levels.append(
            m.GroupLevel.model_construct(
                name=name,
                key=_group_key(group, compiler, checked),
                key_type=_group_key_type(group, compiler, checked),
                desc=group.desc,
                new_page=group.new_page,
                keep_together=group.keep_together,
                header=header,
                footer=footer,
                totals=totals,
                order_by=order_value,
                order_desc=order.desc if order is not None else False,
                limit=limit.count if limit is not None else None,
                others=limit.others if limit is not None else None,
            )
        )

    end = Point("end", "report")
    summary = layout.band(outline.bands.get("summary"), end)
    no_data = layout.band(outline.bands.get("no_data"), end)
    report_bands = [
        outline.bands[k] for k in ("title", "summary", "page_header", "page_footer", "no_data") if k in outline.bands
    ]
    report_totals = layout.totals(report_bands, end, page_bands=True)

    settings = outline.settings
    return m.Plan.model_construct(
        name=outline.report.name.name,
        filename=checked.source.filename,
        base_dir=checked.base_dir,
        title=_setting(settings, "title"),
        locale=_setting(settings, "locale") or "en_US",
        currency=_setting(settings, "currency") or "USD",
        page=_page(outline.page),
        template=_setting(settings, "template"),
        max_groups=_setting(settings, "max_groups"),
        on_error=_setting(settings, "on_error") or "fail",
        source=source_spec(outline.source) if outline.source else None,
        columns=[m.ColumnInfo.model_construct(name=n, type=t) for n, t in (checked.columns or {}).items()],
        columns_used=sorted(checked.columns_used),
        params=[_param(p, compiler) for p in outline.params],
        fields=fields,
        where=where,
        sort=sort,
        groups=levels,
        aggregates=compiler.aggregates,
        values=compiler.values,
        title_band=title_band,
        page_header=page_header,
        page_footer=page_footer,
        detail=detail,
        summary=summary,
        no_data=no_data,
        report_totals=report_totals,
    )


def _setting(settings: dict[str, ast.Setting], key: str) -> object:
    return settings[key].value if key in settings else None


def _page(page: ast.PageSetup | None) -> m.PageSpec:
    if page is None:
        return m.PageSpec.model_construct()
    paper = PAPER_BY_NAME.get(page.size.name)
    size = paper.plan_name if paper is not None else page.size.name
    return m.PageSpec.model_construct(
        size=size,
        landscape=page.orientation == "landscape",
        margin=str(page.margin) if page.margin else "2cm",
    )


def _param(param: ast.Param, compiler: ExpressionCompiler) -> m.ParamSpec:
    default = param.default
    if isinstance(default, ast.Call) and default.func in ("date", "datetime") and len(default.args) == 1 \
            and isinstance(default.args[0], ast.Literal):  # date("…") / datetime("…")
        default = default.args[0]
    value: object = None
    if isinstance(default, ast.Literal) and default.value is not None:
        value = canonical(parse_constant(default.value, param.type.name))
    elif default is not None and not isinstance(default, ast.Literal):
        value = compiler.expr(default)  # computed when the report runs (§11)
    return m.ParamSpec.model_construct(
        name=param.name.name,
        type=param.type.name,
        required=param.default is None,
        default=value,
        span=param.span,
    )


def _group_key(group: ast.Group, compiler: ExpressionCompiler, checked: CheckedReport) -> m.Expr:
    if group.key is not None:
        return compiler.expr(group.key)
    name = group.name.name
    is_field = any(f.name.name == name for f in checked.outline.fields)
    return m.Ref.model_construct(
        name=name,
        ref="field" if is_field else "column",
        type=_group_key_type(group, compiler, checked),
        span=group.name.span,
    )


def _group_key_type(group: ast.Group, compiler: ExpressionCompiler, checked: CheckedReport) -> str:
    if group.key is not None:
        return compiler.type_of(group.key)
    name = group.name.name
    for f in checked.outline.fields:
        if f.name.name == name:
            return compiler.type_of(f.expr)
    return (checked.columns or {}).get(name, "any")


class BandLayout:
    """Band elements -> plan layout elements, registering their values."""

    def __init__(self, compiler: ExpressionCompiler, columns: dict[str, ast.Column]):
        self.compiler = compiler
        self.columns = columns

    def band(self, band: ast.Band | None, point: Point) -> m.Band | None:
        if band is None:
            return None
        first = len(self.compiler.values)
        elements = [self.element(e, point) for e in band.elements]
        return m.Band.model_construct(elements=elements, values=[v.id for v in self.compiler.values[first:]])

    def element(self, element: ast.Element, point: Point) -> m.Element:
        if isinstance(element, ast.Text):
            styles = {s.kind: s.value for s in element.styles}
            return m.TextElement.model_construct(
                parts=self.parts(element.template.parts, point),
                bold="bold" in styles,
                italic="italic" in styles,
                size=str(styles["size"]) if "size" in styles else None,
                color=styles.get("color"),
                align=styles.get("align"),
            )
        if isinstance(element, ast.Row):
            order = list(self.columns)
            cells = sorted(element.cells, key=lambda c: order.index(c.column.name))
            return m.RowElement.model_construct(cells=[self.cell(c, point) for c in cells])
        if isinstance(element, ast.Line):
            return m.LineElement.model_construct()
        if isinstance(element, ast.Space):
            return m.SpaceElement.model_construct(length=str(element.length))
        if isinstance(element, ast.Image):
            width = str(element.width) if element.width else None
            return m.ImageElement.model_construct(path=element.path, width=width)
        raise AssertionError(f"{type(element).__name__} outside detail")  # check_outline forbids it

    def cell(self, cell: ast.Cell, point: Point) -> m.RowCell:
        if isinstance(cell.value, ast.TextTemplate):
            return m.RowCell.model_construct(column=cell.column.name, parts=self.parts(cell.value.parts, point))
        column = self.columns[cell.column.name]
        fmt = cell.value.format or column.value.format
        part = m.ValuePart.model_construct(value=self.compiler.value(cell.value.expr, point), format=_format(fmt))
        return m.RowCell.model_construct(column=cell.column.name, parts=[part])

    def parts(self, parts: tuple[str | ast.Formatted, ...], point: Point) -> list[m.TextPart]:
        out: list[m.TextPart] = []
        for part in parts:
            if isinstance(part, str):
                out.append(m.LiteralPart.model_construct(text=part))
                continue
            res = self.compiler.checked.resolved.get(part.expr.span)
            if isinstance(part.expr, ast.Name) and res is not None and res.ref in ("page", "pages"):
                out.append(m.PageNumberPart.model_construct(which=res.ref, format=_format(part.format)))
            else:
                vid = self.compiler.value(part.expr, point)
                out.append(m.ValuePart.model_construct(value=vid, format=_format(part.format)))
        return out

    def detail(self, columns: list[ast.Column], point: Point) -> m.DetailBand:
        first = len(self.compiler.values)
        band_columns = [
                m.DetailColumn.model_construct(
                    name=c.name.name,
                    label=c.label if c.label is not None else c.name.name,
                    value=self.compiler.value(c.value.expr, point),
                    type=self.compiler.type_of(c.value.expr),
                    format=_format(c.value.format),
                    align=c.align,
                    width=str(c.width) if c.width else None,
                )
                for c in columns
            ]
        return m.DetailBand.model_construct(columns=band_columns, whole=self.compiler.whole_reads(first))

    def totals(self, bands: Iterable[ast.Band], point: Point, page_bands: bool = False) -> dict[str, str]:
        """Every aggregate call written in these bands, keyed as CONTRACT.md §3 says;
        with ``page_bands`` (the report's), not the page values of page bands (§16)."""
        out: dict[str, str] = {}
        text = self.compiler.checked.source.text
        for band in bands:
            for element in band.elements:
                for value in formatted_values(element):
                    # a value that is not a detail column or a row cell's expression
                    # stands in a text template: its key resolves the template's escapes
                    in_template = isinstance(element, ast.Text) or (
                        isinstance(element, ast.Row) and not any(c.value is value for c in element.cells))
                    for node in find_all(value.expr, ast.Call):
                        if node.func in AGGREGATE_BY_NAME and not (page_bands and _page_call(node)):
                            key = call_text(text, node, in_template)
                            if key not in out:
                                out[key] = self.compiler.value(node, point)
        return out


def _page_call(node: ast.Call) -> bool:
    """``AGG(e) over page`` or ``AGG(e) running`` in a page band: live only on the page
    (§16), not in the JSON result (``running`` stands in no other band of the report)."""
    over_page = node.over is not None and node.over.name == PAGE
    return over_page or (node.mode is not None and node.mode.name == "running")


def _format(fmt: ast.Format | None) -> m.Format | None:
    if fmt is None:
        return None
    return m.Format.model_construct(name=fmt.name.name, args=[_format_arg(a) for a in fmt.args])


def _format_arg(arg: ast.Expr) -> object:
    if not isinstance(arg, ast.Literal):
        raise AssertionError("a format argument that is not a literal")  # check_types.check_format forbids it
    return arg.value
