"""The AST: frozen dataclasses mirroring the rules of grammars/report.lark.

In: nothing (definitions only). Out: the node types the parser builds and every later
stage reads. Every node carries ``span``: (start, end) character offsets into the
report text; line and column are computed only when a diagnostic is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Ident:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Length:
    value: Decimal
    unit: str  # pt mm cm in em fr
    span: Span

    def __str__(self) -> str:
        return f"{self.value}{self.unit}"


# ---- expressions ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    value: object  # int, Decimal, str, bool or None
    type: str  # int decimal string bool null
    span: Span


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # - + not
    operand: Expr
    span: Span

    CHILDREN: ClassVar[tuple[str, ...]] = ("operand",)  # for reportdsl.language.walk


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # or and == != < <= > >= + - * / %
    left: Expr
    right: Expr
    span: Span

    CHILDREN: ClassVar[tuple[str, ...]] = ("left", "right")


@dataclass(frozen=True, slots=True)
class Call:
    name: Ident  # as written; function names are case-insensitive
    args: tuple[Expr, ...]
    over: Ident | None
    span: Span

    CHILDREN: ClassVar[tuple[str, ...]] = ("args",)

    @property
    def func(self) -> str:
        return self.name.name.lower()


Expr = Literal | Name | Unary | Binary | Call


@dataclass(frozen=True, slots=True)
class Format:
    name: Ident
    args: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Formatted:
    """``EXPR [| FORMAT]``: a value that reaches the page."""

    expr: Expr
    format: Format | None
    span: Span


@dataclass(frozen=True, slots=True)
class TextTemplate:
    """A string with ``{EXPR [| FORMAT]}`` holes; ``parts`` alternate freely."""

    parts: tuple[str | Formatted, ...]
    span: Span


# ---- band elements ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Style:
    kind: str  # bold italic size color align
    value: Length | str | None  # None for bold and italic
    span: Span


@dataclass(frozen=True, slots=True)
class Text:
    template: TextTemplate
    styles: tuple[Style, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Column:
    name: Ident
    label: str | None
    value: Formatted
    align: str | None
    width: Length | None
    span: Span


@dataclass(frozen=True, slots=True)
class Cell:
    column: Ident
    value: Formatted | TextTemplate  # a string literal is a text template
    span: Span


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[Cell, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Line:
    span: Span


@dataclass(frozen=True, slots=True)
class Space:
    length: Length
    span: Span


@dataclass(frozen=True, slots=True)
class Image:
    path: str
    width: Length | None
    span: Span


Element = Text | Column | Row | Line | Space | Image


@dataclass(frozen=True, slots=True)
class Band:
    kind: Ident  # title page_header page_footer detail summary no_data header footer
    elements: tuple[Element, ...]
    span: Span


# ---- report-level statements -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Setting:
    """``title "…"``, ``locale "…"``, ``currency "…"``, ``template "…"``,
    ``max_groups N`` and ``on_error MODE``: one keyword, one value."""

    keyword: str
    value: object
    value_span: Span
    span: Span


@dataclass(frozen=True, slots=True)
class PageSetup:
    size: Ident
    orientation: str | None
    margin: Length | None
    span: Span


@dataclass(frozen=True, slots=True)
class Param:
    name: Ident
    type: Ident
    default: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class TypeDecl:
    column: Ident
    type: Ident
    span: Span


@dataclass(frozen=True, slots=True)
class Source:
    kind: str  # sql csv jsonl
    location: str  # URL or path, or the variable's name when from_env
    from_env: bool
    location_span: Span
    table: Ident | None
    query: str | None
    query_span: Span | None
    types: tuple[TypeDecl, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Field:
    name: Ident
    expr: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Where:
    expr: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class SortKey:
    expr: Expr
    desc: bool
    span: Span


@dataclass(frozen=True, slots=True)
class Sort:
    keys: tuple[SortKey, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Group:
    name: Ident
    key: Expr | None  # None: group by the field called `name`
    desc: bool
    new_page: bool
    keep_together: bool
    bands: tuple[Band, ...]
    span: Span


Statement = Setting | PageSetup | Param | Source | Field | Where | Sort | Group | Band


@dataclass(frozen=True, slots=True)
class Report:
    name: Ident
    statements: tuple[Statement, ...]
    span: Span
