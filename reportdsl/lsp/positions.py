"""Offsets in a report's text ↔ the Language Server Protocol's positions.

In: a text. Out: ``Positions``: a character offset → (line, character) and back, the
character counted in UTF-16 code units, as the protocol counts them by default (a
letter outside the Basic Multilingual Plane, an emoji in a string, is two).
"""

from __future__ import annotations

import bisect


class Positions:
    def __init__(self, text: str):
        self.text = text
        self.line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def position(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.line_starts, offset) - 1
        start = self.line_starts[line]
        return line, _utf16_length(self.text[start:offset])

    def offset(self, line: int, character: int) -> int:
        if line >= len(self.line_starts):
            return len(self.text)
        start = self.line_starts[max(0, line)]
        end = self.line_starts[line + 1] - 1 if line + 1 < len(self.line_starts) else len(self.text)
        units = 0
        for k in range(start, end):
            if units >= character:
                return k
            units += 2 if ord(self.text[k]) > 0xFFFF else 1
        return end


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
