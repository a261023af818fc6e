"""Lark's parse failures -> friendly ``ReportSyntaxError``s.

In: a Lark ``UnexpectedInput`` and the report's ``SourceText`` (and, for an error
inside a text template's ``{…}``, the map from the hole's characters to file offsets).
Out: a ``ReportSyntaxError`` that says in words what was expected, which block is
still open, and for common slips what to write instead: a missing ``}``, ``=`` where
``==`` was meant, an unterminated string, a misspelt keyword (with did-you-mean),
cells of a ``row`` without commas.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from reportdsl.errors import ReportSyntaxError, SourceText, fail

# Terminal name -> what a user calls it.
WORDS = {
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "INT": "a whole number",
    "LENGTH": "a length (e.g. 1.5cm)",
    "_NL": "a new line",
    "$END": "the end of the file",
    "COMPARE": "a comparison (== != < <= > >=)",
    "ADD": "'+' or '-'",
    "MUL": "'*', '/' or '%'",
    "ORIENTATION": "'landscape' or 'portrait'",
    "DIRECTION": "'asc' or 'desc'",
    "ALIGNMENT": "'left', 'center' or 'right'",
    "SOURCE_KIND": "a source kind ('sql', 'csv', 'jsonl', 'parquet' or 'spark')",
}
# Terminals that never help a user when listed among the alternatives.
QUIET = {"_NL", "OR", "AND", "COMPARE", "ADD", "MUL", "OVER", "VBAR"}


@lru_cache(maxsize=1)
def _literals() -> dict[str, str]:
    from reportdsl.syntax.parser import lark_parser

    out = {}
    for term in lark_parser().terminals:
        if term.pattern.type == "str":
            out[term.name] = term.pattern.value
    return out


def _word(terminal: str) -> str:
    if terminal in WORDS:
        return WORDS[terminal]
    literal = _literals().get(terminal)
    return f"'{literal}'" if literal is not None else terminal.lower()


EXPRESSION_START = {"NAME", "NUMBER", "STRING", "LPAR", "TRUE", "FALSE", "NULL", "ADD", "NOT"}


def _alternatives(expected: set[str]) -> str:
    if {"NAME", "NUMBER", "STRING"} <= expected:
        rest = expected - EXPRESSION_START
        return "an expression" + (f" or {_alternatives(rest)}" if rest - QUIET else "")
    shown = sorted({_word(t) for t in expected if t not in QUIET} or {_word(t) for t in expected})
    if len(shown) > 8:
        shown = shown[:8] + ["…"]
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def _found(token, in_template: bool) -> str:
    if token.type == "$END":
        return "'}'" if in_template else "the end of the file"
    if token.type == "_NL":
        return "the end of the line"
    return f"'{token}'"


def describe_syntax_error(
    err: UnexpectedInput, source: SourceText, offset_map: tuple[int, ...] | None = None
) -> ReportSyntaxError:
    def at(pos: int) -> int:
        if offset_map is None:
            return pos
        return offset_map[max(0, min(pos, len(offset_map) - 1))]

    if isinstance(err, UnexpectedCharacters):
        return _unexpected_character(err, source, at)
    assert isinstance(err, UnexpectedToken)
    token = err.token
    expected = set(err.expected)
    start = at(token.start_pos) if token.start_pos is not None else len(source.text)
    end = at(token.end_pos) if token.end_pos is not None else start
    span = (start, max(end, start + 1))
    opened = open_blocks(source.text, start)

    if token.type == "$END" and offset_map is None:
        if opened:
            kind, pos = opened[-1]
            return fail(
                ReportSyntaxError,
                f"this '{{' of {kind} is never closed: expected '}}' before the end of the file",
                source,
                (pos, pos + 1),
            )
        return fail(ReportSyntaxError, f"unexpected end of the file: expected {_alternatives(expected)}", source, span)

    if token.type == "EQUAL" and "COMPARE" in expected:
        return fail(
            ReportSyntaxError,
            "'=' cannot compare values: write '==' to test equality",
            source,
            span,
        )
    if token.type == "NAME" and "COMMA" in expected and "RBRACE" in expected and _inside(opened, "row"):
        return fail(
            ReportSyntaxError,
            f"expected ',' between the cells of a row, found '{token}'",
            source,
            span,
        )

    message = f"expected {_alternatives(expected)}, found {_found(token, offset_map is not None)}"
    if token.type == "NAME":
        keywords = [v for t, v in _literals().items() if t in expected and re.fullmatch(r"[a-z_]+", v)]
        if "BAND_NAME" in expected or any(t.startswith("__ANON") for t in expected):
            keywords += ["title", "page_header", "page_footer", "detail", "summary", "no_data", "header", "footer"]
        close = difflib.get_close_matches(str(token), keywords, n=1, cutoff=0.6)
        if close:
            message = f"unknown keyword '{token}' (did you mean '{close[0]}'?)"
        elif keywords:
            message = f"unknown keyword '{token}': expected {_alternatives(expected)}"
    notes: tuple[str, ...] = ()
    if opened:
        kind, pos = opened[-1]
        line, col = source.line_col(pos)
        notes = (f"inside the {kind} block opened at line {line}, column {col}",)
    return fail(ReportSyntaxError, message, source, span, notes)


def _unexpected_character(err: UnexpectedCharacters, source: SourceText, at) -> ReportSyntaxError:
    pos = at(err.pos_in_stream)
    char = source.text[pos] if pos < len(source.text) else ""
    if char == '"':
        line_end = source.text.find("\n", pos)
        line_end = len(source.text) if line_end < 0 else line_end
        return fail(
            ReportSyntaxError,
            "unterminated string: add the closing '\"' (use \"\"\"…\"\"\" for text over several lines)",
            source,
            (pos, max(pos + 1, line_end)),
        )
    if char == "=" and source.text[pos : pos + 2] != "==" and "COMPARE" in (err.allowed or ()):
        return fail(ReportSyntaxError, "'=' cannot compare values: write '==' to test equality", source, (pos, pos + 1))
    shown = repr(char) if not char.isprintable() or char == "'" else f"'{char}'"
    return fail(ReportSyntaxError, f"unexpected character {shown}", source, (pos, pos + 1))


_TOKENS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*(?:"""|$)|"(?:[^"\\\n]|\\.)*"?|//[^\n]*|/\*.*?(?:\*/|$)|[{}]', re.S)


def open_blocks(text: str, upto: int) -> list[tuple[str, int]]:
    """The blocks still open at ``upto``: (what opened them, offset of the '{')."""
    stack: list[tuple[str, int]] = []
    for m in _TOKENS.finditer(text, 0, upto):
        if m.group() == "{":
            line_start = text.rfind("\n", 0, m.start()) + 1
            head = text[line_start : m.start()].strip()
            words = head.split()
            if not words:
                kind = "a"
            elif words[0] == "group" and len(words) > 1:
                kind = f"'group {words[1]}'"
            elif words[0] == "source":
                kind = "the source's type"
            else:
                # the keyword right before the brace: `header {`, `row {`, `report x {`
                kind = f"'{' '.join(words[-2:]) if words[-2:-1] == ['report'] else words[-1]}'"
            stack.append((kind, m.start()))
        elif m.group() == "}" and stack:
            stack.pop()
    return stack


def _inside(opened: list[tuple[str, int]], kind: str) -> bool:
    return bool(opened) and opened[-1][0] == f"'{kind}'"
