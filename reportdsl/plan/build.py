"""The plan stage: checked AST -> ``Plan``.

In: a ``CheckedReport``. Out: a ``Plan`` (plan/models.py): settings, source,
parameters with canonical defaults, fields, filter, sort keys, group levels, every
aggregate once with its scope, every value with the point it becomes known, and the
bands as layout elements that refer to values by id.

Models are made with ``model_construct``: what goes in was checked, and validating it
again would make pydantic build every model's schema first (~20 ms of a one-page
build). tests/frontend/test_frontend_fixtures.py validates every fixture's plan instead
(``Plan.model_validate_json(plan.model_dump_json()) == plan``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportdsl.language import PAPER_BY_NAME
from reportdsl.language.constants import canonical, parse_constant
from reportdsl.language.walk import deep_trees
from reportdsl.plan import models as m
from reportdsl.plan.bands import BandLayout
from reportdsl.plan.expressions import PAGE, ExpressionCompiler, Point
from reportdsl.plan.source import source_spec
from reportdsl.syntax import ast

if TYPE_CHECKING:  # check imports plan.models; plan must not import check at load time
    from reportdsl.check import CheckedReport
    from reportdsl.check.outline import Outline


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
        detail = layout.detail(outline.bands["detail"], outline.columns, Point("row", innermost, running=True))

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
        repeat = layout.repeat_band(bands.get("header"), Point("start", name)) if group.repeat_header else None
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
                repeat_header=group.repeat_header,
                repeat=repeat,
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
        table_columns=layout.table(outline.table.columns, _cell_types(outline, compiler)) if outline.table else [],
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


def _cell_types(outline: Outline, compiler: ExpressionCompiler) -> dict[str, list[str]]:
    """The types of the values that fill each table column (a column of amounts is
    aligned like numbers), from every one-column row cell that is an expression."""
    out: dict[str, list[str]] = {}
    bands = list(outline.bands.values()) + [b for bands in outline.group_bands for b in bands.values()]
    for band in bands:
        for element in band.elements:
            if isinstance(element, ast.Row):
                for cell in element.cells:
                    if cell.last is None and isinstance(cell.value, ast.Formatted):
                        t = compiler.type_of(cell.value.expr)
                        if t != "null":
                            out.setdefault(cell.column.name, []).append(t)
    return out
