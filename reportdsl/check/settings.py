"""check_settings: the report-level statements and layout options make sense.

In: an ``Outline``. Out: errors for an unknown locale, currency, paper size,
parameter type or source shape, a malformed colour or length, a default that does
not fit its parameter's type, row cells that name no detail column, and images or a
template that are not there, or that lie outside the report's folder
(``reportdsl.paths``) while ``outside_paths_allowed`` is not in force.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from reportdsl import paths
from reportdsl.check.context import CheckContext
from reportdsl.check.outline import Outline
from reportdsl.check.suggest import did_you_mean
from reportdsl.language import PAPER_BY_NAME
from reportdsl.language.constants import TYPES, parse_constant
from reportdsl.syntax import ast

COLOR = re.compile(r"#[0-9A-Fa-f]{6}")

# Whether image and template paths may lead outside the report's folder: the user's
# opt-in (--allow-outside-paths, allow_outside_paths=True), set around a check by the
# API (``outside_paths_allowed``); off by default.
_OUTSIDE_PATHS: ContextVar[bool] = ContextVar("reportdsl_outside_paths", default=False)


@contextmanager
def outside_paths_allowed(allowed: bool) -> Iterator[None]:
    token = _OUTSIDE_PATHS.set(allowed)
    try:
        yield
    finally:
        _OUTSIDE_PATHS.reset(token)


def check_settings(outline: Outline, ctx: CheckContext) -> None:
    _check_locale_currency(outline, ctx)
    _check_template(outline, ctx)
    _check_page(outline, ctx)
    _check_params(outline, ctx)
    _check_source(outline, ctx)
    for band in _all_bands(outline):
        for element in band.elements:
            _check_element(element, outline, ctx)
    for column in outline.table.columns if outline.table is not None else ():
        _check_element(column, outline, ctx)
        for style in column.styles:  # a table's cells are its rows' values: rows take styles
            if style.kind != "format":
                ctx.error(f"a column of a 'columns' table takes '| FORMAT', 'align', 'width' and 'nowrap', "
                          f"not '{style.kind}': style the rows that fill it", style.span)
    names = [c.name.name for c in outline.columns]
    for i, name in enumerate(names):
        if name in names[:i]:
            what = "detail columns" if outline.table is None else "columns"
            ctx.error(f"two {what} are called '{name}'", outline.columns[i].name.span)


def _all_bands(outline: Outline) -> list[ast.Band]:
    return list(outline.bands.values()) + [b for bands in outline.group_bands for b in bands.values()]


def _check_locale_currency(outline: Outline, ctx: CheckContext) -> None:
    from babel import Locale, UnknownLocaleError
    from babel.numbers import list_currencies

    settings = outline.settings
    if (locale := settings.get("locale")) is not None and isinstance(locale.value, str):
        try:
            Locale.parse(locale.value)
        except (ValueError, UnknownLocaleError):
            ctx.error(f"unknown locale '{locale.value}' (write language_COUNTRY, e.g. \"de_DE\")", locale.value_span)
    currency = settings.get("currency")
    if currency is not None and isinstance(currency.value, str) and currency.value not in list_currencies():
        hint = did_you_mean(currency.value, sorted(list_currencies()))
        ctx.error(f"unknown currency code '{currency.value}' (ISO 4217){hint}", currency.value_span)
    if (mode := settings.get("on_error")) is not None and mode.value not in ("fail", "skip"):
        ctx.error(f"on_error is 'fail' or 'skip', not '{mode.value}'", mode.value_span)
    limit = settings.get("max_groups")
    if limit is not None and isinstance(limit.value, int) and limit.value < 1:
        ctx.error("max_groups must be at least 1", limit.value_span)


def _check_template(outline: Outline, ctx: CheckContext) -> None:
    setting = outline.settings.get("template")
    if setting is None or not isinstance(setting.value, str):
        return
    name = setting.value
    if paths.is_builtin_template_name(name):
        known = paths.builtin_template_names()
        if name not in known:
            ctx.error(f"unknown template '{name}'{did_you_mean(name, known)}; built-in templates: "
                      f"{', '.join(known)} (a file is named with its extension, e.g. \"mine.typ.j2\")",
                      setting.value_span)
        return
    _check_file("template", name, setting.value_span, ctx, also=(paths.builtin_template_dir(),))


def _check_image(element: ast.Image, ctx: CheckContext) -> None:
    _check_file("image", element.path, element.span, ctx)


def _check_file(kind: str, name: str, span: ast.Span, ctx: CheckContext, also: tuple = ()) -> None:
    """A file the report names (``kind``: image or template) is inside the report's
    folder (or ``also``), unless allowed outside, and exists."""
    try:
        found = paths.confine(ctx.base_dir, name, kind, allow_outside=_OUTSIDE_PATHS.get(), also=also).is_file()
    except paths.PathRefused as refused:
        ctx.error(refused.message, span)
        return
    except OSError as exc:
        ctx.error(f"{kind} '{paths.shown(name)}' cannot be read: {exc.strerror or exc}", span)
        return
    if not found:
        ctx.error(f"{kind} '{paths.shown(name)}' not found (paths are relative to the report's folder)", span)


def _check_page(outline: Outline, ctx: CheckContext) -> None:
    page = outline.page
    if page is None:
        return
    if page.size.name not in PAPER_BY_NAME:
        hint = did_you_mean(page.size.name, sorted(PAPER_BY_NAME))
        ctx.error(f"unknown paper size '{page.size.name}'{hint}", page.size.span)
    if page.margin is not None:
        _check_length(page.margin, ctx, "a margin")


def _check_length(length: ast.Length, ctx: CheckContext, what: str, allow_fr: bool = False) -> None:
    if length.unit == "fr" and not allow_fr:
        ctx.error(f"'fr' shares out the width of columns; {what} needs pt, mm, cm, in or em", length.span)
    elif length.value < 0:
        ctx.error(f"{what} cannot be negative", length.span)


def _check_params(outline: Outline, ctx: CheckContext) -> None:
    for param in outline.params:
        type_name = param.type.name
        if type_name not in TYPES:
            ctx.error(f"unknown type '{type_name}'{did_you_mean(type_name, TYPES)}", param.type.span)
            continue
        default = param.default
        if default is None:
            continue
        if isinstance(default, ast.Call) and default.func in ("date", "datetime") and len(default.args) == 1:
            default = default.args[0]
        if not isinstance(default, ast.Literal):
            continue  # resolve_names/check_types report what is not constant
        try:
            parse_constant(default.value, type_name)
        except ValueError as err:
            ctx.error(f"default of parameter '{param.name.name}': {err}", default.span)


def _check_source(outline: Outline, ctx: CheckContext) -> None:
    source = outline.source
    if source is None:
        return
    if source.kind in ("sql", "spark") and source.table is None and source.query is None:
        ctx.error(f"a {source.kind} source needs 'table NAME' or 'query \"SELECT …\"' after its URL", source.span)
    if source.kind not in ("sql", "spark") and (source.table is not None or source.query is not None):
        ctx.error(f"'table' and 'query' belong to sql and spark sources, not {source.kind}", source.span)
    if source.types and source.kind != "csv":
        ctx.error("a { column: type } block belongs to csv sources", source.types[0].span)
    for decl in source.types:
        if decl.type.name not in TYPES:
            ctx.error(f"unknown type '{decl.type.name}'{did_you_mean(decl.type.name, TYPES)}", decl.type.span)


def _check_element(element: ast.Element, outline: Outline, ctx: CheckContext) -> None:
    for style in _styles(element):
        if style.kind in ("color", "background") and isinstance(style.value, ast.Literal):
            value = style.value.value
            if isinstance(value, str) and not COLOR.fullmatch(value):
                ctx.error(f"a colour is written \"#RRGGBB\", e.g. \"#336699\", not \"{value}\"", style.value.span)
        elif style.kind == "format":
            ctx.error("this column's format is given twice (one '| FORMAT' a column)", style.span)
        elif style.kind == "size" and isinstance(style.value, ast.Length):
            _check_length(style.value, ctx, "a text size")
    if isinstance(element, ast.Column) and element.width is not None:
        _check_length(element.width, ctx, "a column width", allow_fr=True)
    elif isinstance(element, ast.Space):
        _check_length(element.length, ctx, "a space")
    elif isinstance(element, ast.Image):
        if element.width is not None:
            _check_length(element.width, ctx, "an image width")
        _check_image(element, ctx)
    elif isinstance(element, ast.Grid):
        for width in element.widths:
            _check_length(width, ctx, "a grid width", allow_fr=True)
        for block in element.blocks:
            for inner in block.elements:
                _check_element(inner, outline, ctx)
    elif isinstance(element, ast.Row):
        _check_row(element, outline, ctx)


def _styles(element: ast.Element) -> tuple[ast.Style, ...]:
    if isinstance(element, ast.RowStyle):
        return (element.style,)
    if isinstance(element, (ast.Text, ast.Column, ast.Row)):
        return element.styles
    return ()


def _check_row(element: ast.Row, outline: Outline, ctx: CheckContext) -> None:
    """Each cell names a table column (or a span FIRST..LAST of them, left to right),
    and no column is filled twice."""
    columns = [c.name.name for c in outline.columns]
    if not columns:
        ctx.error("a row fills the table's columns, but this report has no detail band or 'columns' block",
                  element.span)
        return
    what = "detail column" if outline.table is None else "column"
    filled: dict[int, str] = {}
    for cell in element.cells:
        ends = [cell.column] + ([cell.last] if cell.last is not None else [])
        indexes = []
        for end in ends:
            if end.name not in columns:
                ctx.error(f"no {what} is called '{end.name}'{did_you_mean(end.name, columns)}", end.span)
            else:
                indexes.append(columns.index(end.name))
        if len(indexes) != len(ends):
            continue
        first, last = indexes[0], indexes[-1]
        if last < first:
            ctx.error(f"a spanning cell runs left to right: '{columns[last]}' comes before '{columns[first]}' "
                      f"(write {columns[last]}..{columns[first]})", cell.span)
            continue
        for i in range(first, last + 1):
            if i in filled:
                taken = filled[i]
                ctx.error(f"column '{columns[i]}' is filled twice in this row"
                          + (f" (the cell '{taken}' covers it)" if taken != columns[i] else ""), cell.column.span)
                break
        for i in range(first, last + 1):
            filled.setdefault(i, cell.column.name if cell.last is None else f"{cell.column.name}..{cell.last.name}")
