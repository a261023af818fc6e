"""The syntax stage: ``.report`` text -> parse tree -> AST (``parse``).

Lark is imported only when a text is parsed that ``ast_cache`` has not seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportdsl.syntax.ast import Report

__all__ = ["BOM", "parse", "without_bom"]

BOM = "\ufeff"


def without_bom(text: str) -> str:
    """A report text may start with a UTF-8 byte-order mark (CONTRACT.md §9): it is not
    part of the report (nor of its first line's columns)."""
    return text[1:] if text.startswith(BOM) else text


def parse(text: str, filename: str = "<string>") -> Report:
    from reportdsl.syntax import ast_cache

    text = without_bom(text)
    tree = ast_cache.load(text)
    if tree is None:
        from reportdsl.syntax.parser import parse as parse_text

        tree = parse_text(text, filename)
        ast_cache.store(text, tree)
    return tree
