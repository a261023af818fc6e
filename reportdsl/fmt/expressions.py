"""Expressions, formats and literals → atoms, as the canonical layout writes them.

In: AST expression nodes and the source's tokens. Out: ``Atom``s: a space around
binary operators and after commas, none inside parentheses or after a unary minus;
numbers and strings exactly as written (sliced from the source by their spans); the
parentheses the author wrote kept (the AST has none, the tokens say where they were).
"""

from __future__ import annotations

from collections.abc import Callable

from reportdsl.errors import ReportError
from reportdsl.fmt.layout import Atom
from reportdsl.fmt.tokens import SourceTokens
from reportdsl.syntax import ast


class FormatRefusal(ReportError):
    """``fmt`` met something it cannot print without losing it: the file is left as it is."""


class ExpressionPrinter:
    def __init__(self, source: SourceTokens):
        self.source = source
        self.printers: dict[type, Callable[[ast.Expr, list[Atom]], None]] = {
            ast.Literal: self._literal,  # type: ignore[dict-item]
            ast.Name: self._name,  # type: ignore[dict-item]
            ast.Unary: self._unary,  # type: ignore[dict-item]
            ast.Binary: self._binary,  # type: ignore[dict-item]
            ast.Call: self._call,  # type: ignore[dict-item]
        }

    # -- helpers the statement printer uses too -------------------------------
    def slice(self, span: ast.Span, space: str = " ") -> Atom:
        """A token printed exactly as written."""
        return Atom(self.source.text[span[0] : span[1]], span[0], span[1], space)

    def keyword(self, text: str, after: int, space: str = " ", before: int | None = None) -> Atom:
        """A keyword or punctuation the AST does not place: where the source has it
        next after ``after``, else just there (comments then go after it)."""
        token = self.source.find(text, after, before)
        if token is not None:
            return Atom(text, token.start, token.end, space)
        return Atom(text, after, after, space)

    def string_after(self, after: int, space: str = " ") -> Atom:
        """The string token written next after ``after`` (a label, a path, a limit's
        'others'), exactly as written."""
        token = self.source.token_at(after)
        if token is None or not token.text.startswith('"'):
            raise FormatRefusal(f"expected a string at offset {after}")
        return Atom(token.text, token.start, token.end, space)

    # -- expressions -------------------------------------------------------------
    def expr(self, node: ast.Expr, space: str = " ", stop: int | None = None) -> list[Atom]:
        """``stop``: the token index of a call's '(' that holds ``node`` alone."""
        printer = self.printers.get(type(node))
        if printer is None:
            raise FormatRefusal(f"fmt does not know how to print a {type(node).__name__} expression")
        pairs = self.source.wrapping(*node.span, stop=stop)
        inner: list[Atom] = []
        printer(node, inner)
        if not pairs:
            return _spaced(inner, space)
        out = [Atom("(", o.start, o.end, "") for o, _ in reversed(pairs)]
        out.extend(_spaced(inner, ""))
        out.extend(Atom(")", c.start, c.end, "") for _, c in pairs)
        return _spaced(out, space)

    def _literal(self, node: ast.Literal, out: list[Atom]) -> None:
        if node.type in ("int", "decimal") and self.source.text[node.span[0]] == "-":
            # a unary minus folded into the number: its minus signs, then the number as
            # written (parentheses between them change nothing, and go)
            first, last = self.source.index_at(node.span[0]), self.source.index_at(node.span[1])
            for token in self.source.tokens[first:last]:
                if token.text not in "()":
                    out.append(Atom(token.text, token.start, token.end, " " if token.text == "-" else ""))
        else:
            out.append(self.slice(node.span))

    def _name(self, node: ast.Name, out: list[Atom]) -> None:
        out.append(self.slice(node.span))

    def _unary(self, node: ast.Unary, out: list[Atom]) -> None:
        out.append(Atom(node.op, node.span[0], node.span[0] + len(node.op)))
        out.extend(self.expr(node.operand, " " if node.op == "not" else ""))

    def _binary(self, node: ast.Binary, out: list[Atom]) -> None:
        left = self.expr(node.left)
        out.extend(left)
        out.append(self.keyword(node.op, left[-1].end))
        out.extend(self.expr(node.right))

    def _call(self, node: ast.Call, out: list[Atom]) -> None:
        out.append(self.slice(node.name.span))
        out.extend(self.arguments(node.name.span[1], node.args, node.filter))
        end = out[-1].end
        if node.over is not None:
            out.append(self.keyword("over", end))
            out.append(self.slice(node.over.span))
        if node.mode is not None:
            out.append(self.slice(node.mode.span))

    def arguments(self, after: int, args: tuple[ast.Expr, ...], condition: ast.Expr | None = None) -> list[Atom]:
        """``(a, b where c)`` after a call's or a format's name."""
        opening = self.keyword("(", after, "")
        out = [opening]
        stop = self.source.index_at(opening.start) if opening.end > opening.start else None
        alone = len(args) + (condition is not None) == 1
        for k, arg in enumerate(args):
            if k:
                out.append(self.keyword(",", out[-1].end, ""))
            out.extend(self.expr(arg, " " if k else "", stop if alone else None))
        if condition is not None:
            out.append(self.keyword("where", out[-1].end, " " if args else ""))
            out.extend(self.expr(condition, " ", stop if alone else None))
        out.append(self.keyword(")", out[-1].end, ""))
        return out

    def format(self, node: ast.Format, space: str = " ") -> list[Atom]:
        """``| NAME`` or ``| NAME(args)``."""
        bar = self.source.tokens[self.source.index_at(node.span[0]) - 1]
        out = [Atom("|", bar.start, bar.end, space) if bar.text == "|" else Atom("|", node.span[0], node.span[0])]
        out.append(self.slice(node.name.span))
        if node.args or self.source.find("(", node.name.span[1], node.span[1]) is not None:
            out.extend(self.arguments(node.name.span[1], node.args))
        return out

    def formatted(self, node: ast.Formatted, space: str = " ") -> list[Atom]:
        out = self.expr(node.expr, space)
        if node.format is not None:
            out.extend(self.format(node.format))
        return out


def _spaced(atoms: list[Atom], space: str) -> list[Atom]:
    """``atoms`` with the first one's leading space replaced."""
    if not atoms or atoms[0].space == space:
        return atoms
    first = atoms[0]
    return [Atom(first.text, first.start, first.end, space), *atoms[1:]]
