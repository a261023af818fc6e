"""resolve_names: what every name in the report refers to.

In: an ``Outline`` and the ``CheckContext`` (with the source's columns, when known).
Out: ``ctx.resolved[span]`` for every name; errors for unknown names (with
did-you-mean), names used outside the bands they exist in, clashing definitions, and
per-row values (source columns, fields) standing bare where there is no one row:
outside ``detail`` and outside an aggregate's argument (LANGUAGE.md §16).
"""

from __future__ import annotations

from collections.abc import Iterator

from reportdsl.check.context import CheckContext, Resolution
from reportdsl.check.outline import Outline
from reportdsl.check.places import Place, places
from reportdsl.check.suggest import did_you_mean
from reportdsl.language import AGGREGATE_BY_NAME, FUNCTION_BY_NAME
from reportdsl.language.walk import children
from reportdsl.syntax import ast

PAGE_NAMES = ("page", "pages")
CONTINUED = "continued"  # LANGUAGE.md §14: true on a repeat_header group's repeated headers


def resolve_names(outline: Outline, ctx: CheckContext) -> None:
    _check_definitions(outline, ctx)
    field_names = [f.name.name for f in outline.fields]
    # by name, once: a report of 20,000 fields took 10 s to check searching the list a name
    field_index = {name: i for i, name in enumerate(field_names)}
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
    param_order = [p.name.name for p in outline.params]
    repeating = {g.name.name for g in outline.groups if g.repeat_header}
    for expr, place in places(outline):
        for node, in_aggregate in _names(expr):
            if place.kind == "param_default":
                if not in_aggregate:  # an aggregate there has its own error
                    _resolve_in_default(node, place, param_order, field_names, ctx)
                continue
            if node.name == CONTINUED and not in_aggregate and place.band == "header" and place.scope in repeating:
                _resolve_continued(node, place, params, ctx)
                continue
            _resolve(node, place, field_names, field_index, params, group_names, ctx)
            if not in_aggregate:
                _check_per_row(node, place, ctx)


def _names(expr: ast.Expr) -> Iterator[tuple[ast.Name, bool]]:
    """Every name in ``expr``, in walk order, and whether it stands inside an
    aggregate's arguments (where it is read row by row). A call that is meant as one
    — an unknown function (a misspelt aggregate), a scalar with ``over`` or a filter —
    counts as one: its own error says what is wrong, not a second one about its argument.
    An aggregate's filter is read row by row like its arguments."""
    stack: list[tuple[object, bool]] = [(expr, False)]
    while stack:
        node, in_aggregate = stack.pop()
        if isinstance(node, ast.Name):
            yield node, in_aggregate
        inner = in_aggregate or (isinstance(node, ast.Call) and (
            node.func in AGGREGATE_BY_NAME or node.func not in FUNCTION_BY_NAME or node.over is not None
            or node.filter is not None))
        stack.extend((child, inner) for child in reversed(tuple(children(node))))


def _check_per_row(node: ast.Name, place: Place, ctx: CheckContext) -> None:
    """A column or field has one value a row: bare, it stands only in ``detail``."""
    resolution = ctx.resolved.get(node.span)
    if resolution is None or resolution.ref not in ("column", "field"):
        return
    if place.kind != "band" or place.band == "detail":
        return
    name = node.name
    what = "source column" if resolution.ref == "column" else "field"
    if place.groups:  # a group's header or footer
        key = f"or group by it (keys shown here: {', '.join(place.groups)})"
    else:
        key = "or group by it and show it in the group's header"
    ctx.error(
        f"'{name}' is a {what}: it has one value a row, and {place.label} covers many rows; "
        f"write FIRST({name}) or LAST({name}) (or another aggregate), {key}",
        node.span,
    )


def _is_column(name: str, ctx: CheckContext) -> bool:
    return ctx.columns is None or name in ctx.columns


def _resolve(
    node: ast.Name, place: Place, fields: list[str], field_index: dict[str, int], params: set[str],
    all_groups: list[str], ctx: CheckContext
) -> None:
    name = node.name
    index = field_index.get(name)
    ref = None
    if name in place.groups:
        ref = "group"
    elif index is not None and (place.field_index is None or index < place.field_index):
        ref = "field"
    elif index is not None:
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
    elif name == CONTINUED:
        ctx.error(f"'continued' exists only in the header of a group with repeat_header, not in {place.label}",
                  node.span, (_continued_hint(place),))
        return
    elif ctx.columns is None:
        ref = "column"  # no schema to check against: the source given at run time must have it
    if ref is None:
        visible_fields = fields[: place.field_index] if place.field_index is not None else fields
        known = list(place.groups) + visible_fields + list(ctx.columns or ()) + sorted(params)
        outer = _outer_group_hint(name, place, all_groups)
        ctx.error(f"unknown name '{name}'{outer or did_you_mean(name, known)}", node.span)
        return
    if ref == "column":
        ctx.columns_used.add(name)
    ctx.resolved[node.span] = Resolution(ref, "")


def _resolve_continued(node: ast.Name, place: Place, params: set[str], ctx: CheckContext) -> None:
    """In a repeat_header group's header, outside aggregate arguments, ``continued`` is
    the flag of the repeated copies. It hides a source column or field of that name
    (which could not stand bare there anyway), but a group key or parameter that would
    be hidden is an error: the report would mean two things by one name."""
    if node.name in place.groups or node.name in params:
        what = "group key" if node.name in place.groups else "parameter"
        ctx.error(f"'continued' in {place.label} is repeat_header's flag (true on the repeated headers), "
                  f"but there is also a {what} called 'continued'; rename the {what}", node.span)
        return
    ctx.resolved[node.span] = Resolution(CONTINUED, "")


def _continued_hint(place: Place) -> str:
    if place.band == "header" and place.kind == "band":
        return (f"add 'repeat_header' to group '{place.scope}' to print its header again on every page the "
                "group continues on; 'continued' is true on those copies")
    return ("'continued' is true on the copies of a group header that repeat_header prints at the top of the "
            "pages a group continues on; use it in that group's header")


def _resolve_in_default(node: ast.Name, place: Place, params: list[str], fields: list[str],
                        ctx: CheckContext) -> None:
    """A default (§11) is computed before any row is read: from literals, functions and
    the parameters declared before it."""
    name = node.name
    earlier = params[: place.param_index]
    if name in earlier:
        ctx.resolved[node.span] = Resolution("param", "")
        return
    allowed = "literals, functions and the parameters declared before it"
    if name in params:
        why = "is declared after it" if params.index(name) > (place.param_index or 0) else "is this parameter"
        ctx.error(f"{place.label} may use {allowed}; parameter '{name}' {why}", node.span)
        return
    what = ("a field" if name in fields else "a source column" if ctx.columns is not None and name in ctx.columns
            else "known only once rows are read or pages laid out" if name in (*PAGE_NAMES, "row_number")
            else "the report's title, not a value of the parameters" if name == "title" else None)
    if what is not None:
        ctx.error(f"{place.label} may use {allowed}; '{name}' is {what}", node.span)
        return
    ctx.error(f"unknown name '{name}' in {place.label}, which may use {allowed}"
              f"{did_you_mean(name, earlier)}", node.span)


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
