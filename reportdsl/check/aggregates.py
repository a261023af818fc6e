"""check_aggregates: aggregates stand only where they have rows to cover.

In: an ``Outline``. Out: errors for aggregates in ``field``/``where``/``sort by``/
group keys/parameter defaults, aggregates nested in aggregates (their arguments or
their ``where`` filter), a filter or ``over`` that is not on an aggregate, ``over``
that does not name an enclosing group or ``report``, a ``whole`` or ``running`` mode
where §9 does not allow it, ``over page`` outside page bands and page values (§13)
other than SUM, COUNT, MIN, MAX, AVG, and a group's ``order by`` without an aggregate or
``limit`` below 1 (§12).
"""

from __future__ import annotations

from reportdsl.check.context import CheckContext
from reportdsl.check.outline import Outline
from reportdsl.check.places import Place, places
from reportdsl.check.suggest import did_you_mean
from reportdsl.language import AGGREGATE_BY_NAME, FUNCTION_BY_NAME
from reportdsl.language.walk import find_all
from reportdsl.syntax import ast

# Where a mode cannot stand, and why (LANGUAGE.md §9, §16).
_RUNNING_NOT_IN = {
    "title": "the title covers the whole report",
    "summary": "the summary covers the whole report",
    "no_data": "no_data has no rows",
    "order_by": "groups are ordered by values that do not depend on their order",
}
PAGE_BANDS = ("page_header", "page_footer")
# What a page band computes over the rows of a page, or the rows printed before it (§13).
PAGE_AGGREGATES = ("sum", "count", "min", "max", "avg")
_WHOLE_NOT_IN = {
    "page_header": "a page band has no group instance to take whole",
    "page_footer": "a page band has no group instance to take whole",
}


def check_aggregates(outline: Outline, ctx: CheckContext) -> None:
    for group in outline.groups:
        _check_group_order(group, ctx)
    for expr, place in places(outline):
        for node in find_all(expr, ast.Call):
            if node.func not in AGGREGATE_BY_NAME:
                _check_scalar_call(node, ctx)
            elif not place.allows_aggregates:
                why = " (it is computed one row at a time)" if place.kind != "param_default" else ""
                ctx.error(f"aggregate {node.name.name}() is not allowed in {place.label}{why}", node.span)
            else:
                _check_aggregate_call(node, place, ctx)


def _check_scalar_call(node: ast.Call, ctx: CheckContext) -> None:
    """What only an aggregate takes: ``over``, a mode, a ``where`` filter."""
    if node.over is not None:
        ctx.error(f"'over' applies to aggregates only, not to {node.name.name}()", node.over.span)
    if node.mode is not None:
        ctx.error(f"'{node.mode.name}' applies to aggregates only, not to {node.name.name}()", node.mode.span)
    if node.filter is not None and node.func in FUNCTION_BY_NAME:
        ctx.error(f"'where' filters the rows of an aggregate; {node.name.name}() is not one", node.filter.span)


def _check_aggregate_call(node: ast.Call, place: Place, ctx: CheckContext) -> None:
    if node.mode is not None:
        _check_mode(node, node.mode, place, ctx)
    for inner in node.args:
        for sub in find_all(inner, ast.Call):
            if sub.func in AGGREGATE_BY_NAME:
                ctx.error(f"aggregate {sub.name.name}() inside {node.name.name}(): aggregates cannot nest", sub.span)
    for sub in find_all(node.filter, ast.Call) if node.filter is not None else ():
        if sub.func in AGGREGATE_BY_NAME:
            ctx.error(f"aggregate {sub.name.name}() in the filter of {node.name.name}(): "
                      "a filter is tested one row at a time", sub.span)
    page_band = place.band in PAGE_BANDS
    if node.over is not None and node.over.name == "page":
        _check_over_page(node, node.over, page_band, ctx)
        return
    if page_band and node.mode is not None and node.mode.name == "running":
        _check_page_function(node, "running", ctx)
    if node.over is not None:
        allowed = ("report",) + place.groups
        if node.over.name not in allowed:
            where = ", ".join(f"'{a}'" for a in allowed)
            ctx.error(
                f"'over {node.over.name}' must name an enclosing group or 'report' "
                f"(here: {where}){did_you_mean(node.over.name, allowed)}",
                node.over.span,
            )


def _check_over_page(node: ast.Call, over: ast.Ident, page_band: bool, ctx: CheckContext) -> None:
    """``over page`` (§13): the detail rows printed on a page, read in a page band."""
    if not page_band:
        ctx.error("'over page' covers the detail rows printed on a page: it stands only in "
                  "page_header and page_footer", over.span)
    elif node.mode is not None:
        ctx.error(f"'{node.mode.name}' does not combine with 'over page' "
                  "(write SUM(x) running for the rows printed before the band)", node.mode.span)
    else:
        _check_page_function(node, "over page", ctx)


def _check_page_function(node: ast.Call, what: str, ctx: CheckContext) -> None:
    if node.func not in PAGE_AGGREGATES:
        names = ", ".join(f.upper() for f in PAGE_AGGREGATES)
        ctx.error(f"{node.name.name}() cannot be computed {what} in a page band (page values are "
                  f"{names})", node.name.span)


def _check_mode(node: ast.Call, mode: ast.Ident, place: Place, ctx: CheckContext) -> None:
    why = (_RUNNING_NOT_IN if mode.name == "running" else _WHOLE_NOT_IN).get(place.band or "")
    if why is not None:
        ctx.error(f"'{mode.name}' is not allowed in {place.label}: {why}", mode.span)


def _check_group_order(group: ast.Group, ctx: CheckContext) -> None:
    name = group.name.name
    if group.order_by is not None:
        calls = [c for c in find_all(group.order_by.expr, ast.Call) if c.func in AGGREGATE_BY_NAME]
        if not calls:
            ctx.error(
                f"'order by' of group '{name}' needs an aggregate, e.g. 'order by SUM(amount) desc' "
                "(the groups' own keys already order them: write 'desc' after the key for the reverse)",
                group.order_by.expr.span,
            )
    if group.limit is not None and group.limit.count < 1:
        ctx.error(f"'limit' of group '{name}' must be at least 1", group.limit.span)
