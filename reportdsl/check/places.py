"""Every expression of a report, with the place it stands in.

In: an ``Outline``. Out: ``places(outline)``: (expression, ``Place``) pairs in file
order, top-level expressions only (checks recurse themselves). A ``Place`` knows
which statement or band holds the expression, which group keys are visible there
and which scope its aggregates cover.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reportdsl.check.outline import Outline
from reportdsl.syntax import ast


@dataclass(frozen=True)
class Place:
    kind: str  # param_default field where sort group_key band
    label: str  # for messages: "'where'", "the header of group 'region'"
    band: str | None = None  # band kind, for kind == "band"; "order_by": a group's `order by`
    groups: tuple[str, ...] = ()  # group keys visible here, outermost first
    scope: str = "report"  # the scope its aggregates cover
    field_index: int | None = None  # for fields: only earlier fields are visible
    formatted: ast.Formatted | None = None  # the `EXPR | FORMAT` it belongs to
    param_index: int | None = None  # for parameter defaults: only earlier parameters are visible
    role: str = "value"  # in a band: "value", "condition" (`when`) or "colour" (color/background)

    @property
    def allows_aggregates(self) -> bool:
        return self.kind == "band"


def places(outline: Outline) -> Iterator[tuple[ast.Expr, Place]]:
    items: list[tuple[int, Iterator[tuple[ast.Expr, Place]]]] = []
    for index, param in enumerate(outline.params):
        if param.default is not None:
            place = Place("param_default", f"the default of parameter '{param.name.name}'", param_index=index)
            items.append((param.span[0], iter([(param.default, place)])))
    for index, fld in enumerate(outline.fields):
        place = Place("field", f"field '{fld.name.name}'", field_index=index)
        items.append((fld.span[0], iter([(fld.expr, place)])))
    if outline.where is not None:
        items.append((outline.where.span[0], iter([(outline.where.expr, Place("where", "'where'"))])))
    if outline.sort is not None:
        place = Place("sort", "'sort by'")
        items.append((outline.sort.span[0], iter([(k.expr, place) for k in outline.sort.keys])))
    names = tuple(g.name.name for g in outline.groups)
    for level, group in enumerate(outline.groups):
        if group.key is not None:
            place = Place("group_key", f"the key of group '{group.name.name}'")
            items.append((group.key.span[0], iter([(group.key, place)])))
        if group.order_by is not None:  # read like the group's footer (§12)
            place = Place(
                "band", f"the 'order by' of group '{group.name.name}'", "order_by", names[: level + 1], names[level]
            )
            items.append((group.order_by.span[0], iter([(group.order_by.expr, place)])))
        for kind, band in outline.group_bands[level].items():
            place = Place(
                "band", f"the {kind} of group '{group.name.name}'", kind, names[: level + 1], names[level]
            )
            items.append((band.span[0], _band_exprs(band, place)))
    innermost = names[-1] if names else "report"
    for kind, band in outline.bands.items():
        if kind == "detail":
            place = Place("band", "the detail band", kind, names, innermost)
        else:
            place = Place("band", f"the {kind} band", kind)
        items.append((band.span[0], _band_exprs(band, place)))
    items.sort(key=lambda item: item[0])
    for _, exprs in items:
        yield from exprs


def formatted_values(element: ast.Element) -> Iterator[ast.Formatted]:
    if isinstance(element, ast.Grid):
        for block in element.blocks:
            for inner in block.elements:
                yield from formatted_values(inner)
    elif isinstance(element, ast.Text):
        yield from (p for p in element.template.parts if isinstance(p, ast.Formatted))
    elif isinstance(element, ast.Column):
        if element.value is not None:
            yield element.value
    elif isinstance(element, ast.Row):
        for cell in element.cells:
            if isinstance(cell.value, ast.TextTemplate):
                yield from (p for p in cell.value.parts if isinstance(p, ast.Formatted))
            else:
                yield cell.value


def layout_exprs(element: ast.Element) -> Iterator[tuple[ast.Expr, str]]:
    """The conditions (`when`) and colours (`color EXPR`, `background EXPR`) of an
    element, its styles and, for a grid, the elements in its blocks (§14)."""
    if isinstance(element, ast.Grid):
        for block in element.blocks:
            for inner in block.elements:
                yield from layout_exprs(inner)
    styles: tuple[ast.Style, ...] = ()
    if isinstance(element, ast.RowStyle):
        styles = (element.style,)
    elif isinstance(element, (ast.Text, ast.Column, ast.Row)):
        styles = element.styles
    for style in styles:
        if style.when is not None:
            yield style.when, "condition"
        if style.kind in ("color", "background") and isinstance(style.value, ast.Expr):
            yield style.value, "colour"
    when = getattr(element, "when", None)
    if when is not None:
        yield when, "condition"


def _band_exprs(band: ast.Band, place: Place) -> Iterator[tuple[ast.Expr, Place]]:
    for element in band.elements:
        exprs: list[tuple[ast.Expr, str, ast.Formatted | None]]
        exprs = [(value.expr, "value", value) for value in formatted_values(element)]
        exprs += [(expr, role, None) for expr, role in layout_exprs(element)]
        exprs.sort(key=lambda item: item[0].span[0])
        for expr, role, value in exprs:
            yield expr, Place(
                place.kind, place.label, place.band, place.groups, place.scope, formatted=value, role=role
            )
