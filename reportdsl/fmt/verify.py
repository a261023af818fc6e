"""Format a report's text, and prove the result is the same report.

In: a report's text and the name to show in errors. Out: the formatted text; a
``ReportSyntaxError`` when the text does not parse (as ``check`` reports it); a
``FormatRefusal`` when the formatted text would not parse to the same AST (offsets
aside) or would not hold the same comments in the same order: a kind of statement,
element or option the printer does not know yet is refused, never dropped.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from reportdsl.errors import ReportSyntaxError
from reportdsl.fmt.expressions import FormatRefusal
from reportdsl.fmt.layout import render
from reportdsl.fmt.printer import ReportPrinter
from reportdsl.fmt.tokens import SourceTokens
from reportdsl.syntax import BOM, without_bom
from reportdsl.syntax.parser import parse

SPAN_FIELDS = frozenset({"span", "value_span", "location_span", "query_span"})


def ast_without_spans(node: Any) -> Any:
    """An AST as nested tuples, every offset left out: what two layouts of one report share."""
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return (type(node).__name__, *(
            (f.name, ast_without_spans(getattr(node, f.name)))
            for f in dataclasses.fields(node) if f.name not in SPAN_FIELDS))
    if isinstance(node, (tuple, list)):
        return tuple(ast_without_spans(item) for item in node)
    return (type(node).__name__, node)


def first_difference(a: Any, b: Any, path: str = "report") -> str | None:
    """Where two ``ast_without_spans`` trees first differ, for the refusal's message."""
    if type(a) is not type(b) or (not isinstance(a, tuple) and a != b):
        return path
    if isinstance(a, tuple):
        if len(a) != len(b):
            return path
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            step = x[0] if isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], str) else str(k)
            found = first_difference(x, y, f"{path}.{step}" if step != str(k) or k else path)
            if found is not None:
                return found
    return None


def format_report(text: str, filename: str = "<string>") -> str:
    bom = BOM if text.startswith(BOM) else ""
    text = without_bom(text)
    tree = parse(text, filename)  # a ReportSyntaxError goes to the caller as it is
    source = SourceTokens(text)
    formatted = render(ReportPrinter(source).report(tree), source)
    try:
        again = parse(formatted, filename)
    except ReportSyntaxError as err:
        raise FormatRefusal(f"{filename}: fmt would write a report that does not parse "
                            f"({err.diagnostics[0].message}); the file is left as it is") from None
    before, after = ast_without_spans(tree), ast_without_spans(again)
    if before != after:
        where = first_difference(before, after)
        raise FormatRefusal(f"{filename}: fmt would change the report (at {where}): it does not know "
                            "everything this report says yet; the file is left as it is")
    if [c.text for c in SourceTokens(formatted).comments] != [c.text for c in source.comments]:
        raise FormatRefusal(f"{filename}: fmt would move or lose a comment; the file is left as it is")
    return bom + formatted
