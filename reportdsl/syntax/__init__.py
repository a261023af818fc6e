"""The syntax stage: ``.report`` text -> parse tree -> AST (``parse``).

Lark is imported only when a text is parsed that ``ast_cache`` has not seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportdsl.syntax.ast import Report

__all__ = ["BOM", "parse", "without_bom"]

BOM = "\ufeff"
# A report is a page or two of text; a million characters is a thousand times that.
# Past it, parsing alone takes tens of seconds and a string literal of that size
# hundreds of MB (docs/language-notes.md, "Limits").
MAX_REPORT_CHARS = 1_000_000


def without_bom(text: str) -> str:
    """A report text may start with a UTF-8 byte-order mark (CONTRACT.md §9): it is not
    part of the report (nor of its first line's columns)."""
    return text[1:] if text.startswith(BOM) else text


def parse(text: str, filename: str = "<string>") -> Report:
    from reportdsl.syntax import ast_cache

    text = without_bom(text)
    if len(text) > MAX_REPORT_CHARS:
        from reportdsl.errors import ReportSyntaxError, SourceText, fail

        raise fail(ReportSyntaxError, f"the report has {len(text):,} characters; a report may have at most "
                                      f"{MAX_REPORT_CHARS:,}", SourceText(filename, text), (0, 0))
    tree = ast_cache.load(text)
    if tree is None:
        from reportdsl.syntax.parser import parse as parse_text

        tree = parse_text(text, filename)
        ast_cache.store(text, tree)
    return tree
