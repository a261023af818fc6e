"""One generic walk over expression trees: the AST's and the plan's alike.

In: a node whose class lists its child expressions in ``CHILDREN`` (a tuple of
attribute names; an attribute holds a node, a sequence of nodes, or ``None``): the
AST's ``Unary``/``Binary``/``Call`` and the plan's ``UnaryOp``/``BinaryOp``/``FuncCall``
declare theirs, leaves declare none. Out: ``children``, ``walk`` (the node and every
node inside it, parents first, left to right), ``find_all`` (those of some types) and
``transform`` (a copy rebuilt bottom-up through a function), as sqlglot's ``walk``,
``find_all`` and ``transform`` do for its trees; ``depth``, and ``deep_trees``, which
gives the stages' recursion room for deep trees.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


def children(node: Any) -> Iterator[Any]:
    """The child expressions of ``node``, in the order they are written."""
    for name in getattr(type(node), "CHILDREN", ()):
        value = getattr(node, name)
        if value is None:
            continue
        if isinstance(value, (tuple, list)):
            yield from value
        else:
            yield value


def walk(node: Any) -> Iterator[Any]:
    """``node`` and every expression inside it, parents first, left to right."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(tuple(children(current))))


def find_all(node: Any, *types: type[T]) -> Iterator[T]:
    """Every node of ``types`` in ``node`` (``node`` itself included), in walk order."""
    return (n for n in walk(node) if isinstance(n, types))


def transform(node: Any, fn: Callable[[Any], Any]) -> Any:
    """A copy of ``node`` whose children are transformed first, then ``fn`` applied to
    the rebuilt node; unchanged subtrees are shared, not copied."""
    changes = {}
    for name in getattr(type(node), "CHILDREN", ()):
        value = getattr(node, name)
        if value is None:
            continue
        if isinstance(value, (tuple, list)):
            new = type(value)(transform(v, fn) for v in value)
            if any(a is not b for a, b in zip(new, value, strict=True)):
                changes[name] = new
        else:
            new = transform(value, fn)
            if new is not value:
                changes[name] = new
    if changes:
        node = _replace(node, changes)
    return fn(node)


def _replace(node: Any, changes: dict[str, Any]) -> Any:
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return dataclasses.replace(node, **changes)
    return node.model_copy(update=changes)  # a pydantic plan model


def chain(node: Any, ops: tuple[str, ...], both_sides: bool = False) -> tuple[list, list[str]]:
    """The operands of a chain of binary operators ``ops`` (nodes with ``op``, ``left``,
    ``right``: the AST's and the plan's), left to right, and its operators in order:
    the left spine (``a + b - c`` is ``(a + b) - c``), or with ``both_sides`` also right
    operands of the same operator (``and``/``or``, which group either way). Iterative:
    a chain of any length is no deep recursion."""
    terms: list = []
    signs: list[str] = []
    if not both_sides:
        while getattr(node, "op", None) in ops and hasattr(node, "left"):
            terms.append(node.right)
            signs.append(node.op)
            node = node.left
        terms.append(node)
        return terms[::-1], signs[::-1]
    stack = [node]
    while stack:
        n = stack.pop()
        if getattr(n, "op", None) in ops and hasattr(n, "left"):
            signs.append(n.op)
            stack += [n.right, n.left]
        else:
            terms.append(n)
    return terms, signs


def depth(node: Any) -> int:
    """How many levels deep ``node``'s tree goes (a leaf: 1); iterative."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        n, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in children(n))
    return deepest


# The stages recurse once or a few times per level of an expression; a long chain
# (`a or b or …`, 400 terms) is 400 levels. 3.11 runs Python-to-Python recursion
# without the C stack, so a higher limit is safe where only our own code recurses.
_DEEP_TREES = 20_000


@contextlib.contextmanager
def deep_trees() -> Iterator[None]:
    """Room for the stages' recursion over deep expression trees."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(max(before, _DEEP_TREES))
    try:
        yield
    finally:
        sys.setrecursionlimit(before)
