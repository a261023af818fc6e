"""The one place where text becomes Typst source: string literals and checked tokens.

In: Python strings (data values, literal parts of text templates, labels, paths) and
layout tokens from the plan (lengths, colours, alignments).
Out: Typst source fragments. ``typst_string`` turns any text into a Typst string
literal (``"..."``), which Typst prints as literal text however it reads: ``#read(..)``,
``/* c``, ``@x``, ``$x$``, ``<l>``, ``"``, ``\\`` stay characters. ``TypstCode`` marks
a fragment that *is* source (built here from checked tokens, or by the renderer);
the template environment passes it through and quotes everything else.

Data is never markup: the renderer writes data only through ``typst_data`` (or, for a
text that needs no care at all, ``DATA_NEEDS_CARE`` finds nothing, the same literal
written in place); the Jinja2 ``finalize`` hook (``reportdsl.render.document.template``)
calls ``typst_value`` on every ``{{ … }}`` so nothing a template interpolates can be
markup unless it is ``TypstCode``.

Nor does data steer the direction of the text around it (Unicode's bidirectional
algorithm): ``typst_data`` isolates a value that holds a right-to-left letter or a
directional control — U+2068 FIRST STRONG ISOLATE … U+2069 POP DIRECTIONAL ISOLATE,
with the value's own isolates balanced inside — so a customer name that starts with
U+202E RIGHT-TO-LEFT OVERRIDE reverses itself only, never the amount and date printed
after it, and an Arabic name does not pull a following number to its side.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from reportdsl.errors import ReportDataError, fail
from reportdsl.language.papers import PAPER_BY_NAME, PAPER_BY_PLAN_NAME

# Typst string escapes: \\ \" \n \r \t \u{…}. Every other control character (C0, DEL,
# C1) and the line/paragraph separators go through \u{…} so the source stays one line
# per statement and no byte can end the literal early.
NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f-\x9f\u2028\u2029]')
_SIMPLE = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


# Explicit directional formatting (embeddings, overrides, isolates, their end) and the
# marks; and the blocks of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, NKo,
# Samaritan, Mandaic…, their presentation forms; RTL blocks of the SMP).
_BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_RTL_LETTERS = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\U00010800-\U00010fff\U0001e800-\U0001efff"
NEEDS_ISOLATION = re.compile(f"[{_BIDI_CONTROLS}{_RTL_LETTERS}]")
# What a data value must not be written as it is for: an escape or an isolate.
DATA_NEEDS_CARE = re.compile(NEEDS_ESCAPE.pattern[:-1] + _BIDI_CONTROLS + _RTL_LETTERS + "]")
FSI, PDI = "\u2068", "\u2069"
_ISOLATE_OPENERS = frozenset("\u2066\u2067\u2068")
# Paragraph separators (bidi class B) end every isolate: each paragraph of a value
# is isolated on its own.
_PARAGRAPH = re.compile(r"([\n\r\x1c-\x1e\x85\u2029])")


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group()
    return _SIMPLE.get(ch) or f"\\u{{{ord(ch):x}}}"


def typst_string(text: str) -> str:
    """A Typst string literal holding exactly ``text``."""
    if NEEDS_ESCAPE.search(text) is None:
        return '"' + text + '"'
    return '"' + NEEDS_ESCAPE.sub(_escape_char, text) + '"'


def isolate_direction(text: str) -> str:
    """``text`` wrapped in FSI … PDI where its direction could leak into what follows
    (see the module's docstring); text without RTL letters or controls is unchanged.
    A PDI with no opener inside the value (it would end the wrapper early) is
    dropped, and openers it leaves open are closed before the wrapper's PDI."""
    if NEEDS_ISOLATION.search(text) is None:
        return text
    pieces = _PARAGRAPH.split(text)
    for i in range(0, len(pieces), 2):  # odd indexes: the separators
        if pieces[i]:
            pieces[i] = _isolated(pieces[i])
    return "".join(pieces)


def _isolated(segment: str) -> str:
    out: list[str] = []
    depth = 0
    for ch in segment:
        if ch in _ISOLATE_OPENERS:
            depth += 1
        elif ch == PDI:
            if depth == 0:
                continue
            depth -= 1
        out.append(ch)
    return FSI + "".join(out) + PDI * depth + PDI


def typst_data(text: str) -> str:
    """A data value as a Typst string literal: escaped, and isolated where needed."""
    return typst_string(isolate_direction(text))


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


# What one detail row or one band value may print: a page holds a few thousand
# characters, and Typst laying out one 100 MB cell took 18.5 GB and two minutes.
MAX_PRINTED_TEXT = 100_000


def too_long(what: str, size: int) -> ReportDataError:
    return fail(ReportDataError, f"{what} has {size:,} characters of text; a printed row or value holds at "
                                 f"most {MAX_PRINTED_TEXT:,} (shorten it in the report, e.g. with left(x, 1000))")
