"""Band elements: parse-tree nodes → AST elements (a part of ``AstBuilder``).

In: the children Lark gives each element rule of grammars/report.lark (``text``,
``column``, ``row``, ``grid``, the style and option rules, ``columns``), with
``maybe_placeholders``: an absent ``[…]`` is ``None``. Out: ``ast.Text``,
``ast.Column``, ``ast.Row``, … Mixed into ``parser.AstBuilder``, which supplies
``span``, ``ident``, ``decode``, ``length`` and ``template``.
"""

from __future__ import annotations

from typing import Any

from lark import Token, Transformer, v_args

from reportdsl.syntax import ast


@v_args(meta=True)
class ElementBuilder(Transformer):
    # supplied by AstBuilder
    span: Any
    ident: Any
    decode: Any
    length: Any
    template: Any
    source: Any

    def element_when(self, meta, children) -> ast.Expr:
        return children[1]

    def style_when(self, meta, children) -> ast.Expr:
        return children[1]

    def text(self, meta, children) -> ast.Text:
        token, *styles, when = children
        return ast.Text(self.template(token), tuple(styles), self.span(meta), when)

    def style(self, meta, children) -> ast.Style:
        keyword, when = children
        return ast.Style(str(keyword), None, self.span(meta), when)

    def size_style(self, meta, children) -> ast.Style:
        return ast.Style("size", self.length(children[0]), self.span(meta))

    def color_style(self, meta, children) -> ast.Style:
        return ast.Style("color", children[0], self.span(meta))

    def background_style(self, meta, children) -> ast.Style:
        return ast.Style("background", children[0], self.span(meta))

    def align_style(self, meta, children) -> ast.Style:
        return ast.Style("align", str(children[0]), self.span(meta))

    def width_option(self, meta, children) -> ast.Style:
        return ast.Style("width", self.length(children[0]), self.span(meta))

    def nowrap_option(self, meta, children) -> ast.Style:
        return ast.Style("nowrap", None, self.span(meta))

    def format_option(self, meta, children) -> ast.Style:
        return ast.Style("format", children[0], self.span(meta))

    def border_option(self, meta, children) -> ast.Border:
        side, double = children
        return ast.Border(str(side), double is not None, self.span(meta))

    def column(self, meta, children) -> ast.Column:
        name, label, value, *options, when = children
        return self._column(meta, name, label, value, options, when)

    def table_column(self, meta, children) -> ast.Column:
        name, label, *options = children
        return self._column(meta, name, label, None, options, None)

    def _column(self, meta, name, label, value, options, when) -> ast.Column:
        align = width = fmt = None
        nowrap = False
        styles = []
        for option in options:
            if option.kind == "nowrap":
                nowrap = True
            elif option.kind == "align":
                align = option.value
            elif option.kind == "width":
                width = option.value
            elif option.kind == "format" and value is not None and value.format is None and fmt is None:
                # `= EXPR align right | currency`: the format of the column's value
                value = ast.Formatted(value.expr, option.value, (value.span[0], option.span[1]))
            elif option.kind == "format" and fmt is None and value is None:
                fmt = option.value
            else:  # styles, and a format given twice (the checker says so)
                styles.append(option)
        return ast.Column(
            self.ident(name),
            self.decode(label) if label is not None else None,
            value,
            align,
            width,
            self.span(meta),
            tuple(styles),
            when,
            fmt,
            nowrap,
        )

    def columns_stmt(self, meta, children) -> ast.Columns:
        return ast.Columns(tuple(c for c in children if c is not None), self.span(meta))

    def cell(self, meta, children) -> ast.Cell:
        name, last, value = children
        expr = value.expr
        if value.format is None and isinstance(expr, ast.Literal) and expr.type == "string":
            token = Token("STRING", self.source.text[expr.span[0] : expr.span[1]])
            token.start_pos, token.end_pos = expr.span
            value = type(self)(self.source).template(token)
        return ast.Cell(self.ident(name), value, self.span(meta), self.ident(last) if last is not None else None)

    def row(self, meta, children) -> ast.Row:
        *items, when = children
        return ast.Row(
            tuple(c for c in items if isinstance(c, ast.Cell)),
            self.span(meta),
            tuple(s for s in items if isinstance(s, ast.Style)),
            tuple(b for b in items if isinstance(b, ast.Border)),
            when,
        )

    def line(self, meta, children) -> ast.Line:
        return ast.Line(self.span(meta), children[0])

    def space(self, meta, children) -> ast.Space:
        length, when = children
        return ast.Space(self.length(length), self.span(meta), when)

    def image(self, meta, children) -> ast.Image:
        path, width, when = children
        return ast.Image(self.decode(path), self.length(width) if width else None, self.span(meta), when)

    def grid(self, meta, children) -> ast.Grid:
        *items, when = children
        widths = tuple(self.length(t) for t in items if isinstance(t, Token))
        blocks = tuple(b for b in items if isinstance(b, ast.GridBlock))
        return ast.Grid(widths, blocks, self.span(meta), when)

    def grid_block(self, meta, children) -> ast.GridBlock:
        return ast.GridBlock(tuple(e for e in children if e is not None), self.span(meta))

    def row_style(self, meta, children) -> ast.RowStyle:
        keyword, when = children
        return ast.RowStyle(ast.Style(str(keyword), None, self.span(meta), when), self.span(meta))

    def row_background(self, meta, children) -> ast.RowStyle:
        return ast.RowStyle(ast.Style("background", children[0], self.span(meta)), self.span(meta))

    def row_color(self, meta, children) -> ast.RowStyle:
        return ast.RowStyle(ast.Style("color", children[0], self.span(meta)), self.span(meta))
