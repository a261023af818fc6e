"""The tokens and comments of a report's text, as ``fmt`` needs them.

In: a report's text. Out: a ``SourceTokens``: its comments (``//`` to the end of the
line, ``/* … */``; LANGUAGE.md §2, §15) with their offsets, and its other tokens
(words, numbers, strings whole, punctuation) with the matching parentheses. The AST
keeps neither comments, nor parentheses, nor the places of keywords and punctuation;
the printer reads them here. Strings are one token each, so a ``//`` or a ``{…}`` hole
inside one is never taken for anything else.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r'(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*")'
    r"|(?P<line_comment>//[^\n]*)"
    r"|(?P<block_comment>/\*(?:.|\n)*?\*/)"
    r"|(?P<space>\s+)"
    r"|(?P<word>[A-Za-z0-9_.]+)"
    r"|(?P<op>==|!=|<=|>=|\.\.|.)",
    re.S,
)


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Comment:
    text: str
    start: int
    end: int
    own_line: bool  # nothing but white space before it on its line
    line_ends_after: bool  # nothing but white space after it on its line

    @property
    def is_line_comment(self) -> bool:
        return self.text.startswith("//")


class SourceTokens:
    def __init__(self, text: str):
        self.text = text
        self.tokens: list[Token] = []
        self.comments: list[Comment] = []
        for m in _TOKEN.finditer(text):
            kind = m.lastgroup
            if kind == "space":
                continue
            if kind in ("line_comment", "block_comment"):
                self.comments.append(Comment(m.group(), m.start(), m.end(), self._line_start_blank(m.start()),
                                             self._line_end_blank(m.end())))
            elif kind == "word" and ".." in m.group():  # `a..b` in a row's spanning cell
                word = m.group()
                at = m.start()
                for part in re.split(r"(\.\.)", word):
                    if part:
                        self.tokens.append(Token(part, at, at + len(part)))
                    at += len(part)
            else:
                self.tokens.append(Token(m.group(), m.start(), m.end()))
        self.starts = [t.start for t in self.tokens]
        self.matching = self._match_parentheses()

    def _line_start_blank(self, pos: int) -> bool:
        line_start = self.text.rfind("\n", 0, pos) + 1
        return not self.text[line_start:pos].strip()

    def _line_end_blank(self, pos: int) -> bool:
        line_end = self.text.find("\n", pos)
        rest = self.text[pos:] if line_end < 0 else self.text[pos:line_end]
        return not rest.strip()

    def _match_parentheses(self) -> dict[int, int]:
        stack: list[int] = []
        matching: dict[int, int] = {}
        for i, token in enumerate(self.tokens):
            if token.text == "(":
                stack.append(i)
            elif token.text == ")" and stack:
                opened = stack.pop()
                matching[opened] = i
        return matching

    def index_at(self, pos: int) -> int:
        """The index of the first token starting at or after ``pos``."""
        return bisect.bisect_left(self.starts, pos)

    def token_at(self, pos: int) -> Token | None:
        i = self.index_at(pos)
        return self.tokens[i] if i < len(self.tokens) else None

    def find(self, text: str, after: int, before: int | None = None) -> Token | None:
        """The next token after ``after`` if it reads ``text`` (and starts before ``before``)."""
        token = self.token_at(after)
        if token is None or token.text != text or (before is not None and token.start >= before):
            return None
        return token

    def search(self, text: str, start: int, end: int) -> Token | None:
        """The first token reading ``text`` between ``start`` and ``end``."""
        for i in range(self.index_at(start), len(self.tokens)):
            token = self.tokens[i]
            if token.start >= end:
                break
            if token.text == text:
                return token
        return None

    def wrapping(self, start: int, end: int, stop: int | None = None) -> list[tuple[Token, Token]]:
        """The pairs of parentheses written around the text from ``start`` to ``end``,
        innermost first; ``stop``: the index of a '(' that belongs to a call, not to
        the expression."""
        pairs: list[tuple[Token, Token]] = []
        before = self.index_at(start) - 1
        after = self.index_at(end)
        while before >= 0 and after < len(self.tokens) and before != stop \
                and self.matching.get(before) == after:
            pairs.append((self.tokens[before], self.tokens[after]))
            before -= 1
            after += 1
        return pairs

    def blank_line_between(self, start: int, end: int) -> bool:
        return re.search(r"\n[ \t\f\r]*\n", self.text[start:end]) is not None
