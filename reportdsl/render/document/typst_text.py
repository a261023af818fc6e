"""The one place where text becomes Typst source: string literals and checked tokens.

In: Python strings (data values, literal parts of text templates, labels, paths) and
layout tokens from the plan (lengths, colours, alignments).
Out: Typst source fragments. ``typst_string`` turns any text into a Typst string
literal (``"..."``), which Typst prints as literal text however it reads: ``#read(..)``,
``/* c``, ``@x``, ``$x$``, ``<l>``, ``"``, ``\\`` stay characters. ``TypstCode`` marks
a fragment that *is* source (built here from checked tokens, or by the renderer);
the template environment passes it through and quotes everything else.

Data is never markup: the renderer writes data only through ``typst_string``; the
Jinja2 ``finalize`` hook (``reportdsl.render.document.template``) calls ``typst_value`` on every
``{{ … }}`` so nothing a template interpolates can be markup unless it is
``TypstCode``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from reportdsl.language.papers import PAPER_BY_NAME, PAPER_BY_PLAN_NAME

# Typst string escapes: \\ \" \n \r \t \u{…}. Every other control character (C0, DEL,
# C1) and the line/paragraph separators go through \u{…} so the source stays one line
# per statement and no byte can end the literal early.
NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f-\x9f\u2028\u2029]')
_SIMPLE = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group()
    return _SIMPLE.get(ch) or f"\\u{{{ord(ch):x}}}"


def typst_string(text: str) -> str:
    """A Typst string literal holding exactly ``text``."""
    if NEEDS_ESCAPE.search(text) is None:
        return '"' + text + '"'
    return '"' + NEEDS_ESCAPE.sub(_escape_char, text) + '"'


class TypstCode(str):
    """A fragment of Typst source that the template environment emits unquoted.

    Only this module and the layout builder create it, from checked tokens."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"TypstCode({str.__repr__(self)})"


def typst_value(value: Any) -> str:
    """What ``{{ value }}`` becomes in a template: code stays code, data is quoted."""
    if isinstance(value, TypstCode):
        return str(value)
    if value is None:
        return "none"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    return typst_string(str(value))


# ---- checked layout tokens -----------------------------------------------------------

_LENGTH = re.compile(r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(pt|mm|cm|in|em|fr)\s*")
_COLOR = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3}|[0-9a-fA-F]{8})")
_ALIGN = {"left": "left", "center": "center", "right": "right"}
class LayoutTokenError(ValueError):
    """A plan layout token that is not what the language allows."""


def typst_length(text: str, *, fractions: bool = False) -> TypstCode:
    """``"1.5cm"`` → ``1.5cm``; exponents are expanded (``1e1pt`` → ``10pt``)."""
    match = _LENGTH.fullmatch(str(text))
    if match is None or (match.group(2) == "fr" and not fractions):
        raise LayoutTokenError(f"'{text}' is not a length")
    try:
        number = Decimal(match.group(1))
    except InvalidOperation:
        raise LayoutTokenError(f"'{text}' is not a length") from None
    digits = format(number.normalize(), "f")
    return TypstCode(f"{digits}{match.group(2)}")


def is_fraction(length: str) -> bool:
    return str(length).strip().endswith("fr")


def typst_color(text: str) -> TypstCode:
    match = _COLOR.fullmatch(str(text).strip())
    if match is None:
        raise LayoutTokenError(f"'{text}' is not a colour (expected \"#RRGGBB\")")
    return TypstCode(f'rgb("#{match.group(1)}")')


def typst_align(name: str) -> TypstCode:
    if name not in _ALIGN:
        raise LayoutTokenError(f"'{name}' is not an alignment")
    return TypstCode(_ALIGN[name])


def typst_paper(name: str) -> TypstCode:
    """The ``page(...)`` arguments for a paper size, by its plan or report name
    (``reportdsl.language.papers``):
    ``paper: "a4"``, or width and height for the sizes Typst has no name for."""
    key = str(name).lower()
    paper = PAPER_BY_PLAN_NAME.get(key) or PAPER_BY_NAME.get(key)
    if paper is None:
        raise LayoutTokenError(f"unknown page size '{name}'")
    if paper.typst_paper is not None:
        return TypstCode(f"paper: {typst_string(paper.typst_paper)}")
    return TypstCode(f"width: {paper.width_mm}mm, height: {paper.height_mm}mm")
