"""Band elements → atoms and line breaks (a part of ``ReportPrinter``).

In: the elements of a band, a grid block or a ``columns`` block. Out: their lines:
one element a line; the ``column`` lines of a run aligned in columns (name, label,
``=``, value, options); a ``row`` on one line when it fits in ``WIDTH`` characters
and holds no comment, else one cell a line. Each element kind and each style or
option kind is one entry of a table, so a new one is one function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reportdsl.fmt.expressions import ExpressionPrinter, FormatRefusal
from reportdsl.fmt.layout import Atom, Break, Item
from reportdsl.fmt.tokens import SourceTokens
from reportdsl.syntax import ast

WIDTH = 100  # a row longer than this on one line is written one cell a line
LONG_VALUE = 40  # a column's value longer than this does not widen the others' alignment


def text_of(atoms: Sequence[Atom]) -> str:
    return "".join((a.space if i else "") + a.text for i, a in enumerate(atoms))


class ElementPrinter:
    source: SourceTokens
    e: ExpressionPrinter
    items: list[Item]

    def __init__(self) -> None:
        self.element_printers: dict[type, Callable[[Any, int], Sequence[Item]]] = {
            ast.Text: self.text,
            ast.Row: self.row,
            ast.Line: self.line,
            ast.Space: self.space,
            ast.Image: self.image,
            ast.Grid: self.grid,
            ast.RowStyle: self.row_style,
        }
        self.style_printers: dict[str, Callable[[ast.Style], list[Atom]]] = {
            "bold": self.flag_style, "italic": self.flag_style, "strike": self.flag_style,
            "size": self.length_style, "width": self.length_style,
            "color": self.expr_style, "background": self.expr_style,
            "align": self.word_style, "format": self.format_style,
        }

    # -- blocks ------------------------------------------------------------------
    def emit(self, atoms: Sequence[Item]) -> None:
        self.items.extend(atoms)

    def block(self, head: list[Atom], node_span: ast.Span, indent: int, body: Callable[[int], bool]) -> None:
        """``HEAD { … }``: ``body`` prints the lines inside and says whether it printed any."""
        self.emit(head)
        self.emit([self.e.keyword("{", head[-1].end)])
        closing = self._closing(node_span)
        mark = len(self.items)
        if not body(indent + 1) and not self._comments_in(head[-1].end, closing.start):
            del self.items[mark:]
            self.emit([Atom("}", closing.start, closing.end, "")])
            return
        self.items.append(Break(indent, keep_blank=False, inner=indent + 1))
        self.emit([closing])

    def _closing(self, span: ast.Span) -> Atom:
        token = self.source.tokens[self.source.index_at(span[1]) - 1]
        return Atom("}", token.start, token.end) if token.text == "}" else Atom("}", span[1], span[1])

    def _comments_in(self, start: int, end: int) -> bool:
        return any(start <= c.start < end for c in self.source.comments)

    def elements(self, elements: Sequence[ast.Element], indent: int) -> bool:
        k = 0
        while k < len(elements):
            element = elements[k]
            self.items.append(Break(indent, keep_blank=k > 0))
            if isinstance(element, ast.Column):
                run = [element]
                while k + len(run) < len(elements) and isinstance(elements[k + len(run)], ast.Column):
                    run.append(elements[k + len(run)])  # type: ignore[arg-type]
                self.columns(run, indent)
                k += len(run)
                continue
            printer = self.element_printers.get(type(element))
            if printer is None:
                raise FormatRefusal(f"fmt does not know how to print a '{type(element).__name__}' element")
            self.emit(printer(element, indent))
            k += 1
        return bool(elements)

    # -- columns -------------------------------------------------------------------
    def columns(self, run: list[ast.Column], indent: int) -> None:
        """A run of ``column`` lines, aligned: name, label, ``=``, value, and each kind
        of option in a column of its own."""
        lines = [self._column_parts(c) for c in run]
        name_w = max(len(name.text) for _, name, _, _, _ in lines)
        label_w = max((len(label.text) for _, _, label, _, _ in lines if label is not None), default=0)
        value_w = max((len(text_of(v)) for *_, v, _ in lines if v and len(text_of(v)) <= LONG_VALUE), default=0)
        slot_w = [max(len(text_of(rest[i])) for *_, rest in lines) for i in range(len(lines[0][4]))]
        for k, (keyword, name, label, value, rest) in enumerate(lines):
            if k:
                self.items.append(Break(indent, keep_blank=True))
            gap = 1 + name_w - len(name.text)
            out = [keyword, name]
            if label is not None:
                out.append(_with_space(label, " " * gap))
                gap = 1 + label_w - len(label.text)
            elif label_w:
                gap += 1 + label_w
            if value:  # a detail column: `= VALUE`
                equals = self.e.keyword("=", out[-1].end)
                out.append(_with_space(equals, " " * gap))
                out.extend(value)
                width = len(text_of(value))
                gap = 2 + (value_w - width if width <= LONG_VALUE else 0)
            for segment, width in zip(rest, slot_w, strict=True):
                if segment:
                    out.append(_with_space(segment[0], " " * gap))
                    out.extend(segment[1:])
                    gap = 1 + width - len(text_of(segment))
                elif width:
                    gap += width + 1
            self.emit(out)

    def _column_parts(self, column: ast.Column) -> tuple[Atom, Atom, Atom | None, list[Atom], list[list[Atom]]]:
        """The column's keyword, name, label, value and its options, one list a kind
        (``COLUMN_OPTIONS``, then ``when``)."""
        keyword = self.e.keyword("column", column.span[0])
        name = self.e.slice(column.name.span)
        label = self.e.string_after(column.name.span[1]) if column.label is not None else None
        value: list[Atom] = []
        if column.value is not None:
            value = self.e.formatted(column.value)
        rest: list[list[Atom]] = []
        after = (value[-1] if value else label or name).end
        for _field, option in COLUMN_OPTIONS:
            atoms = option(self, column, after)
            rest.append(atoms)
            after = atoms[-1].end if atoms else after
        rest.append(self.when(column.when, after))
        return keyword, name, label, value, rest

    def column_format(self, column: ast.Column, after: int) -> list[Atom]:
        return self.e.format(column.format) if column.format is not None else []

    def column_align(self, column: ast.Column, after: int) -> list[Atom]:
        if column.align is None:
            return []
        token = self.source.search("align", after, column.span[1])
        keyword = self.e.keyword("align", token.start if token is not None else after)
        return [keyword, self.e.keyword(column.align, keyword.end)]

    def column_width(self, column: ast.Column, after: int) -> list[Atom]:
        if column.width is None:
            return []
        return [self.e.keyword("width", _before(self.source, column.width.span[0])),
                self.e.slice(column.width.span)]

    def column_styles(self, column: ast.Column, after: int) -> list[Atom]:
        return self.styles(column.styles)

    def column_nowrap(self, column: ast.Column, after: int) -> list[Atom]:
        if not column.nowrap:
            return []
        token = self.source.search("nowrap", column.name.span[1], column.span[1])
        return [self.e.keyword("nowrap", token.start if token is not None else after)]

    # -- the other elements ----------------------------------------------------------
    def when(self, condition: ast.Expr | None, after: int) -> list[Atom]:
        if condition is None:
            return []
        return [self.e.keyword("when", _before(self.source, self._start(condition))),
                *self.e.expr(condition)]

    def _start(self, node: ast.Expr) -> int:
        pairs = self.source.wrapping(*node.span)
        return pairs[-1][0].start if pairs else node.span[0]

    def styles(self, styles: Sequence[ast.Style | ast.Border]) -> list[Atom]:
        out: list[Atom] = []
        for style in styles:
            if isinstance(style, ast.Border):
                out.extend(self.border(style))
                continue
            printer = self.style_printers.get(style.kind)
            if printer is None:
                raise FormatRefusal(f"fmt does not know how to print the style '{style.kind}'")
            out.extend(printer(style))
        return out

    def flag_style(self, style: ast.Style) -> list[Atom]:
        keyword = self.e.keyword(style.kind, style.span[0])
        return [keyword, *self.when(style.when, keyword.end)]

    def length_style(self, style: ast.Style) -> list[Atom]:
        assert isinstance(style.value, ast.Length)
        return [self.e.keyword(style.kind, style.span[0]), self.e.slice(style.value.span)]

    def expr_style(self, style: ast.Style) -> list[Atom]:
        return [self.e.keyword(style.kind, style.span[0]), *self.e.expr(style.value)]  # type: ignore[arg-type]

    def word_style(self, style: ast.Style) -> list[Atom]:
        keyword = self.e.keyword(style.kind, style.span[0])
        return [keyword, self.e.keyword(str(style.value), keyword.end)]

    def format_style(self, style: ast.Style) -> list[Atom]:
        assert isinstance(style.value, ast.Format)
        return self.e.format(style.value)

    def border(self, border: ast.Border) -> list[Atom]:
        keyword = self.e.keyword("border", border.span[0])
        out = [keyword, self.e.keyword(border.side, keyword.end)]
        if border.double:
            out.append(self.e.keyword("double", out[-1].end))
        return out

    def text(self, node: ast.Text, indent: int) -> list[Atom]:
        keyword = self.e.keyword("text", node.span[0])
        out = [keyword, self.e.slice(node.template.span), *self.styles(node.styles)]
        return out + self.when(node.when, out[-1].end)

    def line(self, node: ast.Line, indent: int) -> list[Atom]:
        keyword = self.e.keyword("line", node.span[0])
        return [keyword, *self.when(node.when, keyword.end)]

    def space(self, node: ast.Space, indent: int) -> list[Atom]:
        out = [self.e.keyword("space", node.span[0]), self.e.slice(node.length.span)]
        return out + self.when(node.when, out[-1].end)

    def image(self, node: ast.Image, indent: int) -> list[Atom]:
        keyword = self.e.keyword("image", node.span[0])
        out = [keyword, self.e.string_after(keyword.end)]
        if node.width is not None:
            out += [self.e.keyword("width", out[-1].end), self.e.slice(node.width.span)]
        return out + self.when(node.when, out[-1].end)

    def row_style(self, node: ast.RowStyle, indent: int) -> list[Atom]:
        style = node.style
        if style.kind in ("color", "background"):
            return self.expr_style(style)
        keyword = self.e.keyword("style", node.span[0])
        word = self.e.keyword(style.kind, keyword.end)
        return [keyword, word, *self.when(style.when, word.end)]

    def grid(self, node: ast.Grid, indent: int) -> list[Item]:
        head = [self.e.keyword("grid", node.span[0]), *(self.e.slice(w.span) for w in node.widths)]

        def blocks(inner: int) -> bool:
            for block in node.blocks:
                self.items.append(Break(inner))
                self.block([self.e.keyword("block", block.span[0])], block.span, inner, self._block_body(block))
            return bool(node.blocks)

        mark = len(self.items)
        closing_end = self._grid_closing_end(node)
        self.block(head, (node.span[0], closing_end), indent, blocks)
        out: list[Item] = self.items[mark:]
        del self.items[mark:]
        return out + self.when(node.when, closing_end)

    def _block_body(self, block: ast.GridBlock) -> Callable[[int], bool]:
        return lambda indent: self.elements(block.elements, indent)

    def _grid_closing_end(self, node: ast.Grid) -> int:
        if node.when is None:
            return node.span[1]
        return _before(self.source, self._start(node.when))

    def row(self, node: ast.Row, indent: int) -> list[Item]:
        keyword = self.e.keyword("row", node.span[0])
        opening = self.e.keyword("{", keyword.end)
        cells = [self.cell(c) for c in node.cells]
        after = cells[-1][-1].end if cells else opening.end
        trailing = self.source.find(",", after)
        closing = self.e.keyword("}", trailing.end if trailing is not None else after)
        options = self.styles(sorted([*node.styles, *node.borders], key=lambda s: s.span[0]))
        options += self.when(node.when, (options[-1] if options else closing).end)
        one_line = [keyword, opening]
        for k, cell in enumerate(cells):
            if k:
                one_line.append(self.e.keyword(",", one_line[-1].end, ""))
            one_line.extend(cell)
        one_line.append(closing)
        one_line.extend(options)
        if len(text_of(one_line)) + 2 * indent <= WIDTH and not self._comments_in(opening.start, closing.start):
            return list(one_line)
        out: list[Item] = [keyword, opening]
        for k, cell in enumerate(cells):
            out.append(Break(indent + 1, keep_blank=False))
            out.extend(cell)
            if k < len(cells) - 1:
                out.append(self.e.keyword(",", cell[-1].end, ""))
        out.append(Break(indent, keep_blank=False, inner=indent + 1))
        out.append(closing)
        out.extend(options)
        return out

    def cell(self, node: ast.Cell) -> list[Atom]:
        out = [self.e.slice(node.column.span)]
        if node.last is not None:
            out += [self.e.keyword("..", out[-1].end, ""), self.e.slice(node.last.span, "")]
        out.append(self.e.keyword(":", out[-1].end, ""))
        if isinstance(node.value, ast.TextTemplate):
            out.append(self.e.slice(node.value.span))
        else:
            out.extend(self.e.formatted(node.value))
        return out


def _with_space(atom: Atom, space: str) -> Atom:
    return Atom(atom.text, atom.start, atom.end, space)


def _before(source: SourceTokens, pos: int) -> int:
    """The start of the token written just before ``pos`` (a keyword before a value)."""
    index = source.index_at(pos) - 1
    return source.tokens[index].start if index >= 0 else pos


# A column's options after its value, in the canonical order: (the AST field, its printer).
# A new option is one entry here (and its field in ast.Column).
COLUMN_OPTIONS: tuple[tuple[str, Callable[[ElementPrinter, ast.Column, int], list[Atom]]], ...] = (
    ("format", ElementPrinter.column_format),
    ("align", ElementPrinter.column_align),
    ("width", ElementPrinter.column_width),
    ("styles", ElementPrinter.column_styles),
    ("nowrap", ElementPrinter.column_nowrap),
)
