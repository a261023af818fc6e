"""Text -> parse tree -> AST.

In: the text of a ``.report`` file and the name to show in errors.
Out: ``ast.Report``, or a ``ReportSyntaxError`` (see ``syntax_errors``).

The Lark parser is LALR with the contextual lexer, built once per process and
cached on disk by Lark. Text templates are parsed here too: each ``{…}`` hole is
parsed with the grammar's ``interpolation`` start rule, and the spans of what it
holds are mapped back to their places in the file.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from lark import Lark, Token, v_args
from lark.exceptions import UnexpectedInput, VisitError

from reportdsl import resources
from reportdsl.errors import ReportSyntaxError, SourceText, fail
from reportdsl.syntax import ast
from reportdsl.syntax.element_builder import ElementBuilder
from reportdsl.syntax.strings import StringSyntaxError, decode, split_template
from reportdsl.syntax.syntax_errors import describe_syntax_error


@lru_cache(maxsize=1)
def lark_parser() -> Lark:
    return Lark(
        resources.read_text("grammars", "report.lark"),
        parser="lalr",
        lexer="contextual",
        start=["start", "interpolation"],
        propagate_positions=True,
        maybe_placeholders=True,
        cache=True,
    )


def parse(text: str, filename: str = "<string>") -> ast.Report:
    source = SourceText(filename, text)
    try:
        tree = lark_parser().parse(text, start="start")
    except UnexpectedInput as err:
        raise describe_syntax_error(err, source) from None
    try:
        return AstBuilder(source).transform(tree)
    except VisitError as err:
        cause = _cause(err)
        if isinstance(cause, StringSyntaxError):
            raise fail(ReportSyntaxError, cause.message, source, cause.span) from None
        if isinstance(cause, ReportSyntaxError):
            raise cause from None
        raise


def _cause(err: BaseException) -> BaseException:
    """What a builder method raised, inside Lark's ``VisitError`` (one for each
    transformer it passed through: a ``{…}`` hole is transformed inside a string's)."""
    while isinstance(err, VisitError):
        err = err.orig_exc
    return err


def _unary_minus_literal(operand: ast.Expr, span: ast.Span) -> ast.Expr | None:
    if isinstance(operand, ast.Literal) and isinstance(operand.value, (int, Decimal)) \
            and operand.type in ("int", "decimal"):
        return ast.Literal(-operand.value, operand.type, span)
    return None


def _position(pos: int | None) -> int:
    """A parser offset; the lexer gives every token one (Lark types it optional)."""
    if pos is None:
        raise ValueError("a token without a position")
    return pos


def _hole_offsets(offsets: tuple[int, ...]) -> Callable[[int], int]:
    """Offsets in a ``{…}`` hole's text mapped to file offsets (the end stays the end)."""
    return lambda p: offsets[min(p, len(offsets) - 1)]


class _LoneWhere(NamedTuple):
    """``where`` with no condition after it, first in a call's parentheses."""

    span: ast.Span


