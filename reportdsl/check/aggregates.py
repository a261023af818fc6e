"""check_aggregates: aggregates stand only where they have rows to cover.

In: an ``Outline``. Out: errors for aggregates in ``field``/``where``/``sort by``/
group keys/parameter defaults, aggregates nested in aggregates (their arguments or
their ``where`` filter), a filter or ``over`` that is not on an aggregate, and ``over``
that does not name an enclosing group or ``report``.
"""

from __future__ import annotations

from reportdsl.check.context import CheckContext
from reportdsl.check.outline import Outline
from reportdsl.check.places import places
from reportdsl.check.suggest import did_you_mean
from reportdsl.language import AGGREGATE_BY_NAME, FUNCTION_BY_NAME
from reportdsl.language.walk import find_all
from reportdsl.syntax import ast


def check_aggregates(outline: Outline, ctx: CheckContext) -> None:
    for expr, place in places(outline):
        for node in find_all(expr, ast.Call):
            is_aggregate = node.func in AGGREGATE_BY_NAME
            if node.over is not None and not is_aggregate:
                ctx.error(f"'over' applies to aggregates only, not to {node.name.name}()", node.over.span)
            if node.filter is not None and node.func in FUNCTION_BY_NAME:
                ctx.error(f"'where' filters the rows of an aggregate; {node.name.name}() is not one",
                          node.filter.span)
            if not is_aggregate:
                continue
            if not place.allows_aggregates:
                why = " (it is computed one row at a time)" if place.kind != "param_default" else ""
                ctx.error(f"aggregate {node.name.name}() is not allowed in {place.label}{why}", node.span)
                continue
            for inner in node.args:
                for sub in find_all(inner, ast.Call):
                    if sub.func in AGGREGATE_BY_NAME:
                        ctx.error(
                            f"aggregate {sub.name.name}() inside {node.name.name}(): aggregates cannot nest",
                            sub.span,
                        )
            for sub in find_all(node.filter, ast.Call) if node.filter is not None else ():
                if sub.func in AGGREGATE_BY_NAME:
                    ctx.error(f"aggregate {sub.name.name}() in the filter of {node.name.name}(): "
                              "a filter is tested one row at a time", sub.span)
            if node.over is not None:
                allowed = ("report",) + place.groups
                if node.over.name not in allowed:
                    where = ", ".join(f"'{a}'" for a in allowed)
                    ctx.error(
                        f"'over {node.over.name}' must name an enclosing group or 'report' "
                        f"(here: {where}){did_you_mean(node.over.name, allowed)}",
                        node.over.span,
                    )
