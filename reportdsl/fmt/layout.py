"""The printer's output, and the comments put back into it.

In: a list of ``Atom`` (a token as it is printed, with the offsets it had in the
source) and ``Break`` (a new line at an indentation), and the source's comments.
Out: the formatted text.

Every comment goes back between the same two tokens it stood between: before the
first atom that came after it in the source. A comment that ended a line of code
stays at the end of that line; one on a line of its own stays on a line of its own,
indented as what follows it (inside a block, before its '}', as the block's lines);
a block comment inside a line stays inside it. A line comment always ends its line:
where the printer put no line break after it, one is added (the source had a line
break there, so the grammar allows one).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate

from reportdsl.fmt.tokens import Comment, SourceTokens

INDENT = "  "
CONTINUATION = 2  # levels added to a line cut by a line comment the printer did not expect


@dataclass(frozen=True)
class Atom:
    text: str
    start: int
    end: int
    space: str = " "  # printed before the atom when it does not start a line


@dataclass(frozen=True)
class Break:
    indent: int
    blank: bool = False  # a blank line here, whatever the source had
    keep_blank: bool = True  # a blank line here where the source had one
    inner: int | None = None  # the indentation of comments on lines of their own here (before a '}')


Item = Atom | Break


def render(items: list[Item], source: SourceTokens) -> str:
    return _Writer(source).write(_with_comments(items, source))


def _with_comments(items: list[Item], source: SourceTokens) -> list[Item | Comment]:
    """Each comment before the first atom that followed it in the source; one that
    ended a line of code (or followed such a comment) before the line breaks that
    precede that atom."""
    atoms = [(i, item.start) for i, item in enumerate(items) if isinstance(item, Atom)]
    # the first atom in printing order starting at or after x is the first whose
    # running maximum of starts reaches x (atoms are nearly in source order)
    reach = list(accumulate((start for _, start in atoms), max))
    slots: dict[tuple[int, int], list[Comment]] = {}
    previous: tuple[Comment, tuple[int, int]] | None = None
    for comment in source.comments:
        k = bisect_left(reach, comment.end)
        index = atoms[k][0] if k < len(atoms) else len(items)
        if previous is not None and _follows_on_its_line(previous[0], comment, source):
            slot = previous[1]
        elif comment.own_line:
            slot = (index, 1)
        else:
            while index > 0 and isinstance(items[index - 1], Break):
                index -= 1
            slot = (index, 0)
        slots.setdefault(slot, []).append(comment)
        previous = (comment, slot)
    merged: list[Item | Comment] = []
    for i, item in enumerate([*items, None]):
        merged.extend(slots.get((i, 0), ()))
        if i == len(items) or isinstance(item, Atom):
            merged.extend(slots.get((i, 1), ()))
        if item is not None:
            merged.append(item)
    return merged


def _follows_on_its_line(first: Comment, second: Comment, source: SourceTokens) -> bool:
    between = source.text[first.end : second.start]
    return not between.strip() and "\n" not in between


class _Writer:
    def __init__(self, source: SourceTokens):
        self.source = source
        self.lines: list[str] = []
        self.line = ""
        self.indent = 0
        self.break_indent = 0  # the indentation of the last line break taken
        self.at_line_start = True
        self.line_has_code = False
        self.pending: Break | None = Break(0)  # the file's start
        self.previous_end = 0
        self.started = False

    def write(self, items: list[Item | Comment]) -> str:
        for item in items:
            if isinstance(item, Break):
                self._add_break(item)
            elif isinstance(item, Atom):
                self._place(item.text, item.start, item.space, comment=False)
                self.line_has_code = True
                self.previous_end = max(self.previous_end, item.end)
            else:
                self._comment(item)
        self.lines.append(self.line.rstrip())
        return "\n".join(self.lines).strip("\n") + "\n"

    def _add_break(self, item: Break) -> None:
        if self.pending is None:
            self.pending = item
        else:
            self.pending = Break(item.indent, self.pending.blank or item.blank,
                                 self.pending.keep_blank and item.keep_blank, item.inner)

    def _place(self, text: str, start: int, space: str, comment: bool) -> None:
        if self.pending is not None:
            self._new_line(self.pending, start, comment)
            self.pending = None
        if self.at_line_start:
            self.line += INDENT * self.indent + text
            self.at_line_start = False
        else:
            self.line += space + text

    def _new_line(self, item: Break, next_start: int, comment: bool) -> None:
        if self.started:
            self.lines.append(self.line.rstrip())
            blank = item.blank or (item.keep_blank and
                                   self.source.blank_line_between(self.previous_end, next_start))
            if blank and self.lines[-1] != "":
                self.lines.append("")
        self.started = True
        self.line = ""
        self.break_indent = item.indent
        self.indent = item.inner if comment and item.inner is not None else item.indent
        self.at_line_start = True
        self.line_has_code = False

    def _comment(self, comment: Comment) -> None:
        if comment.own_line and self.pending is None and not self.at_line_start:
            self.pending = Break(self.break_indent)  # the printer put no line break here
        starts_line = self.pending is not None or self.at_line_start or not self.line_has_code
        self._place(comment.text, comment.start, "  " if comment.is_line_comment else " ", comment=True)
        self.previous_end = max(self.previous_end, comment.end)
        if comment.is_line_comment or comment.line_ends_after:
            # what follows went on a new line in the source: so it does here
            indent = self.break_indent if starts_line else self.indent + CONTINUATION
            self.pending = Break(indent, inner=self.indent if starts_line else None)
