"""The plan: what a checked report compiles to, the streaming aggregation config.

In: nothing (definitions only); ``reportdsl.plan.build`` fills them from a checked AST.
Out: frozen pydantic models, ``extra="forbid"``, JSON round-trippable
(``Plan.model_validate_json(plan.model_dump_json())``). No behaviour lives here.

Vocabulary
- A *scope* is ``"report"`` or the name of a group level.
- An *aggregate* (``a0``, ``a1``…) is one accumulator: a function over an argument
  (of the rows its ``filter`` keeps, if it has one), reset at each instance of
  ``scope``; ``running`` ones are read at every detail row.
- A *value* (``v0``, ``v1``…) is an expression the engine evaluates for the page or
  the JSON result: a text interpolation, a row cell, a detail column, a total.
- A *band point* is where a band instance occurs in the stream: report start (title
  and page bands), group start (header), each row (detail), group end (footer and
  group totals), report end (summary or no_data, report totals).
- A ``running`` aggregate keeps a value so far at every row: ``detail`` reads it per
  row; a group's header or footer reads it at the group's end (§9: up to and including
  that group instance). A non-running aggregate that ``detail`` reads is a ``whole``
  value (``DetailBand.whole``).
- ``Value.ready_at`` is ``None`` when every aggregate the value reads is final at
  its band point; otherwise the scope whose instance end makes it final (a header's
  ``SUM(x)`` is ready at its group's end; ``… over report`` at the report's end). The
  engine emits such values as deferred slots and resolves them later.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

Span = tuple[int, int]
ValueType = Literal["string", "int", "decimal", "float", "date", "datetime", "bool", "null", "any"]
AggFunc = Literal[
    "sum", "count", "avg", "min", "max", "count_distinct", "first", "last", "stddev", "variance", "median",
    "percentile",
]
Align = Literal["left", "center", "right"]


class PlanModel(BaseModel):
    # defer_build: `reportdsl check` never builds most models; building all of them
    # at import would cost ~90 ms of its 150 ms budget.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


# ---- expressions ------------------------------------------------------------------


class Lit(PlanModel):
    """A constant. Decimals travel as their exact text (``"1.50"``)."""

    kind: Literal["lit"] = "lit"
    value: bool | int | str | None
    type: ValueType
    span: Span


class Ref(PlanModel):
    """A name, resolved: where the engine finds its value."""

    kind: Literal["ref"] = "ref"
    name: str
    ref: Literal["column", "field", "param", "group", "title", "row_number"]
    type: ValueType
    span: Span


class UnaryOp(PlanModel):
    kind: Literal["unary"] = "unary"
    op: Literal["-", "+", "not"]
    operand: Expr
    type: ValueType
    span: Span

    CHILDREN: ClassVar[tuple[str, ...]] = ("operand",)  # for reportdsl.language.walk


class BinaryOp(PlanModel):
    kind: Literal["binary"] = "binary"
    op: Literal["or", "and", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%"]
    left: Expr
    right: Expr
    type: ValueType
    span: Span

    CHILDREN: ClassVar[tuple[str, ...]] = ("left", "right")


class FuncCall(PlanModel):
    """A scalar function (``if coalesce abs round upper lower len year month day
    date datetime now``); the name is lower-cased."""

    kind: Literal["call"] = "call"
    func: str
    args: list[Expr]
    type: ValueType
    span: Span

    CHILDREN: ClassVar[tuple[str, ...]] = ("args",)


class AggRef(PlanModel):
    """The current value of aggregate ``id`` (see ``Plan.aggregates``)."""

    kind: Literal["agg"] = "agg"
    id: str
    type: ValueType
    span: Span


Expr = Annotated[Lit | Ref | UnaryOp | BinaryOp | FuncCall | AggRef, Field(discriminator="kind")]


# ---- data ---------------------------------------------------------------------------


class SourceSpec(PlanModel):
    kind: Literal["sql", "csv", "jsonl", "parquet", "spark"]
    location: str  # URL or path as written; the variable's name when from_env
    from_env: bool = False
    table: str | None = None
    query: str | None = None
    types: dict[str, ValueType] = {}  # declared column types (csv block)
    span: Span


class ColumnInfo(PlanModel):
    name: str
    type: ValueType


class ParamSpec(PlanModel):
    name: str
    type: ValueType
    required: bool
    # canonical text for decimal/date/datetime; an Expr for a computed default (§11)
    default: bool | int | str | Expr | None = None
    span: Span


class FieldSpec(PlanModel):
    name: str
    expr: Expr
    type: ValueType
    span: Span


class SortKey(PlanModel):
    expr: Expr
    desc: bool = False


class Aggregate(PlanModel):
    id: str
    func: AggFunc
    arg: Expr | None  # None only for COUNT()
    scope: str  # "report" or a group name: whose instance's rows it covers
    running: bool = False  # read at each detail row (value so far)
    type: ValueType
    text: str  # as written, white space outside strings removed: "SUM(revenue)overreport"
    span: Span
    filter: Expr | None = None  # `AGG(e where COND)`: only rows where COND is true reach it
    fraction: str | None = None  # PERCENTILE's p, exact decimal text ("0.9")


class Value(PlanModel):
    id: str
    expr: Expr
    type: ValueType
    ready_at: str | None = None  # see the module docstring


# ---- layout ------------------------------------------------------------------------


class Format(PlanModel):
    name: Literal[
        "number", "currency", "accounting", "percent", "date", "datetime", "upper", "lower"
    ]
    args: list[int | str] = []


class LiteralPart(PlanModel):
    kind: Literal["text"] = "text"
    text: str


class ValuePart(PlanModel):
    kind: Literal["value"] = "value"
    value: str  # a Value id
    format: Format | None = None


class PageNumberPart(PlanModel):
    """``{page}`` / ``{pages}`` in a page band: known only to the typesetter."""

    kind: Literal["page"] = "page"
    which: Literal["page", "pages"]
    format: Format | None = None


TextPart = Annotated[LiteralPart | ValuePart | PageNumberPart, Field(discriminator="kind")]


class Styled(PlanModel):
    """LANGUAGE.md §14 styles and `when`. A constant style is a flag or a colour; a
    computed one names the Value that decides it per band instance (or per row, in
    ``detail``): ``*_when`` a condition, ``*_value`` a text "#RRGGBB" or null."""

    bold: bool = False
    italic: bool = False
    strike: bool = False
    bold_when: str | None = None
    italic_when: str | None = None
    strike_when: str | None = None
    color: str | None = None  # "#RRGGBB"
    color_value: str | None = None
    background: str | None = None
    background_value: str | None = None
    when: str | None = None  # the element's own condition: left out where false or null


class TextElement(Styled):
    kind: Literal["text"] = "text"
    parts: list[TextPart]
    size: str | None = None  # a Typst length, e.g. "13pt"
    align: Align | None = None


class RowCell(PlanModel):
    column: str  # a table column name
    parts: list[TextPart]
    last: str | None = None  # a spanning cell covers the columns `column` to `last`


class RowElement(Styled):
    kind: Literal["row"] = "row"
    cells: list[RowCell]  # in table-column order; unnamed columns are absent
    border_top: bool = False
    border_bottom: Literal["single", "double"] | None = None


class LineElement(PlanModel):
    kind: Literal["line"] = "line"
    when: str | None = None


class SpaceElement(PlanModel):
    kind: Literal["space"] = "space"
    length: str
    when: str | None = None


class ImageElement(PlanModel):
    kind: Literal["image"] = "image"
    path: str  # as written, relative to Plan.base_dir
    width: str | None = None
    when: str | None = None


class GridElement(PlanModel):
    """``grid W… { block { … } … }``: one block a width, side by side."""

    kind: Literal["grid"] = "grid"
    widths: list[str]
    blocks: list[list[Element]]
    when: str | None = None


Element = Annotated[
    TextElement | RowElement | LineElement | SpaceElement | ImageElement | GridElement,
    Field(discriminator="kind"),
]


class Band(PlanModel):
    elements: list[Element]
    values: list[str]  # the Value ids its elements read, in order of appearance


class TableColumn(Styled):
    """A column of a ``columns { … }`` table (§14), filled only by ``row`` elements;
    ``type`` is the type its cells' values share ("any" where they differ)."""

    name: str
    label: str
    type: ValueType
    format: Format | None = None
    align: Align | None = None
    width: str | None = None  # a Typst length; "1fr" style fractions allowed
    nowrap: bool = False  # §14: one line, cut with an ellipsis where it does not fit


