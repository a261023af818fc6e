"""resolve_names: what every name in the report refers to.

In: an ``Outline`` and the ``CheckContext`` (with the source's columns, when known).
Out: ``ctx.resolved[span]`` for every name; errors for unknown names (with
did-you-mean), names used outside the bands they exist in, and clashing definitions.
"""

from __future__ import annotations

from reportdsl.check.context import CheckContext, Resolution
from reportdsl.check.outline import Outline
from reportdsl.check.places import Place, places
from reportdsl.check.suggest import did_you_mean
from reportdsl.language.walk import walk
from reportdsl.syntax import ast

PAGE_NAMES = ("page", "pages")


def resolve_names(outline: Outline, ctx: CheckContext) -> None:
    _check_definitions(outline, ctx)
    field_names = [f.name.name for f in outline.fields]
    params = {p.name.name for p in outline.params}
    group_names = [g.name.name for g in outline.groups]
    for group in outline.groups:
        if group.key is None:
            name = group.name.name
            if name not in field_names and not _is_column(name, ctx):
                known = field_names + list(ctx.columns or ())
                ctx.error(
                    f"group '{name}' has no '= EXPR', so it groups by the field or column '{name}', "
                    f"which does not exist{did_you_mean(name, known)}",
                    group.name.span,
                )
            elif name not in field_names:
                ctx.columns_used.add(name)
    for expr, place in places(outline):
        for node in walk(expr):
            if isinstance(node, ast.Name):
                _resolve(node, place, field_names, params, group_names, ctx)


def _is_column(name: str, ctx: CheckContext) -> bool:
    return ctx.columns is None or name in ctx.columns


def _resolve(
    node: ast.Name, place: Place, fields: list[str], params: set[str], all_groups: list[str], ctx: CheckContext
) -> None:
    name = node.name
    if place.kind == "param_default":
        ctx.error(f"the default of a parameter must be a constant; '{name}' is not known there", node.span)
        return
    visible_fields = fields[: place.field_index] if place.field_index is not None else fields
    ref = None
    if name in place.groups:
        ref = "group"
    elif name in visible_fields:
        ref = "field"
    elif name in fields:
        ctx.error(f"field '{name}' is used in {place.label} before it is defined", node.span)
        return
    elif ctx.columns is not None and name in ctx.columns:
        ref = "column"
    elif name in params:
        ref = "param"
    elif name == "title":
        ref = "title"
    elif name in PAGE_NAMES:
        if place.band in ("page_header", "page_footer"):
            ref = name
        else:
            ctx.error(f"'{name}' exists only in page_header and page_footer, not in {place.label}", node.span)
            return
    elif name == "row_number":
        if place.band == "detail":
            ref = "row_number"
        else:
            ctx.error(f"'row_number' exists only in the detail band, not in {place.label}", node.span)
            return
    elif ctx.columns is None:
        ref = "column"  # no schema to check against: the source given at run time must have it
    if ref is None:
        known = list(place.groups) + visible_fields + list(ctx.columns or ()) + sorted(params)
        outer = _outer_group_hint(name, place, all_groups)
        ctx.error(f"unknown name '{name}'{outer or did_you_mean(name, known)}", node.span)
        return
    if ref == "column":
        ctx.columns_used.add(name)
    ctx.resolved[node.span] = Resolution(ref, "")


def _outer_group_hint(name: str, place: Place, all_groups: list[str]) -> str:
    if name in all_groups:
        return (
            f": group '{name}' has no key in {place.label} (a group's key exists in its own "
            "bands, in those of the groups nested in it, and in detail)"
        )
    return ""


def _check_definitions(outline: Outline, ctx: CheckContext) -> None:
    seen: dict[str, str] = {}
    for param in outline.params:
        name = param.name.name
        if name in seen:
            ctx.error(f"parameter '{name}' is declared twice", param.name.span)
        elif ctx.columns and name in ctx.columns:
            ctx.error(f"parameter '{name}' has the same name as a source column; rename it", param.name.span)
        seen[name] = "parameter"
    for fld in outline.fields:
        name = fld.name.name
        if name in seen:
            ctx.error(f"field '{name}' has the same name as a {seen[name]}", fld.name.span)
        seen[name] = "field"
    groups: set[str] = set()
    for group in outline.groups:
        name = group.name.name
        if name in groups:
            ctx.error(f"there are two groups called '{name}'", group.name.span)
        elif name in seen and seen[name] == "parameter":
            ctx.error(f"group '{name}' has the same name as a parameter", group.name.span)
        groups.add(name)
