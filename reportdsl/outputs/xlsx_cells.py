"""Values → native Excel cells, as the XML of a worksheet row.

In: the Python values the engine emits (``None``, ``bool``, ``int``, ``Decimal``,
``float``, ``str``, ``date``, ``datetime``), a plan ``Format`` (or none) and a ``Style``
(bold, italic, strike, font colour, fill, size, alignment, rules above and below).
Out: ``CellWriters.writer(fmt, style)``, a function ``(cell reference, value) →
"<c …>…</c>"`` (empty for null), for ``ReportWorksheet.write_row_xml``
(``xlsx_worksheet``); ``FormatCache`` makes the xlsxwriter ``Format`` of each (number
code, style) once, ``blank_writer`` an empty cell that shows a style's fill and rules.

What a value becomes
- int, Decimal, float → a number (a Decimal as the nearest double: exact up to 15
  significant digits, Excel's own precision) with the Excel code of its format
  (``excel_formats``), written with ``repr`` (the shortest text that reads back as the
  same double); a NaN or an infinity → the text ``NaN``, ``Infinity``, ``-Infinity``, as
  in the JSON result.
- date, datetime → a date serial (the 1900 date system) with a date code; a datetime's
  time zone is dropped (its wall-clock time is kept; Excel has no zones); a date before
  1900-01-01, which Excel cannot hold, → its ISO text. ``date``/``datetime`` on an ISO
  text parses it, as the page does.
- bool → TRUE/FALSE; str → always an inline string cell: a value starting with ``=`` is
  never a formula, nor a URL, nor a number, and no text is ever markup (``&``, ``<``
  and ``>`` are escaped, characters XML cannot hold written as OOXML's ``_xHHHH_``).
  Excel keeps 32,767 characters (UTF-16 units) of a text: longer ones are cut.
- ``upper``/``lower`` → the page's text of the value, as a string.
- A format that does not fit the value (``currency`` on a text) → the value's own
  default, as on the page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

from xlsxwriter.workbook import Workbook  # type: ignore[import-untyped]

from reportdsl.errors import ReportDataError
from reportdsl.outputs.excel_formats import INT_CODE, NUMERIC_FORMATS, ExcelFormats
from reportdsl.plan.models import Format
from reportdsl.render.formatting.formats import ValueFormatter

CellXml = Callable[[str, Any], str]  # (cell reference "B7", value) -> "<c …>…</c>" or ""

_EPOCH = dt.date(1899, 12, 31).toordinal()  # serial 1 is 1900-01-01
_INF = float("inf")
_BEYOND_DOUBLE = Decimal("1E308")  # Excel's largest number is 9.99999999999999E+307
_BEYOND_INT = 10**308
_EXCEL_TEXT_MAX = 32_767  # UTF-16 units


def excel_serial(value: dt.date) -> float | int | None:
    """A date or datetime as an Excel 1900-system serial; None before 1900-01-01."""
    day = value.toordinal() - _EPOCH
    if day < 1:
        return None
    if day > 59:  # Excel counts 1900-02-29, which never was
        day += 1
    if isinstance(value, dt.datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return day + seconds / 86400 if seconds else day
    return day


def non_finite_text(value: Any) -> str | None:
    """``NaN``/``Infinity``/``-Infinity`` for a value Excel cannot hold, else None; a
    decimal past a double's range (``12e999999`` in data) is its own exact text."""
    if value.__class__ is Decimal and value.is_finite() and value.copy_abs() >= _BEYOND_DOUBLE:
        return str(value)
    if value != value:
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    return None


def parse_iso(text: str) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(text) if "T" in text or " " in text else dt.date.fromisoformat(text)
    except ValueError:
        return None


def number_text(number: Any) -> str:
    """``repr``: the shortest text that reads back as the same double (``1E+16``)."""
    text = repr(number)
    return text.upper() if "e" in text else text


_ESCAPED = re.compile(r"(_x[0-9a-fA-F]{4}_)")  # a literal escape is escaped in turn
_NOT_XML = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_SPECIAL = re.compile(r"[&<>]|_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")


def string_xml(ref: str, style: str, text: str) -> str:
    """An inline string cell, as xlsxwriter writes one in ``constant_memory`` mode."""
    if len(text) > _EXCEL_TEXT_MAX // 2:
        text = _cut(text)
    if _SPECIAL.search(text):
        text = _ESCAPED.sub(r"_x005F\1", text)
        text = _NOT_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _cut(text: str) -> str:
    """Text past Excel's 32,767 UTF-16 units, cut to fit and ending in "…", so that a
    reader of the cell sees that it is not all there."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > _EXCEL_TEXT_MAX:
            return text[: i - 1] + "\u2026"
    return text


class Style(NamedTuple):
    bold: bool = False
    italic: bool = False
    strike: bool = False
    color: str | None = None  # "#RRGGBB", the font's
    background: str | None = None  # "#RRGGBB", a solid fill
    size: float | None = None  # points
    align: str | None = None  # left | center | right
    top: str | None = None  # a rule above the cell: "single" | "double"
    bottom: str | None = None  # a rule under it (the column header row's is "single")


_BORDERS = {"single": 1, "double": 6}  # xlsxwriter's border styles: thin, double
# Excel holds 64,000 cell formats; colours from the data could ask for more.
MAX_CELL_FORMATS = 60_000


class FormatCache:
    """One xlsxwriter ``Format`` per (number code, style); ``get`` gives a cell's style
    attribute (`` s="3"``, or nothing for the default). Past ``MAX_CELL_FORMATS``
    distinct formats (only colours computed from the data get there) the build stops
    with an error rather than write a workbook Excel refuses to open."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self._cache: dict[tuple[str | None, Style], str] = {}

    def get(self, code: str | None, style: Style) -> str:
        key = (code, style)
        found = self._cache.get(key)
        if found is not None:
            return found
        props: dict[str, Any] = {}
        if code:
            props["num_format"] = code
        for name, prop in (("bold", "bold"), ("italic", "italic"), ("strike", "font_strikeout"),
                           ("size", "font_size"), ("color", "font_color"), ("align", "align")):
            if getattr(style, name):
                props[prop] = getattr(style, name)
        if style.background:
            props["bg_color"] = style.background
            props["pattern"] = 1
        if style.top:
            props["top"] = _BORDERS[style.top]
        if style.bottom:
            props["bottom"] = _BORDERS[style.bottom]
        found = ""
        if props:  # the index xlsxwriter gives the format when a cell uses it
            if len(self.workbook.xf_format_indices) >= MAX_CELL_FORMATS:
                raise ReportDataError(
                    f"the report's colours give more than {MAX_CELL_FORMATS:,} different cell styles, "
                    "more than an XLSX workbook holds (Excel's limit is 64,000)")
            found = f' s="{self.workbook.add_format(props)._get_xf_index()}"'
        self._cache[key] = found
        return found


