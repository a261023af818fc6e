"""What may be written at the cursor: the items of a completion.

In: the document's current text (perhaps half-typed), an offset, and the last
``Analysis`` whose text parsed. Out: ``Item``s: after ``|`` the formats; elsewhere
the names in scope there (fields, parameters, the source's columns, the group keys
visible in the block the cursor is in, the report's own names), the functions and
aggregates of the language registry, and the keywords that may start a line in that
block. Where the cursor is comes from the braces still open before it in the current
text (``syntax_errors.open_blocks``), so a report that does not parse still completes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reportdsl.language import AGGREGATE_BY_NAME, FORMAT_BY_NAME, FUNCTION_BY_NAME
from reportdsl.lsp.analysis import Analysis
from reportdsl.syntax.syntax_errors import open_blocks

REPORT_KEYWORDS = ("title", "locale", "currency", "page", "template", "param", "source", "field", "where",
                   "sort by", "max_groups", "on_error", "group", "columns", "page_header", "page_footer",
                   "detail", "summary", "no_data")
GROUP_KEYWORDS = ("header", "footer", "new_page", "keep_together")
ELEMENT_KEYWORDS = ("text", "row", "line", "space", "image", "grid", "block", "bold", "italic", "strike",
                    "size", "color", "background", "align", "width", "when", "border")
DETAIL_KEYWORDS = ("column", "style", "bold", "italic", "strike", "color", "background", "align", "width", "when")
EXPRESSION_KEYWORDS = ("and", "or", "not", "true", "false", "null", "over", "whole", "running", "where")
BANDS = ("header", "footer", "title", "page_header", "page_footer", "detail", "summary", "no_data", "block", "row")


@dataclass(frozen=True)
class Item:
    label: str
    kind: str  # field param column group builtin function aggregate format keyword
    detail: str = ""
    doc: str = ""


def complete(text: str, offset: int, good: Analysis | None) -> list[Item]:
    line_start = text.rfind("\n", 0, offset) + 1
    before = text[line_start:offset]
    if re.search(r"\|\s*[A-Za-z_]*$", before):
        return [Item(f.name, "format", f"e.g. {f.example}", f.doc) for f in FORMAT_BY_NAME.values()]
    blocks = [kind.strip("'") for kind, _ in open_blocks(text, offset)]
    innermost = blocks[-1] if blocks else ""
    band = next((b.split()[0] for b in reversed(blocks) if b.split()[0] in BANDS), None)
    group = next((b.split()[1] for b in reversed(blocks) if b.startswith("group ") and len(b.split()) > 1), None)
    items = _names(good, band, group)
    items += [Item(f.name, "function", _signature(f.name, f.min_args, f.max_args) + f" → {f.result}", f.doc)
              for f in FUNCTION_BY_NAME.values()]
    if band is not None:
        # aggregates are written in capitals, as in the language's examples (names are case-insensitive)
        items += [Item(a.name.upper(), "aggregate",
                       _signature(a.name.upper(), a.min_args, a.max_args) + f" → {a.result}", a.doc)
                  for a in AGGREGATE_BY_NAME.values()]
    keywords: tuple[str, ...]
    if band == "detail":
        keywords = DETAIL_KEYWORDS
    elif band is not None:
        keywords = ELEMENT_KEYWORDS
    elif innermost.startswith("group "):
        keywords = GROUP_KEYWORDS
    elif innermost.startswith("report") or innermost == "columns":
        keywords = REPORT_KEYWORDS if innermost.startswith("report") else ("column", "align", "width")
    else:
        keywords = ()
    items += [Item(k, "keyword") for k in (*keywords, *EXPRESSION_KEYWORDS)]
    return items


def _signature(name: str, least: int, most: int | None) -> str:
    args = [f"x{k + 1}" for k in range(least)]
    if most is None or most > least:
        args.append("…")
    return f"{name}({', '.join(args)})"


def _names(good: Analysis | None, band: str | None, group: str | None) -> list[Item]:
    if good is None or good.outline is None:
        return []
    outline = good.outline
    items = [Item(f.name.name, "field", good.types.get(f.expr.span, ""), "field") for f in outline.fields]
    items += [Item(p.name.name, "param", p.type.name, "parameter") for p in outline.params]
    items += [Item(name, "column", kind, "source column") for name, kind in (good.columns or {}).items()]
    names = [g.name.name for g in outline.groups]
    if band == "detail":
        visible = names
    elif group is not None and group in names:
        visible = names[: names.index(group) + 1]
    else:
        visible = []
    items += [Item(name, "group", "", f"the key of group '{name}'") for name in visible]
    items.append(Item("title", "builtin", "string", "the report's title"))
    if band in ("page_header", "page_footer"):
        items += [Item("page", "builtin", "int", "the page number"), Item("pages", "builtin", "int", "the page count")]
    if band == "detail":
        items.append(Item("row_number", "builtin", "int", "the detail row's number"))
    return items
