"""String literals and text templates.

In: the raw text of a STRING token (quotes included) and its offset in the file.
Out: the decoded string, or a ``TemplateSource``: the literal parts and the holes
(``{EXPR [| FORMAT]}``) of a text template, each hole's text with a map from its
characters back to file offsets, so that errors inside a template point at the
right line and column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# As long as a printed value may be (render/document/typst_text.MAX_PRINTED_TEXT).
MAX_LITERAL_CHARS = 100_000
ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "{": "{", "}": "}"}


class StringSyntaxError(Exception):
    def __init__(self, message: str, span: tuple[int, int]):
        super().__init__(message)
        self.message = message
        self.span = span


@dataclass(frozen=True)
class DecodedString:
    chars: str
    offsets: tuple[int, ...]  # file offset of each decoded character, plus one past the end
    escaped: tuple[bool, ...]  # True where the character came from an escape


@dataclass(frozen=True)
class Hole:
    text: str
    offsets: tuple[int, ...]  # file offset of each character of text, plus the end
    span: tuple[int, int]  # the braces included


@dataclass(frozen=True)
class TemplateSource:
    parts: tuple[str | Hole, ...]


def decode(raw: str, start: int | Callable[[int], int]) -> DecodedString:
    """Decode a STRING token. ``start``: the file offset of its first character, or a
    map from each character's index in ``raw`` to its file offset (a string inside a
    text template's ``{…}``, whose characters came through the outer string's escapes)."""
    at = start if callable(start) else (lambda k, s=start: s + k)
    quote = 3 if raw.startswith('"""') else 1
    body = raw[quote : len(raw) - quote]
    if len(body) > MAX_LITERAL_CHARS:  # before a list entry per character: 900k took 5 s and 160 MB
        raise StringSyntaxError(f"this string has {len(body):,} characters; a string may have at most "
                                f"{MAX_LITERAL_CHARS:,} (no printed value may be longer)", (at(0), at(0) + 1))
    chars: list[str] = []
    offsets: list[int] = []
    escaped: list[bool] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1] if i + 1 < len(body) else ""
            if nxt not in ESCAPES:
                shown = nxt if nxt.isprintable() and nxt else repr(nxt)
                end = at(quote + i + 1) + 1 if nxt else at(quote + i) + 1
                raise StringSyntaxError(
                    f"unknown escape '\\{shown}' in string (known: \\\" \\\\ \\n \\t \\{{ \\}})",
                    (at(quote + i), end),
                )
            chars.append(ESCAPES[nxt])
            offsets.append(at(quote + i))
            escaped.append(True)
            i += 2
            continue
        chars.append(ch)
        offsets.append(at(quote + i))
        escaped.append(False)
        i += 1
    offsets.append(at(quote + len(body)))
    return DecodedString("".join(chars), tuple(offsets), tuple(escaped))


def split_template(decoded: DecodedString) -> TemplateSource:
    """Cut a decoded string at its unescaped braces."""
    chars, offsets, escaped = decoded.chars, decoded.offsets, decoded.escaped
    parts: list[str | Hole] = []
    literal: list[str] = []
    i = 0
    while i < len(chars):
        ch = chars[i]
        if ch == "}" and not escaped[i]:
            raise StringSyntaxError(
                "unmatched '}' in text (write '\\}' for a literal brace)",
                (offsets[i], offsets[i] + 1),
            )
        if ch != "{" or escaped[i]:
            literal.append(ch)
            i += 1
            continue
        close = _matching_brace(chars, escaped, i)
        if close is None:
            raise StringSyntaxError(
                "'{' opens an expression that is never closed with '}' "
                "(write '\\{' for a literal brace)",
                (offsets[i], offsets[i] + 1),
            )
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(
            Hole(
                text=chars[i + 1 : close],
                offsets=offsets[i + 1 : close + 1],
                span=(offsets[i], offsets[close] + 1),
            )
        )
        i = close + 1
    if literal:
        parts.append("".join(literal))
    return TemplateSource(tuple(parts))


def _matching_brace(chars: str, escaped: tuple[bool, ...], open_at: int) -> int | None:
    depth = 0
    in_string = False
    for j in range(open_at, len(chars)):
        ch = chars[j]
        if in_string:
            if ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch == "{" and not escaped[j]:
            depth += 1
        elif ch == "}" and not escaped[j]:
            depth -= 1
            if depth == 0:
                return j
    return None
