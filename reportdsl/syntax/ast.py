"""The AST: frozen dataclasses mirroring the rules of grammars/report.lark.

In: nothing (definitions only). Out: the node types the parser builds and every later
stage reads. Every node carries ``span``: (start, end) character offsets into the
report text; line and column are computed only when a diagnostic is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import ClassVar

Span = tuple[int, int]


class _Node:
    """The one ``__repr__`` of every AST class, in the dataclass format. A ``repr``
    generated per class costs ~0.07 ms each when this module loads, which every
    ``reportdsl check`` pays; frozen and slots keep their generated methods."""

    __slots__ = ()

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))  # type: ignore[arg-type]
        return f"{type(self).__name__}({shown})"


@dataclass(frozen=True, slots=True, repr=False)
class Ident(_Node):
    name: str
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class Length(_Node):
    value: Decimal
    unit: str  # pt mm cm in em fr
    span: Span

    def __str__(self) -> str:
        return f"{self.value}{self.unit}"


# ---- expressions ---------------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class Literal(_Node):
    value: object  # int, Decimal, str, bool or None
    type: str  # int decimal string bool null
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class Name(_Node):
    name: str
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class Unary(_Node):
    op: str  # - + not
    operand: Expr
    span: Span

    CHILDREN: ClassVar[tuple[str, ...]] = ("operand",)  # for reportdsl.language.walk


@dataclass(frozen=True, slots=True, repr=False)
class Binary(_Node):
    op: str  # or and == != < <= > >= + - * / %
    left: Expr
    right: Expr
    span: Span

    CHILDREN: ClassVar[tuple[str, ...]] = ("left", "right")


@dataclass(frozen=True, slots=True, repr=False)
class Call(_Node):
    name: Ident  # as written; function names are case-insensitive
    args: tuple[Expr, ...]
    over: Ident | None
    span: Span
    filter: Expr | None = None  # `AGG(e where COND)`: COND (LANGUAGE.md §10)
    mode: Ident | None = None  # `whole` or `running` (LANGUAGE.md §9)

    CHILDREN: ClassVar[tuple[str, ...]] = ("args", "filter")

    @property
    def func(self) -> str:
        return self.name.name.lower()


Expr = Literal | Name | Unary | Binary | Call


@dataclass(frozen=True, slots=True, repr=False)
class Format(_Node):
    name: Ident
    args: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class Formatted(_Node):
    """``EXPR [| FORMAT]``: a value that reaches the page."""

    expr: Expr
    format: Format | None
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class TextTemplate(_Node):
    """A string with ``{EXPR [| FORMAT]}`` holes; ``parts`` alternate freely."""

    parts: tuple[str | Formatted, ...]
    span: Span


# ---- band elements ---------------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class Style(_Node):
    kind: str  # bold italic strike size color background align width format
    value: Length | Expr | Format | str | None  # Expr: color/background; None: bold/italic/strike
    span: Span
    when: Expr | None = None  # `bold when COND` (LANGUAGE.md §14)


@dataclass(frozen=True, slots=True, repr=False)
class Text(_Node):
    template: TextTemplate
    styles: tuple[Style, ...]
    span: Span
    when: Expr | None = None  # the element's own `when`: left out where false or null


@dataclass(frozen=True, slots=True, repr=False)
class Column(_Node):
    """A detail column (``value`` set), or a column of a ``columns`` table (``value``
    None, ``format`` the cells' default format)."""

    name: Ident
    label: str | None
    value: Formatted | None
    align: str | None
    width: Length | None
    span: Span
    styles: tuple[Style, ...] = ()  # per row, in detail: bold/italic/strike/color/background
    when: Expr | None = None
    format: Format | None = None
    nowrap: bool = False  # LANGUAGE.md §14: cut with an ellipsis instead of wrapping


@dataclass(frozen=True, slots=True, repr=False)
class Cell(_Node):
    column: Ident
    value: Formatted | TextTemplate  # a string literal is a text template
    span: Span
    last: Ident | None = None  # `FIRST..LAST: EXPR` spans the columns FIRST to LAST


@dataclass(frozen=True, slots=True, repr=False)
class Border(_Node):
    side: str  # top bottom
    double: bool
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class Row(_Node):
    cells: tuple[Cell, ...]
    span: Span
    styles: tuple[Style, ...] = ()
    borders: tuple[Border, ...] = ()
    when: Expr | None = None


@dataclass(frozen=True, slots=True, repr=False)
class Line(_Node):
    span: Span
    when: Expr | None = None


@dataclass(frozen=True, slots=True, repr=False)
class Space(_Node):
    length: Length
    span: Span
    when: Expr | None = None


@dataclass(frozen=True, slots=True, repr=False)
class Image(_Node):
    path: str
    width: Length | None
    span: Span
    when: Expr | None = None


@dataclass(frozen=True, slots=True, repr=False)
class GridBlock(_Node):
    elements: tuple[Element, ...]
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class Grid(_Node):
    """``grid 1fr 1fr { block { … } block { … } }``: blocks side by side."""

    widths: tuple[Length, ...]
    blocks: tuple[GridBlock, ...]
    span: Span
    when: Expr | None = None


@dataclass(frozen=True, slots=True, repr=False)
class RowStyle(_Node):
    """A line before a detail band's columns styling the whole row: ``style bold
    when COND``, ``background EXPR``, ``color EXPR``."""

    style: Style
    span: Span


Element = Text | Column | Row | Line | Space | Image | Grid | RowStyle


@dataclass(frozen=True, slots=True, repr=False)
class Band(_Node):
    kind: Ident  # title page_header page_footer detail summary no_data header footer
    elements: tuple[Element, ...]
    span: Span


# ---- report-level statements -------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class Setting(_Node):
    """``title "…"``, ``locale "…"``, ``currency "…"``, ``template "…"``,
    ``max_groups N`` and ``on_error MODE``: one keyword, one value."""

    keyword: str
    value: object
    value_span: Span
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class PageSetup(_Node):
    size: Ident
    orientation: str | None
    margin: Length | None
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class Param(_Node):
    name: Ident
    type: Ident
    default: Expr | None
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class TypeDecl(_Node):
    column: Ident
    type: Ident
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class Source(_Node):
    kind: str  # sql csv jsonl parquet spark
    location: str  # URL or path, or the variable's name when from_env
    from_env: bool
    location_span: Span
    table: Ident | None
    query: str | None
    query_span: Span | None
    types: tuple[TypeDecl, ...]
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class Field(_Node):
    name: Ident
    expr: Expr
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class Where(_Node):
    expr: Expr
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class SortKey(_Node):
    expr: Expr
    desc: bool
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class Sort(_Node):
    keys: tuple[SortKey, ...]
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class Group(_Node):
    name: Ident
    key: Expr | None  # None: group by the field called `name`
    desc: bool
    new_page: bool
    keep_together: bool
    bands: tuple[Band, ...]
    span: Span
    order_by: GroupOrder | None = None  # LANGUAGE.md §12
    limit: GroupLimit | None = None
    repeat_header: bool = False  # LANGUAGE.md §14: the header again on every page the group continues on


@dataclass(frozen=True, slots=True, repr=False)
class GroupOrder(_Node):
    """`order by AGG [asc|desc]` on a group: its groups print in the order of AGG."""

    expr: Expr
    desc: bool
    span: Span

    CHILDREN: ClassVar[tuple[str, ...]] = ("expr",)


@dataclass(frozen=True, slots=True, repr=False)
class GroupLimit(_Node):
    """`limit N [others "LABEL"]`: the first N groups of each enclosing instance print;
    with a label, the rest form one more group."""

    count: int
    others: str | None
    span: Span


@dataclass(frozen=True, slots=True, repr=False)
class Columns(_Node):
    """``columns { column NAME "LABEL" [| FORMAT] … }`` instead of a detail band."""

    columns: tuple[Column, ...]
    span: Span


Statement = Setting | PageSetup | Param | Source | Field | Where | Sort | Group | Band | Columns


@dataclass(frozen=True, slots=True, repr=False)
class Report(_Node):
    name: Ident
    statements: tuple[Statement, ...]
    span: Span
