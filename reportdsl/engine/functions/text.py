"""Runtime operations on text (LANGUAGE.md §11, §16): substr, left, right, trim,
replace, concat, contains, starts_with, ends_with, pad_left.

In: Python values (``None`` is null). Out: ``str``/``bool`` values, or
``RowValueError`` naming the function (text expected, a start below 1, a negative
length). Positions and lengths count code points, as ``len`` does: Python's ``str``
is a sequence of code points, so slicing is already right.
"""

from __future__ import annotations

from reportdsl.engine.functions.core import RowValueError, _need_text, _text, kind_word, show

# Unicode's White_Space property (PropList.txt). Python's str.strip() also removes
# U+001C–U+001F, which are separators, not white space, so the set is spelt out.
WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def _count(n, fn: str, what: str, at) -> int:
    if not isinstance(n, int) or isinstance(n, bool):
        raise RowValueError(f"{fn}() needs a whole number {what}, got {kind_word(n)} ({show(n)})", at)
    if n < 0:
        raise RowValueError(f"{fn}() needs {what} of 0 or more, got {n}", at)
    return n


MAX_PAD = 1_000_000
_REST = object()  # substr() without a length (generated code then passes ``at=`` by name)


def f_substr(s, start, length=_REST, at=None):
    """``length`` characters from position ``start`` (1-based), or all the rest."""
    if s is None or start is None or length is None:
        return None
    s = _need_text(s, "substr", at)
    if not isinstance(start, int) or isinstance(start, bool) or start < 1:
        raise RowValueError(f"substr() needs a start of 1 or more (1 is the first character), got {show(start)}", at)
    if length is _REST:
        return s[start - 1:]
    return s[start - 1:start - 1 + _count(length, "substr", "a length", at)]


def f_left(s, n, at=None):
    if s is None or n is None:
        return None
    return _need_text(s, "left", at)[:_count(n, "left", "a number of characters", at)]


def f_right(s, n, at=None):
    if s is None or n is None:
        return None
    s, n = _need_text(s, "right", at), _count(n, "right", "a number of characters", at)
    return s[len(s) - n:] if n < len(s) else s


def f_trim(s, at=None):
    return None if s is None else _need_text(s, "trim", at).strip(WHITE_SPACE)


def f_replace(s, old, new, at=None):
    if s is None or old is None or new is None:
        return None
    s, old, new = _need_text(s, "replace", at), _need_text(old, "replace", at), _need_text(new, "replace", at)
    # Python would put ``new`` between every two characters for an empty ``old``; SQL
    # leaves the text as it is
    return s.replace(old, new) if old else s


def f_concat(values: tuple, at=None):
    """The text of every value joined; a null counts as empty text (never null)."""
    return "".join(_text(v) for v in values if v is not None)


def f_contains(s, part, at=None):
    if s is None or part is None:
        return None
    return _need_text(part, "contains", at) in _need_text(s, "contains", at)


def f_starts_with(s, part, at=None):
    if s is None or part is None:
        return None
    return _need_text(s, "starts_with", at).startswith(_need_text(part, "starts_with", at))


def f_ends_with(s, part, at=None):
    if s is None or part is None:
        return None
    return _need_text(s, "ends_with", at).endswith(_need_text(part, "ends_with", at))


def f_pad_left(s, n, fill=" ", at=None):
    """``s`` widened to ``n`` characters by ``fill`` repeated on the left (the last
    repeat cut short, as SQL's lpad); a text of ``n`` or more characters is unchanged."""
    if s is None or n is None or fill is None:
        return None
    s = _need_text(s, "pad_left", at)
    if not isinstance(n, int) or isinstance(n, bool):
        raise RowValueError(f"pad_left() needs a whole number of characters, got {kind_word(n)} ({show(n)})", at)
    fill = _need_text(fill, "pad_left", at)
    missing = n - len(s)
    if missing <= 0:
        return s
    if n > MAX_PAD:  # a width from the data must not take the build's memory
        raise RowValueError(f"pad_left() pads to at most {MAX_PAD} characters, got {n}", at)
    if not fill:
        raise RowValueError("pad_left() needs a fill of at least one character, got ''", at)
    return (fill * (missing // len(fill) + 1))[:missing] + s
