"""Which name is at an offset, what it refers to, and where that is defined.

In: an ``Analysis`` and an offset. Out: a ``Target``: the name, what it is (``field``,
``param``, ``column``, ``group``, or the report's own ``title``, ``page``, ``pages``,
``row_number``), its type, the node that defines it (a field, a parameter, a group, a
source column's type declaration or the source statement) and the span of the name
under the cursor. Names in expressions are read from the checker's resolutions; the
names of definitions and ``over NAME`` are read from the AST.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportdsl.lsp.analysis import Analysis, innermost_at
from reportdsl.syntax import ast


@dataclass(frozen=True)
class Target:
    name: str
    kind: str
    type: str
    node: object | None  # the defining node, or None
    use: ast.Span

    @property
    def definition(self) -> ast.Span | None:
        """The span to jump to: the defined name where there is one."""
        node = self.node
        if node is None:
            return None
        if isinstance(node, (ast.Field, ast.Param, ast.Group)):
            return node.name.span
        if isinstance(node, ast.TypeDecl):
            return node.column.span
        return node.span  # type: ignore[attr-defined]


def target_at(analysis: Analysis, offset: int) -> Target | None:
    if analysis.report is None or analysis.outline is None:
        return None
    name = innermost_at(analysis.report, offset, (ast.Name,))
    if isinstance(name, ast.Name):
        resolution = analysis.resolved.get(name.span)
        if resolution is None:
            return None
        kind = resolution.ref
        return Target(name.name, kind, analysis.types.get(name.span) or _type(analysis, kind, name.name),
                      _definition(analysis, kind, name.name), name.span)
    return _definition_name_at(analysis, offset)


def _definition_name_at(analysis: Analysis, offset: int) -> Target | None:
    """A name where it is defined (``field x``, ``param x``, ``group x``) or named by
    ``over x``."""
    outline, report = analysis.outline, analysis.report
    assert outline is not None and report is not None

    def inside(span: ast.Span) -> bool:
        return span[0] <= offset <= span[1]

    for fld in outline.fields:
        if inside(fld.name.span):
            return _target(analysis, "field", fld.name)
    for param in outline.params:
        if inside(param.name.span):
            return _target(analysis, "param", param.name)
    for group in outline.groups:
        if inside(group.name.span):
            return _target(analysis, "group", group.name)
    call = innermost_at(report, offset, (ast.Call,))
    if isinstance(call, ast.Call) and call.over is not None and inside(call.over.span) \
            and any(g.name.name == call.over.name for g in outline.groups):
        return _target(analysis, "group", call.over)
    if outline.source is not None:
        for decl in outline.source.types:
            if inside(decl.column.span):
                return _target(analysis, "column", decl.column)
    return None


def _target(analysis: Analysis, kind: str, ident: ast.Ident) -> Target:
    return Target(ident.name, kind, _type(analysis, kind, ident.name), _definition(analysis, kind, ident.name),
                  ident.span)


def _definition(analysis: Analysis, kind: str, name: str) -> object | None:
    outline = analysis.outline
    if outline is None:
        return None
    if kind == "field":
        return next((f for f in outline.fields if f.name.name == name), None)
    if kind == "param":
        return next((p for p in outline.params if p.name.name == name), None)
    if kind == "group":
        return next((g for g in outline.groups if g.name.name == name), None)
    if kind == "column" and outline.source is not None:
        declared = next((d for d in outline.source.types if d.column.name == name), None)
        return declared or outline.source
    if kind == "title":
        return outline.settings.get("title")
    return None


def _type(analysis: Analysis, kind: str, name: str) -> str:
    node = _definition(analysis, kind, name)
    if isinstance(node, ast.Field):
        return analysis.types.get(node.expr.span, "")
    if isinstance(node, ast.Param):
        return node.type.name
    if isinstance(node, ast.Group):
        if node.key is not None:
            return analysis.types.get(node.key.span, "")
        inner = _definition(analysis, "field", name)
        return _type(analysis, "field", name) if inner is not None else (analysis.columns or {}).get(name, "")
    if kind == "column":
        return (analysis.columns or {}).get(name, "")
    return {"title": "string", "page": "int", "pages": "int", "row_number": "int"}.get(kind, "")
