"""Band elements → plan layout elements (part of the plan stage).

In: an ``ExpressionCompiler`` (which registers every value a band reads) and the
report's table columns (a detail band's, or a ``columns`` block's). Out: ``m.Band``
for a band, ``m.DetailBand`` for the detail band, ``m.TableColumn`` for a ``columns``
block, and the JSON totals of a set of bands (CONTRACT.md §3).

Conditions (`when`) and computed colours (`color EXPR`) are values like any other,
read at the band's point; the renderer turns them into layout decisions. In
``detail`` they are values of each row, carried in the detail event after the
columns' values (``DetailBand.extras``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reportdsl.check.places import formatted_values, layout_exprs
from reportdsl.language import AGGREGATE_BY_NAME
from reportdsl.language.walk import find_all
from reportdsl.plan import models as m
from reportdsl.plan.expressions import PAGE, ExpressionCompiler, Point, call_text
from reportdsl.syntax import ast


class BandLayout:
    """Band elements -> plan layout elements, registering their values."""

    def __init__(self, compiler: ExpressionCompiler, columns: dict[str, ast.Column]):
        self.compiler = compiler
        self.columns = columns
        self._value_of: dict[tuple[int, int], str] = {}  # expression span -> its Value id
        self._reading: list[str] | None = None  # the ids a repeated header reads, while compiling it

    def repeat_band(self, band: ast.Band | None, point: Point) -> m.Band | None:
        """The header of a ``repeat_header`` group as printed again on the pages it
        continues on (§14): `continued` is true, and every value that does not read it is
        the header's own (compiled just before), so a repeated copy shows the same."""
        if band is None:
            return None
        self.compiler.continued, self._reading = True, []
        try:
            elements = [self.element(e, point) for e in band.elements]
            return m.Band.model_construct(elements=elements, values=list(dict.fromkeys(self._reading)))
        finally:
            self.compiler.continued, self._reading = False, None

    def _value(self, expr: ast.Expr, point: Point) -> str:
        if self._reading is not None:
            resolved = self.compiler.checked.resolved
            reads = any(getattr(resolved.get(n.span), "ref", None) == "continued" for n in find_all(expr, ast.Name))
            vid = self.compiler.value(expr, point) if reads else self._value_of[expr.span]
            self._reading.append(vid)
            return vid
        vid = self._value_of[expr.span] = self.compiler.value(expr, point)
        return vid

    def band(self, band: ast.Band | None, point: Point) -> m.Band | None:
        if band is None:
            return None
        first = len(self.compiler.values)
        elements = [self.element(e, point) for e in band.elements]
        return m.Band.model_construct(elements=elements, values=[v.id for v in self.compiler.values[first:]])

    def element(self, element: ast.Element, point: Point) -> m.Element:
        when = self._optional(getattr(element, "when", None), point)
        if isinstance(element, ast.Text):
            sizes = [s.value for s in element.styles if s.kind == "size"]
            aligns = [s.value for s in element.styles if s.kind == "align"]
            return m.TextElement.model_construct(
                parts=self.parts(element.template.parts, point),
                size=str(sizes[-1]) if sizes else None,
                align=aligns[-1] if aligns else None,
                when=when,
                **self.styles(element.styles, point),
            )
        if isinstance(element, ast.Row):
            order = list(self.columns)
            cells = sorted(element.cells, key=lambda c: order.index(c.column.name))
            bottoms = [b for b in element.borders if b.side == "bottom"]
            return m.RowElement.model_construct(
                cells=[self.cell(c, point) for c in cells],
                border_top=any(b.side == "top" for b in element.borders),
                border_bottom=("double" if bottoms[-1].double else "single") if bottoms else None,
                when=when,
                **self.styles(element.styles, point),
            )
        if isinstance(element, ast.Line):
            return m.LineElement.model_construct(when=when)
        if isinstance(element, ast.Space):
            return m.SpaceElement.model_construct(length=str(element.length), when=when)
        if isinstance(element, ast.Image):
            width = str(element.width) if element.width else None
            return m.ImageElement.model_construct(path=element.path, width=width, when=when)
        if isinstance(element, ast.Grid):
            return m.GridElement.model_construct(
                widths=[str(w) for w in element.widths],
                blocks=[[self.element(e, point) for e in block.elements] for block in element.blocks],
                when=when,
            )
        raise AssertionError(f"{type(element).__name__} outside detail")  # check_outline forbids it

    def styles(self, styles: Iterable[ast.Style], point: Point) -> dict[str, Any]:
        """The ``m.Styled`` fields of these styles (the last of a kind wins)."""
        out: dict[str, Any] = {}
        for style in styles:
            kind = style.kind
            if kind in ("bold", "italic", "strike"):
                if style.when is None:
                    out[kind], out[f"{kind}_when"] = True, None
                else:
                    out[kind], out[f"{kind}_when"] = False, self._value(style.when, point)
            elif kind in ("color", "background") and isinstance(style.value, ast.Expr):
                value = style.value
                if isinstance(value, ast.Literal) and value.type in ("string", "null"):
                    out[kind], out[f"{kind}_value"] = value.value, None
                else:
                    out[kind], out[f"{kind}_value"] = None, self._value(value, point)
        return out

    def _optional(self, expr: ast.Expr | None, point: Point) -> str | None:
        return self._value(expr, point) if expr is not None else None

    def cell(self, cell: ast.Cell, point: Point) -> m.RowCell:
        last = cell.last.name if cell.last is not None and cell.last.name != cell.column.name else None
        if isinstance(cell.value, ast.TextTemplate):
            parts = self.parts(cell.value.parts, point)
        else:
            column = self.columns[cell.column.name]
            own = column.format if column.value is None else column.value.format
            fmt = cell.value.format or (own if last is None else None)
            value = self._value(cell.value.expr, point)
            parts = [m.ValuePart.model_construct(value=value, format=_format(fmt))]
        return m.RowCell.model_construct(column=cell.column.name, parts=parts, last=last)

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
                vid = self._value(part.expr, point)
                out.append(m.ValuePart.model_construct(value=vid, format=_format(part.format)))
        return out

    def detail(self, band: ast.Band, columns: list[ast.Column], point: Point) -> m.DetailBand:
        first = len(self.compiler.values)
        band_columns = []
        for c in columns:
            assert c.value is not None  # a detail column has its expression
            band_columns.append(m.DetailColumn.model_construct(
                name=c.name.name,
                label=c.label if c.label is not None else c.name.name,
                value=self.compiler.value(c.value.expr, point),
                type=self.compiler.type_of(c.value.expr),
                format=_format(c.value.format),
                align=c.align,
                width=str(c.width) if c.width else None,
                nowrap=c.nowrap,
            ))
        whole = self.compiler.whole_reads(first)
        # Per-row styles: registered after the columns, so the columns' values come
        # first in a detail event and the extras follow in registration order.
        extras_from = len(self.compiler.values)
        row_styles = [e.style for e in band.elements if isinstance(e, ast.RowStyle)]
        styled = [
            col.model_copy(update={**self.styles(c.styles, point), "when": self._optional(c.when, point)})
            for col, c in zip(band_columns, columns, strict=True)
        ]
        row = self.styles(row_styles, point)
        extras = [v.id for v in self.compiler.values[extras_from:]]
        whole += [a for a in self.compiler.whole_reads(extras_from) if a not in whole]
        return m.DetailBand.model_construct(columns=styled, whole=whole, extras=extras, **row)

    def table(self, columns: Iterable[ast.Column], cell_types: dict[str, list[str]]) -> list[m.TableColumn]:
        out = []
        for c in columns:
            types = set(cell_types.get(c.name.name, ()))
            out.append(m.TableColumn.model_construct(
                name=c.name.name,
                label=c.label if c.label is not None else c.name.name,
                type=types.pop() if len(types) == 1 else "any",
                format=_format(c.format),
                align=c.align,
                width=str(c.width) if c.width else None,
                nowrap=c.nowrap,
            ))
        return out

    def totals(self, bands: Iterable[ast.Band], point: Point, page_bands: bool = False) -> dict[str, str]:
        """Every aggregate call written in these bands, keyed as CONTRACT.md §3 says;
        with ``page_bands`` (the report's), not the page values of page bands (§16)."""
        out: dict[str, str] = {}
        text = self.compiler.checked.source.text
        for band in bands:
            for element in band.elements:
                exprs = [(value.expr, _in_template(element, value)) for value in formatted_values(element)]
                exprs += [(expr, False) for expr, _ in layout_exprs(element)]
                for expr, in_template in exprs:
                    for node in find_all(expr, ast.Call):
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


def _in_template(element: ast.Element, value: ast.Formatted) -> bool:
    """A value that is not a detail column or a row cell's expression stands in a text
    template: its JSON key resolves the template's escapes."""
    if isinstance(element, ast.Row):
        return not any(c.value is value for c in element.cells)
    return not isinstance(element, ast.Column)


def _format(fmt: ast.Format | None) -> m.Format | None:
    if fmt is None:
        return None
    return m.Format.model_construct(name=fmt.name.name, args=[_format_arg(a) for a in fmt.args])


def _format_arg(arg: ast.Expr) -> object:
    if not isinstance(arg, ast.Literal):
        raise AssertionError("a format argument that is not a literal")  # check_types.check_format forbids it
    return arg.value