class CellWriters:
    """Cell writers for one report: its locale's Excel codes and its page texts."""

    def __init__(self, codes: ExcelFormats, texts: ValueFormatter, formats: FormatCache) -> None:
        self.codes = codes
        self.texts = texts
        self.formats = formats

    def text_writer(self, style: Style) -> Callable[[str, str], str]:
        attr = self.formats.get(None, style)
        return lambda ref, text: string_xml(ref, attr, text)

    def blank_writer(self, style: Style) -> Callable[[str], str]:
        """A cell with no value that shows its fill and rules (``""`` for a plain style)."""
        attr = self.formats.get(None, style._replace(align=None))
        return (lambda ref: f'<c r="{ref}"{attr}/>') if attr else (lambda ref: "")

    def writer(self, fmt: Format | None, style: Style) -> CellXml:  # noqa: C901 - one branch a value kind
        get = self.formats.get
        codes = self.codes
        text_attr = get(None, style)
        name = fmt.name if fmt is not None else None
        numeric = codes.number(fmt) if fmt is not None and name in NUMERIC_FORMATS else None
        fixed = get(numeric.fixed, style) if numeric is not None and numeric.fixed is not None else None
        dates = name if name in ("date", "datetime") else None
        date_attr = get(codes.date(fmt, with_time=name == "datetime"), style) if dates else None
        # The formats of a value's own default are made when first needed: a workbook
        # keeps every format made, and a styled column makes one set per look.
        int_attr = ""
        date_codes = {False: codes.date(None, with_time=False), True: codes.date(None, with_time=True)}
        default_dates: dict[bool, str] = {}
        change = self.texts.formatter(fmt) if name in ("upper", "lower") else None
        by_decimals: dict[int, str] = {}

        def number_attr(value: Any) -> str:
            if numeric is not None:
                if fixed is not None:
                    return fixed
                decimals = numeric.decimals(value)
                found = by_decimals.get(decimals)
                if found is None:
                    found = by_decimals[decimals] = get(numeric.code(decimals), style)
                return found
            cls = value.__class__
            if cls is int:
                nonlocal int_attr
                if not int_attr:
                    int_attr = get(INT_CODE, style)
                return int_attr
            if cls is Decimal:
                return get(codes.default_decimal(value), style)
            return get(codes.default_float.for_value(value), style)

        def date_xml(ref: str, value: dt.date) -> str:
            if value.__class__ is not dt.date and getattr(value, "tzinfo", None) is not None:
                value = value.replace(tzinfo=None)  # type: ignore[call-arg]
            serial = excel_serial(value)
            if serial is None:
                return string_xml(ref, text_attr, value.isoformat())
            if date_attr is not None:
                attr = date_attr
            else:
                with_time = isinstance(value, dt.datetime)
                found = default_dates.get(with_time)
                if found is None:
                    found = default_dates[with_time] = get(date_codes[with_time], style)
                attr = found
            return f'<c r="{ref}"{attr}><v>{number_text(serial)}</v></c>'

        def cell(ref: str, value: Any) -> str:
            cls = value.__class__
            if value is None:
                return ""
            if change is not None:
                return string_xml(ref, text_attr, change(value))
            if cls is str:
                when = parse_iso(value) if dates is not None else None
                return string_xml(ref, text_attr, value) if when is None else date_xml(ref, when)
            if cls is int and -_BEYOND_INT < value < _BEYOND_INT:
                return f'<c r="{ref}"{number_attr(value)}><v>{value}</v></c>'
            if cls is int:  # past a double's range: Excel cannot hold it as a number
                return string_xml(ref, text_attr, str(value))
            if cls is Decimal or cls is float:
                text = non_finite_text(value)
                if text is not None:
                    return string_xml(ref, text_attr, text)
                return f'<c r="{ref}"{number_attr(value)}><v>{number_text(float(value))}</v></c>'
            if cls is bool:
                return f'<c r="{ref}"{text_attr} t="b"><v>{1 if value else 0}</v></c>'
            if isinstance(value, dt.date):
                return date_xml(ref, value)
            return other(ref, value)

        def other(ref: str, value: Any) -> str:
            # subclasses (a DataFrame's numpy scalars): as the Python value they stand for
            if isinstance(value, bool):
                return cell(ref, bool(value))
            for kind in (int, float, Decimal, str):
                if isinstance(value, kind):
                    return cell(ref, kind(value))
            return string_xml(ref, text_attr, str(value))

        return cell
