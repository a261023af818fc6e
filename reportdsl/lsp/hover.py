"""What a name or a call is, in words: the text of a hover.

In: an ``Analysis`` and an offset. Out: Markdown and the span it is about, or None.
A name says its type and where it comes from (field, parameter, source column, group
key, the report's own names); an aggregate call the rows it covers (its scope, its
mode, its filter); a function or format its documentation from the language
registry (``reportdsl/language/``).
"""

from __future__ import annotations

from reportdsl.check.places import Place
from reportdsl.language import AGGREGATE_BY_NAME, FORMAT_BY_NAME, FUNCTION_BY_NAME
from reportdsl.lsp.analysis import Analysis, innermost_at
from reportdsl.lsp.navigation import Target, target_at
from reportdsl.syntax import ast

BUILT_IN = {
    "title": "the report's `title`",
    "page": "the number of the current page (page bands only)",
    "pages": "the number of pages of the document (page bands only)",
    "row_number": "the number of the detail row, from 1 (detail only)",
}


def hover(analysis: Analysis, offset: int) -> tuple[str, ast.Span] | None:
    if analysis.report is None:
        return None
    call = innermost_at(analysis.report, offset, (ast.Call,))
    if isinstance(call, ast.Call) and call.name.span[0] <= offset <= call.name.span[1]:
        return _call(analysis, call), call.span
    fmt = innermost_at(analysis.report, offset, (ast.Format,))
    if isinstance(fmt, ast.Format) and fmt.name.span[0] <= offset <= fmt.name.span[1]:
        decl = FORMAT_BY_NAME.get(fmt.name.name)
        if decl is not None:
            return f"**format** `{decl.name}`: {decl.doc}\n\ne.g. `{decl.example}`", fmt.name.span
    target = target_at(analysis, offset)
    if target is None:
        return None
    return _target(analysis, target), target.use


def _code(analysis: Analysis, span: ast.Span) -> str:
    text = analysis.source.text[span[0] : span[1]]
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= 120 else first[:117] + "…"


def _line(analysis: Analysis, span: ast.Span) -> int:
    return analysis.source.line_col(span[0])[0]


def _target(analysis: Analysis, target: Target) -> str:
    name, kind, node = target.name, target.kind, target.node
    typed = f": {target.type}" if target.type and target.type != "any" else ""
    if kind in BUILT_IN:
        return f"`{name}`{typed}: {BUILT_IN[kind]}"
    span: ast.Span | None = getattr(node, "span", None)
    where = f"\n\n```report\n{_code(analysis, span)}\n```\nline {_line(analysis, span)}" if span else ""
    if kind == "field":
        return f"**field** `{name}`{typed}, computed for each row{where}"
    if kind == "param":
        return f"**parameter** `{name}`{typed} (`--param {name}=…`){where}"
    if kind == "group":
        return f"**group key** `{name}`{typed}: the key of group `{name}`{where}"
    if kind == "column":
        if isinstance(node, ast.TypeDecl):
            origin = f"its type from the source's type block (line {_line(analysis, node.span)})"
        elif analysis.columns is not None:
            origin = "its type from the source's schema"
        else:
            origin = "the source's schema is not known here: it is checked when the report runs"
        return f"**source column** `{name}`{typed}, {origin}"
    return f"`{name}`{typed}"


def _call(analysis: Analysis, call: ast.Call) -> str:
    result = analysis.types.get(call.span)
    typed = f" → {result}" if result else ""
    aggregate = AGGREGATE_BY_NAME.get(call.func)
    if aggregate is None:
        function = FUNCTION_BY_NAME.get(call.func)
        if function is None:
            return f"`{call.name.name}`: not a function or aggregate of the language"
        return f"**function** `{function.name}`{typed}: {function.doc}"
    place = analysis.places.get(call.span)
    lines = [f"**aggregate** `{aggregate.name.upper()}`{typed}: {aggregate.doc}", "", f"Covers {_rows(call, place)}."]
    if call.filter is not None:
        lines.append(f"Only the rows where `{_code(analysis, call.filter.span)}`.")
    return "\n".join(lines)


def _scope(name: str) -> str:
    if name == "report":
        return "all the report's rows (after `where`)"
    if name == "page":
        return "the rows on the current page"
    return f"the rows of the current `{name}` group"


def _rows(call: ast.Call, place: Place | None) -> str:
    scope_name = call.over.name if call.over is not None else (place.scope if place is not None else "report")
    scope = _scope(scope_name)
    mode = call.mode.name if call.mode is not None else None
    band = place.band if place is not None else None
    if band == "detail":
        if mode == "whole":
            return f"{scope}: the whole of it, for every row (mode `whole`)"
        return f"{scope}, up to and including this row (running, as in every detail row)"
    if band in ("page_header", "page_footer"):
        return f"{scope} (page values: LANGUAGE.md §13)" + (f", mode `{mode}`" if mode else "")
    if mode == "running":
        outer = f"`{call.over.name}`" if call.over is not None else "the next enclosing group (or the report)"
        return (f"the rows of {outer} up to and including this group instance, in print order "
                "(mode `running`)")
    return f"{scope}, whole" + (" (mode `whole`)" if mode == "whole" else "")