@v_args(meta=True)
class AstBuilder(ElementBuilder):
    """Builds AST nodes bottom-up; ``at`` maps parser offsets to file offsets."""

    def __init__(self, source: SourceText, at: Callable[[int], int] = lambda p: p):
        super().__init__()
        self.source = source
        self.at = at

    # -- positions -------------------------------------------------------------
    def span(self, meta) -> ast.Span:
        return (self.at(meta.start_pos), self.at(meta.end_pos))

    def tspan(self, token: Token) -> ast.Span:
        return (self.at(_position(token.start_pos)), self.at(_position(token.end_pos)))

    def ident(self, token: Token) -> ast.Ident:
        return ast.Ident(str(token), self.tspan(token))

    def string(self, meta, children) -> ast.Literal:
        (token,) = children
        return ast.Literal(self.decode(token), "string", self.tspan(token))

    def raw_offsets(self, token: Token) -> Callable[[int], int]:
        """Each character of ``token``'s text → its offset in the file."""
        start, at = _position(token.start_pos), self.at
        return lambda k: at(start + k)

    def decode(self, token: Token) -> str:
        return decode(str(token), self.raw_offsets(token)).chars

    def length(self, token: Token) -> ast.Length:
        text = str(token)
        unit = text[-2:]  # every unit has two letters
        return ast.Length(Decimal(text[:-2]), unit, self.tspan(token))

    def template(self, token: Token) -> ast.TextTemplate:
        decoded = decode(str(token), self.raw_offsets(token))
        parts: list[str | ast.Formatted] = []
        for part in split_template(decoded).parts:
            if isinstance(part, str):
                parts.append(part)
                continue
            hole_offsets = part.offsets
            if not part.text.strip():
                raise StringSyntaxError("empty '{}' in text: write an expression inside", part.span)
            try:
                tree = lark_parser().parse(part.text, start="interpolation")
            except UnexpectedInput as err:
                raise describe_syntax_error(err, self.source, offset_map=hole_offsets) from None
            inner = AstBuilder(self.source, _hole_offsets(hole_offsets))
            try:
                parts.append(inner.transform(tree))
            except VisitError as err:
                raise _cause(err) from None
        return ast.TextTemplate(tuple(parts), self.tspan(token))

    # -- expressions -------------------------------------------------------------
    def number(self, meta, children) -> ast.Literal:
        (token,) = children
        text = str(token)
        if text.isdigit():
            return ast.Literal(int(text), "int", self.tspan(token))
        return ast.Literal(Decimal(text), "decimal", self.tspan(token))

    def true(self, meta, children) -> ast.Literal:
        return ast.Literal(True, "bool", self.span(meta))

    def false(self, meta, children) -> ast.Literal:
        return ast.Literal(False, "bool", self.span(meta))

    def null(self, meta, children) -> ast.Literal:
        return ast.Literal(None, "null", self.span(meta))

    def name(self, meta, children) -> ast.Name:
        (token,) = children
        return ast.Name(str(token), self.tspan(token))

    def binary(self, meta, children) -> ast.Binary:
        left, op, right = children
        return ast.Binary(str(op), left, right, self.span(meta))

    def unary(self, meta, children) -> ast.Expr:
        op, operand = children
        span = self.span(meta)
        if str(op) == "-":
            folded = _unary_minus_literal(operand, span)
            if folded is not None:
                return folded
        return ast.Unary(str(op), operand, span)

    def call(self, meta, children) -> ast.Call:
        name, *args, condition, over_kw, over, mode = children
        arguments = tuple(a for a in args if a is not None)
        if isinstance(condition, _LoneWhere):
            if arguments:
                raise fail(ReportSyntaxError, "'where' in a call needs a condition after it, "
                           "e.g. SUM(amount where status == \"open\")", self.source, condition.span)
            # `F(where)`: the keyword cannot start a filter here, so it is the column `where`
            arguments, condition = (ast.Name("where", condition.span),), None
        return ast.Call(
            self.ident(name),
            arguments,
            self.ident(over) if over is not None else None,
            self.span(meta),
            condition,
            self.ident(mode) if mode is not None else None,
        )

    def call_filter(self, meta, children) -> ast.Expr | _LoneWhere:
        (condition,) = children
        return condition if condition is not None else _LoneWhere(self.span(meta))

    def format(self, meta, children) -> ast.Format:
        name, *args = children
        return ast.Format(self.ident(name), tuple(a for a in args if a is not None), self.span(meta))

    def formatted(self, meta, children) -> ast.Formatted:
        expr, fmt = children
        return ast.Formatted(expr, fmt, self.span(meta))

    def interpolation(self, meta, children) -> ast.Formatted:
        return children[0]

    # -- band elements: element_builder.ElementBuilder ------------------------
    def band_name(self, meta, children) -> ast.Ident:
        return self.ident(children[0])

    def band(self, meta, children) -> ast.Band:
        kind, *elements = children
        return ast.Band(kind, tuple(elements), self.span(meta))

    # -- statements ---------------------------------------------------------------
    def _setting(self, keyword: str, meta, token: Token, value: object) -> ast.Setting:
        return ast.Setting(keyword, value, self.tspan(token), self.span(meta))

    def title_stmt(self, meta, children) -> ast.Setting:
        return self._setting("title", meta, children[0], self.decode(children[0]))

    def locale_stmt(self, meta, children) -> ast.Setting:
        return self._setting("locale", meta, children[0], self.decode(children[0]))

    def currency_stmt(self, meta, children) -> ast.Setting:
        return self._setting("currency", meta, children[0], self.decode(children[0]))

    def template_stmt(self, meta, children) -> ast.Setting:
        return self._setting("template", meta, children[0], self.decode(children[0]))

    def max_groups_stmt(self, meta, children) -> ast.Setting:
        return self._setting("max_groups", meta, children[0], int(children[0]))

    def on_error_stmt(self, meta, children) -> ast.Setting:
        return self._setting("on_error", meta, children[0], str(children[0]))

    def page_stmt(self, meta, children) -> ast.PageSetup:
        size, orientation, margin = children
        return ast.PageSetup(
            self.ident(size),
            str(orientation) if orientation else None,
            self.length(margin) if margin else None,
            self.span(meta),
        )

    def param_stmt(self, meta, children) -> ast.Param:
        name, type_, default = children
        return ast.Param(self.ident(name), self.ident(type_), default, self.span(meta))

    def field_stmt(self, meta, children) -> ast.Field:
        name, expr = children
        return ast.Field(self.ident(name), expr, self.span(meta))

    def where_stmt(self, meta, children) -> ast.Where:
        return ast.Where(children[0], self.span(meta))

    def sort_key(self, meta, children) -> ast.SortKey:
        expr, direction = children
        return ast.SortKey(expr, str(direction) == "desc" if direction else False, self.span(meta))

    def sort_stmt(self, meta, children) -> ast.Sort:
        return ast.Sort(tuple(children), self.span(meta))

    def literal_location(self, meta, children):
        return ("literal", self.decode(children[0]), self.tspan(children[0]))

    def env_location(self, meta, children):
        return ("env", self.decode(children[0]), self.span(meta))

    def qualified_name(self, meta, children) -> ast.Ident:
        return ast.Ident(".".join(str(c) for c in children), self.span(meta))

    def table_form(self, meta, children):
        return ("table", children[0], None)

    def query_form(self, meta, children):
        return ("query", self.decode(children[0]), self.tspan(children[0]))

    def type_decl(self, meta, children) -> ast.TypeDecl:
        column, type_ = children
        return ast.TypeDecl(self.ident(column), self.ident(type_), self.span(meta))

    def type_block(self, meta, children) -> tuple[ast.TypeDecl, ...]:
        return tuple(c for c in children if c is not None)

    def source_stmt(self, meta, children) -> ast.Source:
        kind, (how, location, location_span), form, types = children
        table = query = query_span = None
        if form is not None:
            if form[0] == "table":
                table = form[1]
            else:
                query, query_span = form[1], form[2]
        return ast.Source(
            str(kind), location, how == "env", location_span, table, query, query_span,
            types or (), self.span(meta),
        )

    def new_page(self, meta, children) -> str:
        return "new_page"

    def keep_together(self, meta, children) -> str:
        return "keep_together"

    def repeat_header(self, meta, children) -> str:
        return "repeat_header"

    def group_stmt(self, meta, children) -> ast.Group:
        name, key, direction, order_by, limit, *items = children
        return ast.Group(
            self.ident(name),
            key,
            str(direction) == "desc" if direction else False,
            "new_page" in items,
            "keep_together" in items,
            tuple(i for i in items if isinstance(i, ast.Band)),
            self.span(meta),
            order_by,
            limit,
            "repeat_header" in items,
        )

    def group_order(self, meta, children) -> ast.GroupOrder:
        expr, direction = children
        return ast.GroupOrder(expr, str(direction) == "desc" if direction else False, self.span(meta))

    def group_limit(self, meta, children) -> ast.GroupLimit:
        count, label = children
        return ast.GroupLimit(int(count), self.decode(label) if label is not None else None, self.span(meta))

    def report(self, meta, children) -> ast.Report:
        name, *statements = children
        return ast.Report(self.ident(name), tuple(statements), self.span(meta))

    def start(self, meta, children) -> ast.Report:
        return children[0]