class DetailColumn(TableColumn):
    value: str  # a Value id


class DetailBand(Styled):
    """The detail band; its own styles style the whole row (``style bold when …``)."""

    columns: list[DetailColumn]
    # Aggregates the columns read ``whole`` (§9): the final value of the scope instance
    # a row is in, known before its rows print (from a first pass over the rows).
    whole: list[str] = []
    # Values a detail event carries after the columns' (the per-row conditions and
    # colours of the row and its columns), in this order.
    extras: list[str] = []


class GroupLevel(PlanModel):
    name: str
    key: Expr
    key_type: ValueType
    desc: bool = False
    new_page: bool = False
    keep_together: bool = False
    header: Band | None = None
    footer: Band | None = None
    totals: dict[str, str] = {}  # JSON key (aggregate call as written) -> Value id
    # §12: this level's groups print in the order of Value ``order_by`` (known at the
    # group's end; ties by key), the first ``limit`` of each enclosing instance; with
    # ``others``, the rest form one more group whose key is that label.
    order_by: str | None = None
    order_desc: bool = False
    limit: int | None = None
    others: str | None = None
    # §14 `repeat_header`: ``repeat`` is the header as printed again at the top of each
    # page the group continues on, where `continued` is true; values that do not read
    # `continued` are the header's own (the same ids: the same deferred totals).
    repeat_header: bool = False
    repeat: Band | None = None


class PageSpec(PlanModel):
    size: str = "a4"
    landscape: bool = False
    margin: str = "2cm"


class Plan(PlanModel):
    """A compiled report. ``groups[0]`` is the outermost level."""

    format_version: Literal[1] = 1
    name: str
    filename: str
    base_dir: str  # the .report file's folder: relative paths resolve against it
    title: str | None = None
    locale: str = "en_US"
    currency: str = "USD"
    page: PageSpec = Field(default_factory=lambda: PageSpec.model_construct())
    template: str | None = None
    max_groups: int | None = None
    on_error: Literal["fail", "skip"] = "fail"

    source: SourceSpec | None = None
    columns: list[ColumnInfo] = []  # the source schema known at compile time
    columns_used: list[str] = []  # source columns the report reads
    params: list[ParamSpec] = []
    fields: list[FieldSpec] = []
    where: Expr | None = None
    sort: list[SortKey] = []
    groups: list[GroupLevel] = []

    aggregates: list[Aggregate] = []
    values: list[Value] = []

    title_band: Band | None = None
    page_header: Band | None = None
    page_footer: Band | None = None
    detail: DetailBand | None = None
    table_columns: list[TableColumn] = []  # `columns { … }` (a report without detail)
    summary: Band | None = None
    no_data: Band | None = None
    report_totals: dict[str, str] = {}  # JSON key -> Value id

