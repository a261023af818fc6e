"""The document layout: what the template draws and how the sink calls it.

In: a ``Plan`` and its report's ``ValueFormatter``.
Out: ``DocumentLayout`` with
- ``context()`` — the variables a template receives (docs/templates.md): the report,
  page, detail columns and one ``BandView`` per band, whose elements carry ready
  Typst expressions (``TypstCode``) for their text;
- ``BandCall`` per band — for the sink: the Typst function name and how to turn the
  band's event values into call arguments (formatted, as string literals);
- the detail cell formatters and the images to copy into the compile root.

A band becomes one Typst function defined once in the preamble
(``rd-band-group-header-0(v0, v1)``); every value part in the band, in reading order,
is one parameter. The body then holds one short call per band instance
(``#rd-band-group-header-0("East", rd-d("4"))``), so no data ever meets markup and
the body stays compact.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from reportdsl.errors import ReportDataError
from reportdsl.paths import PathRefused, confine, shown
from reportdsl.plan.models import (
    Band,
    Format,
    GridElement,
    ImageElement,
    LineElement,
    LiteralPart,
    PageNumberPart,
    Plan,
    RowElement,
    SpaceElement,
    TableColumn,
    TextElement,
    TextPart,
    ValuePart,
)
from reportdsl.render.document.styling import condition, style_arguments
from reportdsl.render.document.typst_text import (
    LayoutTokenError,
    TypstCode,
    is_fraction,
    typst_align,
    typst_color,
    typst_length,
    typst_paper,
    typst_string,
)
from reportdsl.render.document.views import (
    BandView,
    CellView,
    ColumnView,
    ElementView,
    GridView,
    GroupView,
    ImageView,
    LineView,
    PartView,
    RowView,
    SpaceView,
    TextView,
)
from reportdsl.render.errors import ReportLayoutError, report_error
from reportdsl.render.formatting.formats import Formatter, ValueFormatter

NUMERIC_TYPES = ("int", "decimal", "float")
IMAGE_DIR = "assets"


# ---- what the sink uses ------------------------------------------------------------


class ArgSpec(NamedTuple):
    """One band parameter: which value it shows and how it is formatted."""

    value_id: str
    format: Format | None
    formatter: Formatter


class BandCall(NamedTuple):
    function: str
    args: list[ArgSpec]


class ImageAsset(NamedTuple):
    source: Path  # the file the report names
    target: str  # its path inside the compile root


@dataclass
class DocumentLayout:
    plan: Plan
    formatter: ValueFormatter
    allow_outside_paths: bool = field(default=False, kw_only=True)  # reportdsl.paths
    columns: list[ColumnView] = field(init=False)
    column_formatters: list[Formatter] = field(init=False)
    column_formats: list[Format | None] = field(init=False)
    bands: dict[str, BandView] = field(init=False)
    calls: dict[str, BandCall] = field(init=False)
    groups: list[GroupView] = field(init=False)
    images: list[ImageAsset] = field(init=False)

    def __post_init__(self) -> None:
        plan = self.plan
        self.images = []
        self.bands = {}
        self.calls = {}
        detail_columns: list[TableColumn] = list(plan.detail.columns) if plan.detail else list(plan.table_columns)
        try:
            self.columns = [_column_view(i, c) for i, c in enumerate(detail_columns)]
        except LayoutTokenError as exc:
            raise report_error(ReportLayoutError, plan, f"detail column: {exc}") from exc
        self.column_formats = [c.format for c in detail_columns]
        self.column_formatters = [self.formatter.formatter(c.format) for c in detail_columns]
        self._column_index = {c.name: i for i, c in enumerate(detail_columns)}
        for role, band in (
            ("title", plan.title_band),
            ("page_header", plan.page_header),
            ("page_footer", plan.page_footer),
            ("summary", plan.summary),
            ("no_data", plan.no_data),
        ):
            if band is not None:
                self._add_band(role, band, key=role)
        self.groups = []
        for level, group in enumerate(plan.groups):
            views = {}
            for part in ("header", "footer", "repeat"):
                band = getattr(group, part)
                if band is not None:
                    views[part] = self._add_band(
                        f"group_{part}", band, key=f"group_{part}_{level}", level=level,
                        group=group.name,
                    )
            self.groups.append(
                GroupView(level, group.name, group.new_page, group.keep_together,
                          views.get("header"), views.get("footer"), views.get("repeat"))
            )

    # ---- bands -----------------------------------------------------------------------

    def _add_band(self, role: str, band: Band, *, key: str, level: int | None = None,
                  group: str | None = None) -> BandView:
        function = "rd-band-" + key.replace("_", "-")
        args: list[ArgSpec] = []
        try:
            elements = [self._element(e, args) for e in band.elements]
        except LayoutTokenError as exc:
            where = role.replace("_", " ") + (f" of group '{group}'" if group else "")
            raise report_error(ReportLayoutError, self.plan, f"{where}: {exc}") from exc
        view = BandView(
            role=role,
            function=TypstCode(function),
            params=[TypstCode(f"v{i}") for i in range(len(args))],
            signature=TypstCode(", ".join(f"v{i}" for i in range(len(args)))),
            elements=elements,
            level=level,
            group=group,
        )
        self.bands[key] = view
        self.calls[key] = BandCall(function, args)
        return view

    def _element(self, element: Any, args: list[ArgSpec]) -> ElementView:
        def param(value_id: str, show: Formatter) -> TypstCode:
            args.append(ArgSpec(value_id, None, show))
            return TypstCode(f"v{len(args) - 1}")

        if isinstance(element, TextElement):
            parts = [self._part(p, args) for p in element.parts]
            return TextView(
                parts=parts,
                expr=_join(parts),
                bold=element.bold,
                italic=element.italic,
                size=typst_length(element.size) if element.size else None,
                color=typst_color(element.color) if element.color else None,
                align=typst_align(element.align) if element.align else None,
                style=style_arguments(element, param),
                when=condition(element.when, param),
            )
        if isinstance(element, RowElement):
            return self._row(element, args, param)
        if isinstance(element, LineElement):
            return LineView(when=condition(element.when, param))
        if isinstance(element, SpaceElement):
            return SpaceView(typst_length(element.length), when=condition(element.when, param))
        if isinstance(element, ImageElement):
            width = typst_length(element.width) if element.width else None
            return ImageView(self._image(element.path), width, when=condition(element.when, param))
        if isinstance(element, GridElement):
            widths = ", ".join(typst_length(w, fractions=is_fraction(w)) for w in element.widths)
            return GridView(
                widths=TypstCode(f"({widths},)"),
                blocks=[[self._element(e, args) for e in block] for block in element.blocks],
                when=condition(element.when, param),
            )
        raise LayoutTokenError(f"unknown element {element!r}")

    def _row(self, element: RowElement, args: list[ArgSpec], param: Any) -> RowView:
        cells: list[TypstCode] = [TypstCode('""')] * len(self.columns)
        spans: list[CellView] = []
        for cell in element.cells:
            index = self._column_index.get(cell.column)
            last = self._column_index.get(cell.last) if cell.last is not None else index
            if index is None or last is None:
                raise LayoutTokenError(f"row names '{cell.column}', which is no table column")
            inherit = self.column_formats[index] if _single_value(cell.parts) and last == index else None
            parts = [self._part(p, args, inherit) for p in cell.parts]
            cells[index] = _join(parts)
            spans.append(CellView(cells[index], index, last - index + 1))
        covered = {i for span in spans for i in range(span.column, span.column + span.colspan)}
        spans += [CellView(TypstCode('""'), i, 1) for i in range(len(self.columns)) if i not in covered]
        spans.sort(key=lambda span: span.column)
        style = style_arguments(element, param)
        if element.border_top:
            style = TypstCode(style + ", top: true")
        if element.border_bottom is not None:
            style = TypstCode(style + f', bottom: "{element.border_bottom}"')
        return RowView(
            cells=cells,
            spans=spans if any(span.colspan > 1 for span in spans) else [],
            style=style,
            when=condition(element.when, param),
        )

    def _part(self, part: TextPart, args: list[ArgSpec], inherit: Format | None = None) -> PartView:
        if isinstance(part, LiteralPart):
            return PartView("text", TypstCode(typst_string(part.text)), text=part.text)
        if isinstance(part, ValuePart):
            fmt = part.format or inherit
            args.append(ArgSpec(part.value, fmt, self.formatter.formatter(fmt)))
            return PartView("value", TypstCode(f"v{len(args) - 1}"))
        if isinstance(part, PageNumberPart):
            grouped = "true" if part.format is not None and part.format.name == "number" else "false"
            function = "rd-page" if part.which == "page" else "rd-pages"
            return PartView("page", TypstCode(f"{function}(grouped: {grouped})"), which=part.which)
        raise LayoutTokenError(f"unknown text part {part!r}")

    def _image(self, path: str) -> str:
        try:
            source = confine(self.plan.base_dir, path, "image", allow_outside=self.allow_outside_paths)
            found = source.is_file()
        except PathRefused as refused:
            raise report_error(ReportDataError, self.plan, refused.message) from None
        except OSError as exc:
            raise report_error(ReportDataError, self.plan, f"image '{shown(path)}' cannot be read: {exc}") from None
        if not found:
            raise report_error(ReportDataError, self.plan, f"image '{shown(path)}' not found (looked at {source})")
        for asset in self.images:
            if asset.source == source:
                return asset.target
        # A fresh name inside the compile root: the report's own paths may climb
        # out of its folder ("../logo.png"), which Typst's root would refuse.
        target = f"{IMAGE_DIR}/{len(self.images)}-{_safe_name(source.name)}"
        self.images.append(ImageAsset(source, target))
        return target

    # ---- template variables -----------------------------------------------------------

    def context(self, *, document_date: str = "none") -> dict[str, Any]:
        plan, locale = self.plan, self.formatter.locale
        try:
            page = {
                "paper": typst_paper(plan.page.size),
                "landscape": plan.page.landscape,
                "margin": typst_length(plan.page.margin),
            }
        except LayoutTokenError as exc:
            raise report_error(ReportLayoutError, plan, f"page: {exc}") from exc
        return {
            "report": {
                "name": plan.name,
                "title": plan.title,
                "locale": str(locale),
                "language": locale.language,
                "region": locale.territory,
                "currency": self.formatter.currency,
                "group_symbol": self.formatter.group_symbol,
                "date": TypstCode(document_date),
            },
            "page": page,
            "columns": self.columns,
            "groups": self.groups,
            "bands": {k: self.bands.get(k) for k in ("title", "page_header", "page_footer", "summary", "no_data")},
            "all_bands": list(self.bands.values()),
        }


def _column_view(index: int, column: TableColumn) -> ColumnView:
    numeric = column.type in NUMERIC_TYPES
    align = column.align or ("right" if numeric else "left")
    width = column.width or "1fr"
    return ColumnView(
        index=index,
        name=column.name,
        label=column.label,
        align=typst_align(align),
        align_name=align,
        width=typst_length(width, fractions=is_fraction(width)),
        fraction=is_fraction(width),
        numeric=numeric,
        nowrap=column.nowrap,
    )


def _join(parts: list[PartView]) -> TypstCode:
    if not parts:
        return TypstCode('""')
    if len(parts) == 1:
        return parts[0].expr
    return TypstCode("(" + ", ".join(p.expr for p in parts) + ").join()")


def _single_value(parts: list[TextPart]) -> bool:
    return len(parts) == 1 and isinstance(parts[0], ValuePart)


def _safe_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name) or "image"

