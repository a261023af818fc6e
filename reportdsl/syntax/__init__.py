"""The syntax stage: ``.report`` text -> parse tree -> AST (``parse``).

Lark is imported only when a text is parsed that ``ast_cache`` has not seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportdsl.syntax.ast import Report

__all__ = ["parse"]


def parse(text: str, filename: str = "<string>") -> Report:
    from reportdsl.syntax import ast_cache

    tree = ast_cache.load(text)
    if tree is None:
        from reportdsl.syntax.parser import parse as parse_text

        tree = parse_text(text, filename)
        ast_cache.store(text, tree)
    return tree
