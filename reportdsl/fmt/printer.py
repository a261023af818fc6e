"""A report's AST → atoms and line breaks: the canonical layout.

In: an ``ast.Report`` and its source's tokens. Out: the ``layout`` items of the whole
file (``layout.render`` puts the comments back and writes the text).

Two spaces of indentation a level, one statement or element a line, a blank line
before and after every block (a group, a band, ``columns``) and where the author left
one between other lines. Each statement kind is one entry of ``statement_printers``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reportdsl.fmt.elements import WIDTH, ElementPrinter, text_of
from reportdsl.fmt.expressions import ExpressionPrinter, FormatRefusal
from reportdsl.fmt.layout import Atom, Break, Item
from reportdsl.fmt.tokens import SourceTokens
from reportdsl.syntax import ast

BLOCKS = (ast.Group, ast.Band, ast.Columns)
# A group's flags, printed first in it: (the AST field, the keyword). `repeat_header`
# and its like are one entry here.
GROUP_FLAGS: tuple[tuple[str, str], ...] = (
    ("new_page", "new_page"), ("keep_together", "keep_together"), ("repeat_header", "repeat_header"),
)


class ReportPrinter(ElementPrinter):
    def __init__(self, source: SourceTokens):
        super().__init__()
        self.source = source
        self.e = ExpressionPrinter(source)
        self.items: list[Item] = []
        self.statement_printers: dict[type, Callable[[Any, int], None]] = {
            ast.Setting: self.setting,
            ast.PageSetup: self.page,
            ast.Param: self.param,
            ast.Source: self.source_statement,
            ast.Field: self.field,
            ast.Where: self.where,
            ast.Sort: self.sort,
            ast.Group: self.group,
            ast.Band: self.band,
            ast.Columns: self.columns_block,
        }

    def report(self, node: ast.Report) -> list[Item]:
        head = [self.e.keyword("report", node.span[0]), self.e.slice(node.name.span)]
        self.block(head, node.span, 0, lambda inner: self.statements(node.statements, inner))
        return self.items

    def statements(self, statements: Sequence[ast.Statement], indent: int) -> bool:
        previous: ast.Statement | None = None
        for stmt in statements:
            printer = self.statement_printers.get(type(stmt))
            if printer is None:
                raise FormatRefusal(f"fmt does not know how to print a '{type(stmt).__name__}' statement")
            blank = previous is not None and (isinstance(stmt, BLOCKS) or isinstance(previous, BLOCKS))
            self.items.append(Break(indent, blank=blank, keep_blank=previous is not None))
            printer(stmt, indent)
            previous = stmt
        return bool(statements)

    # -- one-line statements ------------------------------------------------------
    def setting(self, node: ast.Setting, indent: int) -> None:
        self.emit([self.e.keyword(node.keyword, node.span[0]), self.e.slice(node.value_span)])

    def page(self, node: ast.PageSetup, indent: int) -> None:
        out = [self.e.keyword("page", node.span[0]), self.e.slice(node.size.span)]
        if node.orientation is not None:
            out.append(self.e.keyword(node.orientation, out[-1].end))
        if node.margin is not None:
            out += [self.e.keyword("margin", out[-1].end), self.e.slice(node.margin.span)]
        self.emit(out)

    def param(self, node: ast.Param, indent: int) -> None:
        name = self.e.slice(node.name.span)
        out = [self.e.keyword("param", node.span[0]), name, self.e.keyword(":", name.end, ""),
               self.e.slice(node.type.span)]
        if node.default is not None:
            out += [self.e.keyword("=", out[-1].end), *self.e.expr(node.default)]
        self.emit(out)

    def field(self, node: ast.Field, indent: int) -> None:
        name = self.e.slice(node.name.span)
        self.emit([self.e.keyword("field", node.span[0]), name, self.e.keyword("=", name.end),
                   *self.e.expr(node.expr)])

    def where(self, node: ast.Where, indent: int) -> None:
        self.emit([self.e.keyword("where", node.span[0]), *self.e.expr(node.expr)])

    def sort(self, node: ast.Sort, indent: int) -> None:
        sort = self.e.keyword("sort", node.span[0])
        out = [sort, self.e.keyword("by", sort.end)]
        for k, key in enumerate(node.keys):
            if k:
                out.append(self.e.keyword(",", out[-1].end, ""))
            out.extend(self.e.expr(key.expr))
            out.extend(self.direction(key.desc, out[-1].end))
        self.emit(out)

    def direction(self, desc: bool, after: int) -> list[Atom]:
        """``desc``, or ``asc`` where the author wrote it."""
        if desc:
            return [self.e.keyword("desc", after)]
        written = self.source.find("asc", after)
        return [Atom("asc", written.start, written.end)] if written is not None else []

    def source_statement(self, node: ast.Source, indent: int) -> None:
        keyword = self.e.keyword("source", node.span[0])
        out: list[Atom] = [keyword, self.e.keyword(node.kind, keyword.end)]
        if node.from_env:
            env = self.e.keyword("env", out[-1].end)
            out += [env, self.e.keyword("(", env.end, "")]
            out += [self.e.string_after(out[-1].end, ""), self.e.keyword(")", node.location_span[1] - 1, "")]
        else:
            out.append(self.e.slice(node.location_span))
        if node.table is not None:
            out += [self.e.keyword("table", out[-1].end), self.e.slice(node.table.span)]
        elif node.query_span is not None:
            out += [self.e.keyword("query", out[-1].end), self.e.slice(node.query_span)]
        self.emit(out)
        if node.types or self.source.find("{", out[-1].end, node.span[1]) is not None:
            self.emit(self.type_block(node, out, indent))

    def type_block(self, node: ast.Source, head: list[Atom], indent: int) -> list[Item]:
        opening = self.e.keyword("{", head[-1].end)
        decls: list[list[Atom]] = []
        for type_decl in node.types:
            column = self.e.slice(type_decl.column.span)
            decls.append([column, self.e.keyword(":", column.end, ""), self.e.slice(type_decl.type.span)])
        closing = self._closing(node.span)
        one_line: list[Atom] = [opening]
        for k, decl in enumerate(decls):
            if k:
                one_line.append(self.e.keyword(",", one_line[-1].end, ""))
            one_line.extend(decl)
        one_line.append(closing)
        fits = len(text_of([*head, *one_line])) + 2 * indent <= WIDTH
        if fits and not self._comments_in(opening.start, closing.start):
            return list(one_line)
        out: list[Item] = [opening]
        for k, decl in enumerate(decls):
            out.append(Break(indent + 1, keep_blank=False))
            out.extend(decl)
            if k < len(decls) - 1:
                out.append(self.e.keyword(",", decl[-1].end, ""))
        out += [Break(indent, keep_blank=False, inner=indent + 1), closing]
        return out

    # -- blocks -------------------------------------------------------------------
    def band(self, node: ast.Band, indent: int) -> None:
        head = [self.e.slice(node.kind.span)]
        self.block(head, node.span, indent, lambda inner: self.elements(node.elements, inner))

    def columns_block(self, node: ast.Columns, indent: int) -> None:
        head = [self.e.keyword("columns", node.span[0])]
        self.block(head, node.span, indent, lambda inner: self.elements(node.columns, inner))

    def group(self, node: ast.Group, indent: int) -> None:
        out = [self.e.keyword("group", node.span[0]), self.e.slice(node.name.span)]
        if node.key is not None:
            out += [self.e.keyword("=", out[-1].end), *self.e.expr(node.key)]
        out.extend(self.direction(node.desc, out[-1].end))
        if node.order_by is not None:
            order = self.e.keyword("order", out[-1].end)
            out += [order, self.e.keyword("by", order.end), *self.e.expr(node.order_by.expr)]
            out.extend(self.direction(node.order_by.desc, out[-1].end))
        if node.limit is not None:
            limit = self.e.keyword("limit", out[-1].end)
            count = self.source.token_at(limit.end)
            out += [limit, Atom(count.text, count.start, count.end) if count is not None
                    else Atom(str(node.limit.count), limit.end, limit.end)]
            if node.limit.others is not None:
                others = self.e.keyword("others", out[-1].end)
                out += [others, self.e.string_after(others.end)]
        self.block(out, node.span, indent, lambda inner: self.group_items(node, inner))

    def group_items(self, node: ast.Group, indent: int) -> bool:
        printed = False
        for attribute, keyword in GROUP_FLAGS:
            if getattr(node, attribute):
                token = self.source.search(keyword, node.span[0], node.span[1])
                self.items.append(Break(indent, keep_blank=printed))
                self.emit([Atom(keyword, token.start, token.end) if token is not None
                           else Atom(keyword, node.span[0], node.span[0])])
                printed = True
        for k, band in enumerate(node.bands):
            self.items.append(Break(indent, blank=k > 0, keep_blank=printed))
            self.band(band, indent)
            printed = True
        return printed
